using JasperFx.Events.Projections;
using MaaS.Anchoring.Anchorer;
using MaaS.Anchoring.Batches;
using MaaS.Anchoring.Batches.Decrypting;
using MaaS.Anchoring.Batches.Sealing;
using MaaS.Anchoring.Batches.Shredding;
using MaaS.Anchoring.Group;
using MaaS.Anchoring.Progress;
using MaaS.Anchoring.Proofs;
using MaaS.Anchoring.Rounds;
using MaaS.Anchoring.Rounds.Committing;
using MaaS.Anchoring.Rounds.Cutting;
using MaaS.Anchoring.Rounds.Listing;
using MaaS.Chain.Contracts;
using MaaS.Chain.Transactions;
using MaaS.OffChain;
using MaaS.ServiceDefaults.Chain;
using MaaS.ServiceDefaults.EventStore;
using MaaS.ServiceDefaults.Operations;
using MaaS.ServiceDefaults.Validation;
using Marten;

namespace MaaS.Anchoring;

/// <summary>Everything the Anchoring service projects, follows, runs and serves, in one place.</summary>
public static class AnchoringSlices
{
    public static void AddAnchoringProjections(this StoreOptions store)
    {
        store.Projections.Snapshot<BatchView>(SnapshotLifecycle.Inline);
        store.Projections.Snapshot<RoundView>(SnapshotLifecycle.Inline);
        store.Schema.For<BatchView>().Index(b => b.MachineId).Index(b => b.Status);
        store.Schema.For<RoundView>().Index(r => r.Status);
        store.Schema.For<BatchReadings>();
        store.Schema.For<WrappedKey>().Index(k => k.BatchId);
        store.Schema.For<PendingBatch>();
        store.Schema.For<AnchorerKeyDocument>();
        store.Schema.For<MachineParties>().UseOptimisticConcurrency(true);
        store.Schema.For<MemberPublicKey>().UseOptimisticConcurrency(true);
        store.Schema.For<MaintainerAccreditation>().UseOptimisticConcurrency(true).Index(a => a.Oem);
    }

    public static WebApplicationBuilder AddAnchoringServices(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AnchoringOptions>().Bind(builder.Configuration.GetSection(AnchoringOptions.Section));
        builder.Services.AddMaaSContracts(builder.Configuration);
        builder.Services.AddOffChainStore(builder.Configuration.GetSection("OffChain"));

        // Signing keys: the configured anchorer and operator keys, then the deployment's shared key store (members' keys and a
        // generated anchorer). Registered before the transaction writer, which otherwise brings its own.
        var configured = (builder.Configuration.GetSection("Chain:SigningKeys").Get<string[]>() ?? [])
            .Concat(new[] { builder.Configuration[$"{AnchoringOptions.Section}:AnchorerPrivateKey"], builder.Configuration["Consortium:OperatorPrivateKey"] }
                .Where(k => !string.IsNullOrWhiteSpace(k)).Select(k => k!));
        builder.Services.AddSingleton<ISigningKeys>(sp => new CompositeSigningKeys(new InMemorySigningKeys(configured), sp.GetRequiredService<PostgresKeyStore>()));
        builder.AddOperations();

        builder.Services.AddSingleton<AnchorerAccount>();
        builder.Services.AddSingleton<SenderPublicKeys>();
        builder.Services.AddSingleton<MemberKeyDiscovery>();
        builder.Services.AddSingleton<BatchSealer>();
        builder.Services.AddSingleton<IIntegrationEventMapper, AnchoringIntegrationEvents>();
        // The anchorer is resolved before anything that signs or follows for it starts (hosted services start in order).
        builder.Services.AddHostedService<ResolveAnchorer>();
        builder.Services.AddHostedService<GrantAnchorer>();
        builder.Services.AddHostedService<RetryPendingBatches>();
        builder.Services.AddHostedService<CutRounds>();
        builder.Services.AddHostedService<CommitRounds>();
        builder.Services.AddChainLogHandler<RoundFacts>();
        builder.Services.AddChainLogHandler<AnchorBatchesAtFinality>();
        builder.AddChainFollower(f =>
        {
            f.Name = "anchoring";
            f.Contracts.Add("TelemetryAnchor");
        });
        return builder;
    }

    public static WebApplication MapAnchoringEndpoints(this WebApplication app)
    {
        var anchoring = app.MapGroup("/api/anchoring").WithTags("Anchoring").WithValidation();
        anchoring.MapGetMachineGroup();
        anchoring.MapReadBatchReadings();
        anchoring.MapShredBatchKeys();
        anchoring.MapGetReadingProof();
        anchoring.MapListRounds();
        anchoring.MapGetAnchoringProgress();
        return app;
    }
}
