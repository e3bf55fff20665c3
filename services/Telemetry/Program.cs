using MaaS.ServiceDefaults.EventStore;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Messaging;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("telemetry", typeof(MaaS.Telemetry.TelemetryApi).Assembly);
builder.AddMessaging();
builder.AddEventStore(store => { });

var app = builder.Build();
app.MapServiceDefaults();
app.Run();
