using MaaS.Anchoring;
using MaaS.ServiceDefaults.EventStore;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Messaging;
using MaaS.ServiceDefaults.Operations;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("anchoring", typeof(AnchoringApi).Assembly);
builder.AddMessaging();
builder.AddEventStore(store => store.AddAnchoringProjections());
builder.AddAnchoringServices();

var app = builder.Build();
app.MapServiceDefaults();
app.MapOperations();
app.MapAnchoringEndpoints();
app.Run();
