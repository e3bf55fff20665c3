using MaaS.Chain.Following;
using MaaS.ServiceDefaults.Chain;
using Shouldly;

namespace MaaS.Chain.Tests.Following;

/// <summary>The follower on a private anvil (reorgs never disturb the shared node) and a database of its own.</summary>
[Trait("Category", "Integration")]
public sealed class ChainFollowerTests(FollowerDatabase database) : IClassFixture<FollowerDatabase>
{
    [Fact]
    public async Task Logs_AreAppliedOnceInChainOrder_AndTheCheckpointAdvances()
    {
        await using var chain = await TestChain.StartAsync();
        using var store = database.NewStore(Schema());
        var emitter = await chain.DeployEmitterAsync();
        await chain.EmitAsync(emitter, "a");
        var sameBlock = await chain.EmitInOneBlockAsync(emitter, "b", "c", "d");
        await chain.MineAsync(3);
        await chain.EmitAsync(emitter, "e");
        var sink = new MartenChainFollowerSink(store, "order", [new EmitterLogHandler(emitter)]);
        // Two blocks per read: the logs come over several steps, and the block holding three logs in one step.
        var follower = FollowerDatabase.Follower(chain.Web3, sink, "order", o => o.MaxBlockRange = 2, emitter);

        var steps = await CatchUpAsync(follower);

        steps.ShouldBeGreaterThan(2);
        var history = await EmitterHistory.ReadAsync(store, emitter);
        history.ObservedPayloads.ShouldBe(["a", "b", "c", "d", "e"]);
        history.Observed.Where(o => o.BlockNumber == sameBlock).Select(o => o.LogIndex).ShouldBe([0L, 1L, 2L]);
        history.FinalPayloads.ShouldBe(["a", "b", "c", "d", "e"], "confirmations 0: every log is final when applied");
        history.RetractedPayloads.ShouldBeEmpty();
        var checkpoint = await sink.LoadCheckpointAsync(CancellationToken.None) ?? throw new ShouldAssertException("no checkpoint");
        checkpoint.Tip.ShouldBe(await chain.HeadAsync());
        checkpoint.RecentBlocks[^1].ShouldBe(new BlockRef(checkpoint.Tip, await chain.BlockHashAsync(checkpoint.Tip)));

        var idle = await follower.PollOnceAsync();
        idle.Committed.ShouldBeFalse();
        idle.CaughtUp.ShouldBeTrue();

        await chain.EmitAsync(emitter, "f");
        var next = await follower.PollOnceAsync();
        next.Applied.ShouldBe(1);
        (await EmitterHistory.ReadAsync(store, emitter)).ObservedPayloads.ShouldBe(["a", "b", "c", "d", "e", "f"]);
    }

    [Fact]
    public async Task Restart_ResumesFromTheCheckpoint_WithoutReapplyingOrSkipping()
    {
        await using var chain = await TestChain.StartAsync();
        var schema = Schema();
        var emitter = await chain.DeployEmitterAsync();
        await chain.EmitAsync(emitter, "a");
        await chain.EmitAsync(emitter, "b");
        using (var before = database.NewStore(schema))
        {
            var follower = FollowerDatabase.Follower(chain.Web3, new MartenChainFollowerSink(before, "restart", [new EmitterLogHandler(emitter)]), "restart", null, emitter);
            await CatchUpAsync(follower);
        }

        await chain.EmitAsync(emitter, "c");
        await chain.EmitAsync(emitter, "d");
        using var after = database.NewStore(schema);
        var restarted = FollowerDatabase.Follower(chain.Web3, new MartenChainFollowerSink(after, "restart", [new EmitterLogHandler(emitter)]), "restart", null, emitter);
        var first = await restarted.PollOnceAsync();

        first.Applied.ShouldBe(2);
        var history = await EmitterHistory.ReadAsync(after, emitter);
        history.ObservedPayloads.ShouldBe(["a", "b", "c", "d"]);
        history.FinalPayloads.ShouldBe(["a", "b", "c", "d"]);
    }

    [Fact]
    public async Task CrashBetweenReadingAndCommitting_LosesNothing_AndTheRestartAppliesEachLogOnce()
    {
        await using var chain = await TestChain.StartAsync();
        var schema = Schema();
        var emitter = await chain.DeployEmitterAsync();
        await chain.EmitAsync(emitter, "a");
        using (var before = database.NewStore(schema))
        {
            var follower = FollowerDatabase.Follower(chain.Web3, new MartenChainFollowerSink(before, "crash", [new EmitterLogHandler(emitter)]), "crash", null, emitter);
            await CatchUpAsync(follower);
            await chain.EmitAsync(emitter, "b");
            await chain.EmitAsync(emitter, "c");
            var crashing = FollowerDatabase.Follower(chain.Web3, new CrashingSink(new MartenChainFollowerSink(before, "crash", [new EmitterLogHandler(emitter)])), "crash", null, emitter);
            await Should.ThrowAsync<IOException>(() => crashing.PollOnceAsync());
            (await EmitterHistory.ReadAsync(before, emitter)).ObservedPayloads.ShouldBe(["a"]);
        }

        await chain.EmitAsync(emitter, "d");
        using var after = database.NewStore(schema);
        var restarted = FollowerDatabase.Follower(chain.Web3, new MartenChainFollowerSink(after, "crash", [new EmitterLogHandler(emitter)]), "crash", null, emitter);
        await CatchUpAsync(restarted);

        var history = await EmitterHistory.ReadAsync(after, emitter);
        history.ObservedPayloads.ShouldBe(["a", "b", "c", "d"]);
        history.FinalPayloads.ShouldBe(["a", "b", "c", "d"]);
    }

    [Fact]
    public async Task CrashInTheMiddleOfAStep_StoresNoneOfIt_AndTheNextPollAppliesEachLogOnce()
    {
        await using var chain = await TestChain.StartAsync();
        using var store = database.NewStore(Schema());
        var emitter = await chain.DeployEmitterAsync();
        await chain.EmitAsync(emitter, "a");
        await chain.EmitAsync(emitter, "b");
        await chain.EmitAsync(emitter, "c");
        var handler = new EmitterLogHandler(emitter) { FailOnPayload = "c" };
        var sink = new MartenChainFollowerSink(store, "midstep", [handler]);
        var follower = FollowerDatabase.Follower(chain.Web3, sink, "midstep", null, emitter);

        // "a" and "b" are appended to the session before "c" fails: none of it may reach the database.
        await Should.ThrowAsync<InvalidOperationException>(() => follower.PollOnceAsync());
        (await EmitterHistory.ReadAsync(store, emitter)).Events.ShouldBeEmpty();
        (await sink.LoadCheckpointAsync(CancellationToken.None)).ShouldBeNull();

        handler.FailOnPayload = null;
        await CatchUpAsync(follower);
        (await EmitterHistory.ReadAsync(store, emitter)).ObservedPayloads.ShouldBe(["a", "b", "c"]);
    }

    [Fact]
    public async Task Reorg_RetractsOrphanedLogs_AndAppliesReplacements()
    {
        await using var chain = await TestChain.StartAsync();
        using var store = database.NewStore(Schema());
        var emitter = await chain.DeployEmitterAsync();
        var blockA = (long)(await chain.EmitAsync(emitter, "a")).BlockNumber.Value;
        await chain.EmitAsync(emitter, "b");
        await chain.EmitAsync(emitter, "c");
        var sink = new MartenChainFollowerSink(store, "reorg", [new EmitterLogHandler(emitter)]);
        var follower = FollowerDatabase.Follower(chain.Web3, sink, "reorg", o => o.Confirmations = 3, emitter);
        await CatchUpAsync(follower);
        (await EmitterHistory.ReadAsync(store, emitter)).FinalPayloads.ShouldBeEmpty();

        // The blocks of "b" and "c" are replaced by two others; the first carries another account's "d".
        var d = await chain.SignEmitAsync(emitter, "d", TestChain.Dev1);
        await chain.ReorgAsync(2, (d, 0));
        var reorged = await follower.PollOnceAsync();

        reorged.RetractedAbove.ShouldBe(blockA);
        var history = await EmitterHistory.ReadAsync(store, emitter);
        history.ObservedPayloads.ShouldBe(["a", "b", "c", "d"]);
        history.RetractedPayloads.ShouldBe(["c", "b"], "newest first");
        history.LivePayloads.ShouldBe(["a", "d"]);
        history.FinalPayloads.ShouldBeEmpty();
        reorged.Checkpoint.RecentBlocks[^1].Hash.ShouldBe(await chain.BlockHashAsync(reorged.Checkpoint.Tip));

        await chain.MineAsync(3);
        await CatchUpAsync(follower);
        history = await EmitterHistory.ReadAsync(store, emitter);
        history.FinalPayloads.ShouldBe(["a", "d"]);
        history.ObservedPayloads.ShouldBe(["a", "b", "c", "d"], "nothing is observed twice");
    }

    [Fact]
    public async Task Confirmations_MakeALogFinalOnlyKBlocksDeep()
    {
        await using var chain = await TestChain.StartAsync();
        using var store = database.NewStore(Schema());
        var emitter = await chain.DeployEmitterAsync();
        var follower = FollowerDatabase.Follower(chain.Web3, new MartenChainFollowerSink(store, "depth", [new EmitterLogHandler(emitter)]), "depth", o => o.Confirmations = 2, emitter);
        await CatchUpAsync(follower);

        await chain.EmitAsync(emitter, "x");
        await CatchUpAsync(follower);
        var history = await EmitterHistory.ReadAsync(store, emitter);
        history.ObservedPayloads.ShouldBe(["x"]);
        history.FinalPayloads.ShouldBeEmpty();

        await chain.MineAsync(1);
        await CatchUpAsync(follower);
        (await EmitterHistory.ReadAsync(store, emitter)).FinalPayloads.ShouldBeEmpty("one block on top is not two");

        await chain.MineAsync(1);
        await CatchUpAsync(follower);
        history = await EmitterHistory.ReadAsync(store, emitter);
        history.FinalPayloads.ShouldBe(["x"]);
        history.Events.Count.ShouldBe(2);
    }

    [Fact]
    public async Task ReorgInsideTheUnconfirmedWindow_NeverFinalizesTheRetractedLog()
    {
        await using var chain = await TestChain.StartAsync();
        using var store = database.NewStore(Schema());
        var emitter = await chain.DeployEmitterAsync();
        var follower = FollowerDatabase.Follower(chain.Web3, new MartenChainFollowerSink(store, "window", [new EmitterLogHandler(emitter)]), "window", o => o.Confirmations = 2, emitter);
        await chain.EmitAsync(emitter, "x");
        await chain.EmitAsync(emitter, "y");
        await CatchUpAsync(follower);

        // "y" is orphaned, "z" takes its place, and the chain then grows past where "y" would have been final — all
        // before the follower looks again: the one poll must retract "y" rather than finalize it.
        var z = await chain.SignEmitAsync(emitter, "z", TestChain.Dev1);
        await chain.ReorgAsync(1, (z, 0));
        await chain.MineAsync(3);
        var poll = await follower.PollOnceAsync();

        poll.RetractedAbove.ShouldNotBeNull();
        await CatchUpAsync(follower);
        var history = await EmitterHistory.ReadAsync(store, emitter);
        history.ObservedPayloads.ShouldBe(["x", "y", "z"]);
        history.RetractedPayloads.ShouldBe(["y"]);
        history.FinalPayloads.ShouldBe(["x", "z"]);
    }

    [Fact]
    public async Task LogsOfContractsNotFollowed_AreIgnored()
    {
        await using var chain = await TestChain.StartAsync();
        using var store = database.NewStore(Schema());
        var followed = await chain.DeployEmitterAsync();
        var other = await chain.DeployEmitterAsync();
        await chain.EmitAsync(other, "elsewhere");
        await chain.EmitAsync(followed, "here");
        await chain.EmitAsync(other, "elsewhere too");
        // The handler would take the other emitter's logs too: only the follower's address filter keeps them out.
        var follower = FollowerDatabase.Follower(chain.Web3, new MartenChainFollowerSink(store, "filter", [new EmitterLogHandler(followed, other)]), "filter", null, followed);

        await CatchUpAsync(follower);

        (await EmitterHistory.ReadAsync(store, followed)).ObservedPayloads.ShouldBe(["here"]);
        (await EmitterHistory.ReadAsync(store, other)).Events.ShouldBeEmpty();
    }

    [Fact]
    public async Task TwoInstancesOfOneFollower_ApplyEachLogOnce()
    {
        await using var chain = await TestChain.StartAsync();
        using var store = database.NewStore(Schema());
        var emitter = await chain.DeployEmitterAsync();
        ChainFollower Instance() => FollowerDatabase.Follower(chain.Web3, new MartenChainFollowerSink(store, "twice", [new EmitterLogHandler(emitter)]), "twice", null, emitter);
        var first = Instance();
        var second = Instance();

        await chain.EmitAsync(emitter, "a");
        await CatchUpAsync(second);
        await chain.EmitAsync(emitter, "b");
        await CatchUpAsync(first);
        await chain.EmitAsync(emitter, "c");
        // The second instance still believes the checkpoint it committed: the sink refuses its step, and it reloads.
        var refused = await second.PollOnceAsync();
        refused.Committed.ShouldBeFalse();
        refused.CaughtUp.ShouldBeFalse();
        await CatchUpAsync(second);
        (await first.PollOnceAsync()).Committed.ShouldBeFalse("the first instance was overtaken in turn");
        await CatchUpAsync(first);

        (await EmitterHistory.ReadAsync(store, emitter)).ObservedPayloads.ShouldBe(["a", "b", "c"]);
    }

    [Fact]
    public async Task ConcurrentCommitsFromOneCheckpoint_OnlyOneSucceeds()
    {
        using var store = database.NewStore(Schema());
        var emitter = "0x" + new string('e', 40);
        var sinks = Enumerable.Range(0, 2).Select(_ => new MartenChainFollowerSink(store, "race", [new EmitterLogHandler(emitter)])).ToList();
        var start = new FollowerCheckpoint(10, 10, [new BlockRef(10, "0x10")]);
        await sinks[0].CommitAsync(new FollowerStep(FollowerCheckpoint.Initial(10), start, null, []), CancellationToken.None);
        var log = new ChainLog(emitter, [TestChain.Topic], TestChain.Payload("once"), 11, "0x11", 0, "0xaa", 0);
        var step = new FollowerStep(start, new FollowerCheckpoint(11, 11, [new BlockRef(11, "0x11")]), null, [log]);

        var outcomes = await Task.WhenAll(sinks.Select(async sink =>
        {
            try
            {
                await sink.CommitAsync(step, CancellationToken.None);
                return true;
            }
            catch (FollowerCheckpointConflictException)
            {
                return false;
            }
        }));

        outcomes.Count(ok => ok).ShouldBe(1);
        (await EmitterHistory.ReadAsync(store, emitter)).ObservedPayloads.ShouldBe(["once"]);
    }

    private static string Schema() => "f_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Polls until the follower has read up to the head; returns how many polls that took.</summary>
    internal static async Task<int> CatchUpAsync(ChainFollower follower)
    {
        for (var polls = 1; polls <= 100; polls++)
        {
            if ((await follower.PollOnceAsync()).CaughtUp) return polls;
        }
        throw new ShouldAssertException("the follower did not catch up in 100 polls");
    }

    /// <summary>A process that dies after reading, before its step is committed.</summary>
    private sealed class CrashingSink(IChainFollowerSink inner) : IChainFollowerSink
    {
        public Task<FollowerCheckpoint?> LoadCheckpointAsync(CancellationToken cancellationToken) => inner.LoadCheckpointAsync(cancellationToken);

        public Task CommitAsync(FollowerStep step, CancellationToken cancellationToken) => throw new IOException("simulated crash before the commit");
    }
}
