using MaaS.Maintenance;
using MaaS.ServiceDefaults.EventStore;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Messaging;
using MaaS.ServiceDefaults.Operations;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("maintenance", typeof(MaintenanceApi).Assembly);
builder.AddMessaging();
builder.AddEventStore(store => store.AddMaintenanceProjections());
builder.AddOperations();
builder.AddMaintenanceServices();

var app = builder.Build();
app.MapServiceDefaults();
app.MapOperations();
app.MapMaintenanceEndpoints();
app.Run();
