using MaaS.Machines;
using MaaS.ServiceDefaults.EventStore;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Messaging;
using MaaS.ServiceDefaults.Operations;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("machines", typeof(MachinesApi).Assembly);
builder.AddMessaging();
builder.AddEventStore(store => store.AddMachinesProjections());
builder.AddOperations();
builder.AddMachinesServices();

var app = builder.Build();
app.MapServiceDefaults();
app.MapOperations();
app.MapMachinesEndpoints();
app.Run();
