using MaaS.Invoicing;
using MaaS.ServiceDefaults.EventStore;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Messaging;
using MaaS.ServiceDefaults.Operations;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("invoicing", typeof(InvoicingApi).Assembly);
builder.AddMessaging();
builder.AddEventStore(store => store.AddInvoicingProjections());
builder.AddOperations();
builder.AddInvoicingServices();

var app = builder.Build();
app.MapServiceDefaults();
app.MapOperations();
app.MapInvoicingEndpoints();
app.Run();
