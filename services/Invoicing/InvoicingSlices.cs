using JasperFx.Events.Projections;
using MaaS.Chain.Contracts;
using MaaS.Invoicing.Batches;
using MaaS.Invoicing.Invoices;
using MaaS.Invoicing.Invoices.Issuing;
using MaaS.Invoicing.Invoices.Reading;
using MaaS.Invoicing.Invoices.Settling;
using MaaS.Invoicing.Invoices.Verifying;
using MaaS.Invoicing.Machines;
using MaaS.Invoicing.Terms.Accepting;
using MaaS.Invoicing.Terms.Reading;
using MaaS.Invoicing.Terms.Setting;
using MaaS.OffChain;
using MaaS.ServiceDefaults.Chain;
using MaaS.ServiceDefaults.EventStore;
using MaaS.ServiceDefaults.Validation;
using Marten;

namespace MaaS.Invoicing;

/// <summary>Everything the Invoicing service projects, follows, runs and serves, in one place.</summary>
public static class InvoicingSlices
{
    public static void AddInvoicingProjections(this StoreOptions store)
    {
        store.Projections.Snapshot<BilledMachine>(SnapshotLifecycle.Inline);
        store.Projections.Snapshot<InvoiceView>(SnapshotLifecycle.Inline);
        store.Schema.For<InvoiceView>().Index(i => i.MachineId);
        store.Schema.For<AnchoredBatch>().Index(b => b.MachineId);
    }

    public static WebApplicationBuilder AddInvoicingServices(this WebApplicationBuilder builder)
    {
        builder.Services.AddMaaSContracts(builder.Configuration);
        builder.Services.AddOffChainStore(builder.Configuration.GetSection("OffChain"));
        builder.Services.Configure<InvoicingOptions>(builder.Configuration.GetSection(InvoicingOptions.Section));
        builder.Services.AddHttpClient("anchoring");
        builder.Services.AddSingleton<BatchReadings>();
        builder.Services.AddSingleton<BatchesRoundRoots>();
        builder.Services.AddSingleton<BillingFacts>();
        builder.Services.AddSingleton<MachineInvoicingLock>();
        builder.Services.AddSingleton<InvoiceVerifier>();
        builder.Services.AddSingleton<InvoicingRun>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<InvoicingRun>());
        builder.Services.AddSingleton<IIntegrationEventMapper, InvoicingIntegrationEvents>();
        builder.Services.AddChainLogHandler<MachineFacts>();
        builder.Services.AddChainLogHandler<TermsFacts>();
        builder.Services.AddChainLogHandler<InvoiceFacts>();
        builder.AddChainFollower(f =>
        {
            f.Name = "invoicing";
            foreach (var contract in new[] { "MachineRegistry", "Invoicing" }) f.Contracts.Add(contract);
        });
        return builder;
    }

    public static WebApplication MapInvoicingEndpoints(this WebApplication app)
    {
        var machines = app.MapGroup("/api/invoicing/machines").WithTags("Terms").WithValidation();
        machines.MapSetTerms();
        machines.MapAcceptTerms();
        machines.MapGetTerms();

        var invoices = app.MapGroup("/api/invoicing/invoices").WithTags("Invoices").WithValidation();
        invoices.MapVerifyInvoice();
        invoices.MapSettleInvoice();
        app.MapGroup("/api/invoicing").WithTags("Invoices").MapGetInvoice();
        return app;
    }
}
