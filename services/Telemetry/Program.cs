using MaaS.ServiceDefaults.EventStore;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Messaging;
using MaaS.Telemetry;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("telemetry", typeof(TelemetryApi).Assembly); // logs, problems, health, OpenAPI, chain node
builder.AddTelemetryStorage();                                         // readings, machines, batches, outbox: plain tables in schema "telemetry"
builder.AddMessaging();                                                // MassTransit on RabbitMQ; machine event consumers by assembly scan
builder.AddEventStore(store => { });                                   // Marten (diagnostics only: readings are not documents)
builder.AddTelemetryServices();                                        // ingest, machine view, sealing, outbox publisher, gap detection

var app = builder.Build();
app.MapServiceDefaults();
app.MapTelemetryEndpoints();
app.Run();
