using Shouldly;

namespace MaaS.Chain.Tests.Contracts;

[Trait("Category", "Integration")]
public sealed class TelemetryAnchorTests(ChainWorld world) : IClassFixture<ChainWorld>
{
    private ChainContract Anchor => world.Anchor;

    [Fact]
    public async Task CommitRound_NumbersRoundsFromOne_AndEachIsReadableById()
    {
        var anchor = await world.DeployAsync("TelemetryAnchor", world.Consortium.Address);
        await anchor.SendAsync(world.Operator, "grantAnchorer", world.Anchorer.Address);
        var before = (ulong)(await anchor.ViewAsync("roundCount")).Num(0);
        var committed = new List<(ulong Id, string Root, string Manifest, uint Batches, long Block)>();
        foreach (var batches in new uint[] { 1, 100, 1000 })
        {
            var root = Ids.Digest("merkle root");
            var manifest = Ids.Digest("manifest");
            var tx = await anchor.SendAsync(world.Anchorer, "commitRound", root, batches, manifest);
            var e = tx.Event(anchor, "RoundCommitted");
            e.Hex("root").ShouldBe(Ids.Hex(root));
            e.Addr("anchorer").ShouldBe(world.Anchorer.Address);
            e.Num("batchCount").ShouldBe(batches);
            e.Hex("manifestCid").ShouldBe(Ids.Hex(manifest));
            committed.Add(((ulong)e.Num("roundId"), Ids.Hex(root), Ids.Hex(manifest), batches, tx.BlockNumber));
        }

        before.ShouldBe(0UL, "a fresh TelemetryAnchor has no round");
        committed.Select(c => c.Id).ShouldBe([1UL, 2UL, 3UL]);
        (await anchor.ViewAsync("roundCount")).Num(0).ShouldBe(3);
        foreach (var c in committed)
        {
            var round = await anchor.ViewAsync("round", c.Id);
            round.Hex("root").ShouldBe(c.Root);
            round.Num("batchCount").ShouldBe(c.Batches);
            round.Hex("manifestCid").ShouldBe(c.Manifest);
            round.Long("blockNumber").ShouldBe(c.Block);
            round.Addr("anchorer").ShouldBe(world.Anchorer.Address);
        }
        (await anchor.RefusalAsync(world.Outsider, "round", 0UL)).ErrorName.ShouldBe("RoundNotFound");
        (await anchor.RefusalAsync(world.Outsider, "round", 4UL)).ErrorName.ShouldBe("RoundNotFound");
    }

    [Fact]
    public async Task Anchorer_GrantedByTheOperator_CanCommit_UntilRevoked()
    {
        var anchorer = await world.NewActorAsync("anchorer-" + Guid.NewGuid().ToString("N")[..6]);
        (await Anchor.ViewAsync("isAnchorer", anchorer.Address)).Bool(0).ShouldBeFalse();
        (await Anchor.RefusalAsync(anchorer, "commitRound", Ids.Digest(), 1u, Ids.Digest())).ErrorName.ShouldBe("NotAnchorer");

        var grant = await Anchor.SendAsync(world.Operator, "grantAnchorer", anchorer.Address);
        grant.Event(Anchor, "AnchorerGranted").Addr("account").ShouldBe(anchorer.Address);
        (await Anchor.ViewAsync("isAnchorer", anchorer.Address)).Bool(0).ShouldBeTrue();
        (await Anchor.SendAsync(anchorer, "commitRound", Ids.Digest(), 7u, Ids.Digest())).Event(Anchor, "RoundCommitted").Addr("anchorer").ShouldBe(anchorer.Address);

        var revoke = await Anchor.SendAsync(world.Operator, "revokeAnchorer", anchorer.Address);
        revoke.Event(Anchor, "AnchorerRevoked").Addr("account").ShouldBe(anchorer.Address);
        (await Anchor.ViewAsync("isAnchorer", anchorer.Address)).Bool(0).ShouldBeFalse();
        var refused = await Anchor.MinedRefusalAsync(anchorer, "commitRound", Ids.Digest(), 1u, Ids.Digest());
        ChainContract.Describe(refused.Error).ShouldBe($"NotAnchorer({anchorer.Address})");
    }
}
