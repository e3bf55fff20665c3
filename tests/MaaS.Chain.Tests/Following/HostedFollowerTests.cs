using MaaS.Chain.Following;
using MaaS.Chain.Node;
using MaaS.ServiceDefaults.Chain;
using MaaS.Testing;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;
using Weasel.Core;

namespace MaaS.Chain.Tests.Following;

/// <summary>The follower as services run it: a hosted service, wired by <c>AddChainFollower</c>.</summary>
[Trait("Category", "Integration")]
public sealed class HostedFollowerTests(FollowerDatabase database) : IClassFixture<FollowerDatabase>
{
    [Fact]
    public async Task HostedFollower_KeepsPollingAfterFailures_AndAppliesEachLogOnce()
    {
        await using var chain = await TestChain.StartAsync();
        using var store = database.NewStore("f_" + Guid.NewGuid().ToString("N")[..12]);
        var emitter = await chain.DeployEmitterAsync();
        await chain.EmitAsync(emitter, "a");
        var sink = new FlakySink(new MartenChainFollowerSink(store, "hosted", [new EmitterLogHandler(emitter)]), failures: 3);
        var follower = FollowerDatabase.Follower(chain.Web3, sink, "hosted", o => o.PollInterval = TimeSpan.FromMilliseconds(20), emitter);
        using var service = new ChainFollowerService(follower, NullLogger<ChainFollowerService>.Instance);

        await service.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(async () => (await EmitterHistory.ReadAsync(store, emitter)).ObservedPayloads.Count == 1, "the first log despite three failed commits");
            sink.Failures.ShouldBe(3);
            await chain.EmitAsync(emitter, "b");
            await Eventually.TrueAsync(async () => (await EmitterHistory.ReadAsync(store, emitter)).ObservedPayloads.Count == 2, "the second log");
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        var history = await EmitterHistory.ReadAsync(store, emitter);
        history.ObservedPayloads.ShouldBe(["a", "b"]);
        history.FinalPayloads.ShouldBe(["a", "b"]);
        service.LastPoll.ShouldNotBeNull().CaughtUp.ShouldBeTrue();
    }

    [Fact]
    public async Task AddChainFollower_RunsInTheHost_WithAddressesFromTheDeploymentFile_AndSettingsFromConfiguration()
    {
        await using var chain = await TestChain.StartAsync();
        var emitter = await chain.DeployEmitterAsync();
        var deployedAt = await chain.HeadAsync();
        var deploymentFile = Path.Combine(Path.GetTempPath(), $"maas-deployment-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(deploymentFile, $$"""
            { "chainId": 31337, "contracts": { "LogEmitter": { "address": "{{emitter}}", "blockNumber": {{deployedAt}} } } }
            """);
        var schema = "f_" + Guid.NewGuid().ToString("N")[..12];
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        foreach (var (key, value) in new Dictionary<string, string?>
        {
            ["Chain:RpcUrl"] = chain.RpcUrl.ToString(),
            ["Chain:DeploymentFile"] = deploymentFile,
            ["Chain:Confirmations"] = "0",
            // A follower's own section overrides the service-wide depth.
            ["Chain:Followers:emitters:Confirmations"] = "1",
            ["Chain:Followers:emitters:PollInterval"] = "00:00:00.020",
            ["Logging:LogLevel:Default"] = "Warning",
        }) builder.Configuration[key] = value;
        builder.Services.AddChainNode(builder.Configuration);
        builder.Services.AddMarten(options =>
        {
            options.Connection(database.Environment.Postgres);
            options.DatabaseSchemaName = schema;
            options.Events.DatabaseSchemaName = schema;
            options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
        }).UseLightweightSessions();
        builder.Services.AddSingleton<IChainLogHandler>(new EmitterLogHandler(emitter));
        builder.AddChainFollower(o =>
        {
            o.Name = "emitters";
            o.Contracts.Add("LogEmitter");
        });

        await using var app = builder.Build();
        await app.StartAsync();
        try
        {
            var store = app.Services.GetRequiredService<IDocumentStore>();
            await chain.EmitAsync(emitter, "hosted");
            await Eventually.TrueAsync(async () => (await EmitterHistory.ReadAsync(store, emitter)).ObservedPayloads.SequenceEqual(["hosted"]), "the host's follower to apply the log");
            (await EmitterHistory.ReadAsync(store, emitter)).FinalPayloads.ShouldBeEmpty("one confirmation, from the follower's section");

            await chain.MineAsync(1);
            await Eventually.TrueAsync(async () => (await EmitterHistory.ReadAsync(store, emitter)).FinalPayloads.SequenceEqual(["hosted"]), "the log to become final one block later");
            await using var session = store.QuerySession();
            var checkpoint = await session.LoadAsync<ChainFollowerCheckpoint>("emitters");
            checkpoint.ShouldNotBeNull().Tip.ShouldBeGreaterThanOrEqualTo(deployedAt);
        }
        finally
        {
            await app.StopAsync();
            File.Delete(deploymentFile);
        }
    }

    /// <summary>A database that refuses the first few commits (down, or failing over).</summary>
    private sealed class FlakySink(IChainFollowerSink inner, int failures) : IChainFollowerSink
    {
        private readonly int planned = failures;
        private int left = failures;

        public int Failures => planned - Math.Max(0, left);

        public Task<FollowerCheckpoint?> LoadCheckpointAsync(CancellationToken cancellationToken) => inner.LoadCheckpointAsync(cancellationToken);

        public Task CommitAsync(FollowerStep step, CancellationToken cancellationToken) =>
            Interlocked.Decrement(ref left) >= 0 ? throw new IOException("database unavailable") : inner.CommitAsync(step, cancellationToken);
    }
}
