using MaaS.Gateway.Health;
using MaaS.Gateway.Hosting;
using MaaS.Gateway.Identity;

var builder = WebApplication.CreateBuilder(args);
builder.AddGatewayDefaults();
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
builder.Services.AddServicesHealth();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseCallerIdentity();
app.MapServicesHealth();
app.MapReverseProxy();
app.Run();
