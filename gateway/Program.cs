using MaaS.Gateway.Events;
using MaaS.Gateway.Health;
using MaaS.Gateway.Hosting;
using MaaS.Gateway.Idempotency;
using MaaS.Gateway.Identity;
using MaaS.Gateway.Observability;
using MaaS.Gateway.OpenApi;
using MaaS.Gateway.RateLimiting;
using MaaS.Gateway.WebConsole;

var builder = WebApplication.CreateBuilder(args);
builder.AddGatewayDefaults();
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
builder.Services.AddCallerAuthentication(builder.Configuration);   // API keys, OIDC tokens → a signed identity for the services
builder.Services.AddGatewayRateLimits(builder.Configuration);      // per member, per device, per address
builder.Services.AddIdempotentPosts(builder.Configuration);        // Idempotency-Key responses in PostgreSQL
builder.Services.AddServicesHealth();
builder.Services.AddMergedOpenApi();                                 // one document for the public API, /docs
builder.Services.AddPartnerEvents(builder.Configuration);           // webhooks, partner AMQP queues, /api/events (SSE)

var app = builder.Build();
app.UseGatewayDefaults();                                            // correlation ids, problems
app.UseProtectedMetrics();                                           // /metrics for the operator or the scrape token
app.MapWebConsole();                                                 // /console: static pages, no key needed for the files
app.UseCallerAuthentication();
app.UseRateLimiter();
app.UseIdempotentPosts();
app.MapServicesHealth();
app.MapMergedOpenApi();
app.MapPartnerEvents();
app.MapReverseProxy();
app.Run();
