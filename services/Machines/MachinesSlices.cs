using JasperFx.Events.Projections;
using MaaS.Chain.Contracts;
using MaaS.Machines.Machines;
using MaaS.Machines.Machines.Commanding;
using MaaS.Machines.Machines.Reading;
using MaaS.Machines.Machines.Registering;
using MaaS.Machines.Members;
using MaaS.Machines.Members.Accrediting;
using MaaS.Machines.Members.Inviting;
using MaaS.Machines.Members.Keys;
using MaaS.Machines.Members.Listing;
using MaaS.Machines.Members.Redeeming;
using MaaS.Machines.Members.Revoking;
using MaaS.OffChain;
using MaaS.ServiceDefaults.Chain;
using MaaS.ServiceDefaults.EventStore;
using MaaS.ServiceDefaults.Validation;
using Marten;

namespace MaaS.Machines;

/// <summary>Everything the Machines service projects, follows and serves, in one place.</summary>
public static class MachinesSlices
{
    public static void AddMachinesProjections(this StoreOptions store)
    {
        store.Projections.Snapshot<MemberView>(SnapshotLifecycle.Inline);
        store.Projections.Snapshot<AccreditationView>(SnapshotLifecycle.Inline);
        store.Projections.Snapshot<MachineDetails>(SnapshotLifecycle.Inline);
        store.Projections.Snapshot<MachineListItem>(SnapshotLifecycle.Async);
        store.Schema.For<MemberView>().Index(m => m.Account);
        store.Schema.For<AccreditationView>().Index(a => a.MaintainerId);
        store.Schema.For<ApiKeyDocument>();
        store.Schema.For<InvitationView>();
    }

    public static WebApplicationBuilder AddMachinesServices(this WebApplicationBuilder builder)
    {
        builder.Services.AddMaaSContracts(builder.Configuration);
        builder.Services.AddOffChainStore(builder.Configuration.GetSection("OffChain"));
        var consortium = builder.Configuration.GetSection(ConsortiumOptions.Section).Get<ConsortiumOptions>() ?? new ConsortiumOptions();
        builder.Services.AddSingleton(consortium);
        builder.Services.AddSingleton(builder.Configuration.GetSection(ApiKeyOptions.Section).Get<ApiKeyOptions>() ?? new ApiKeyOptions());
        builder.Services.AddHostedService<SeedOperator>();
        builder.Services.AddScoped<MachineCommands>();
        builder.Services.AddScoped<MaaS.Machines.Machines.Maintaining.LoopOperations>();
        builder.Services.AddSingleton<IIntegrationEventMapper, MachinesIntegrationEvents>();
        builder.Services.AddChainLogHandler<ConsortiumFacts>();
        builder.Services.AddChainLogHandler<RegistryFacts>();
        builder.Services.AddChainLogHandler<TermsFacts>();
        builder.AddChainFollower(f =>
        {
            f.Name = "machines";
            foreach (var contract in new[] { "Consortium", "MachineRegistry", "Invoicing" }) f.Contracts.Add(contract);
        });
        return builder;
    }

    public static WebApplication MapMachinesEndpoints(this WebApplication app)
    {
        var members = app.MapGroup("/api/machines/members").WithTags("Members").WithValidation();
        members.MapInviteMember();
        members.MapRedeemInvitation();
        members.MapRevokeMember();
        members.MapListMembers();
        members.MapApiKeys();
        app.MapAccreditations("/api/machines");
        app.MapResolveIdentity();

        var machines = app.MapGroup("/api/machines").WithTags("Machines").WithValidation();
        machines.MapRegisterMachine();
        machines.MapAcceptMachine();
        machines.MapStartMachine();
        machines.MapStopMachine();
        machines.MapResetMachine();
        machines.MapRequestTermination();
        machines.MapGetMachine();
        machines.MapListMachines();
        return app;
    }
}
