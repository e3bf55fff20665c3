using JasperFx.Events.Projections;
using MaaS.Chain.Contracts;
using MaaS.Maintenance.Accreditations;
using MaaS.Maintenance.Machines;
using MaaS.Maintenance.Sla;
using MaaS.Maintenance.Tickets;
using MaaS.Maintenance.Tickets.Accepting;
using MaaS.Maintenance.Tickets.Bidding;
using MaaS.Maintenance.Tickets.Cancelling;
using MaaS.Maintenance.Tickets.Closing;
using MaaS.Maintenance.Tickets.Completing;
using MaaS.Maintenance.Tickets.Opening;
using MaaS.Maintenance.Tickets.Reading;
using MaaS.Maintenance.TrackRecords;
using MaaS.Maintenance.Watchdogs;
using MaaS.OffChain;
using MaaS.ServiceDefaults.Chain;
using MaaS.ServiceDefaults.EventStore;
using MaaS.ServiceDefaults.Validation;
using Marten;

namespace MaaS.Maintenance;

/// <summary>Everything the Maintenance service projects, follows, runs and serves, in one place.</summary>
public static class MaintenanceSlices
{
    public static void AddMaintenanceProjections(this StoreOptions store)
    {
        store.Projections.Snapshot<TicketDetails>(SnapshotLifecycle.Inline);
        store.Projections.Snapshot<ServicedMachine>(SnapshotLifecycle.Inline);
        store.Projections.Snapshot<WatchdogPolicy>(SnapshotLifecycle.Inline);
        store.Schema.For<TicketDetails>().Index(t => t.MachineId).Index(t => t.Active).Index(t => t.FinalAssigneeId).Index(t => t.SlaSettled);
        store.Schema.For<ServicedMachine>().Index(m => m.CustomerId).Index(m => m.OemId);
        store.Schema.For<AccreditationRecord>().Index(a => a.MaintainerId);
        store.Schema.For<SealedBidSecret>();
    }

    public static WebApplicationBuilder AddMaintenanceServices(this WebApplicationBuilder builder)
    {
        builder.Services.AddMaaSContracts(builder.Configuration);
        builder.Services.AddOffChainStore(builder.Configuration.GetSection("OffChain"));
        builder.Services.Configure<MaintenanceOptions>(builder.Configuration.GetSection(MaintenanceOptions.Section));
        builder.Services.AddSingleton<TicketCommands>();
        builder.Services.AddSingleton<TicketOpener>();
        builder.Services.AddSingleton<SealedBids>();
        builder.Services.AddSingleton<IIntegrationEventMapper, MaintenanceIntegrationEvents>();
        builder.Services.AddHostedService<Watchdog>();
        builder.Services.AddHostedService<SlaSweeper>();
        builder.Services.AddChainLogHandler<MachineFacts>();
        builder.Services.AddChainLogHandler<TicketFacts>();
        builder.Services.AddChainLogHandler<AuctionFacts>();
        builder.AddChainFollower(f =>
        {
            f.Name = "maintenance";
            foreach (var contract in new[] { "MachineRegistry", "Maintenance" }) f.Contracts.Add(contract);
        });
        return builder;
    }

    public static WebApplication MapMaintenanceEndpoints(this WebApplication app)
    {
        var tickets = app.MapGroup("/api/maintenance/tickets").WithTags("Tickets").WithValidation();
        tickets.MapOpenTicket();
        tickets.MapAcceptTicket();
        tickets.MapPlaceBid();
        tickets.MapCommitBid();
        tickets.MapRevealBid();
        tickets.MapAwardTicket();
        tickets.MapCompleteTicket();
        tickets.MapCloseTicket();
        tickets.MapCancelTicket();
        tickets.MapPauseClock();
        tickets.MapGetTicket();
        tickets.MapListTickets();

        app.MapGroup("/api/maintenance/watchdogs").WithTags("Watchdogs").WithValidation().MapConfigureWatchdog();
        app.MapGroup("/api/maintenance/maintainers").WithTags("Track records").MapGetTrackRecord();
        return app;
    }
}
