using MaaS.Gateway.Health;
using MaaS.Gateway.Hosting;
using MaaS.Gateway.Identity;

var builder = WebApplication.CreateBuilder(args);
builder.AddGatewayDefaults();
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
builder.Services.AddApiKeyAuthentication(builder.Configuration);
builder.Services.AddServicesHealth();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseApiKeyAuthentication();
app.MapServicesHealth();
app.MapReverseProxy();
app.Run();
