using System.Text;
using MaaS.Anchoring.Batches;
using MaaS.Anchoring.Rounds;
using MaaS.Chain.Contracts;
using MaaS.Chain.Node;
using MaaS.Chain.Proofs;
using MaaS.OffChain;
using MaaS.OffChain.Telemetry;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Nethereum.Web3;

namespace MaaS.Anchoring.Proofs;

public static class GetReadingProof
{
    public static RouteGroupBuilder MapGetReadingProof(this RouteGroupBuilder anchoring)
    {
        anchoring.MapGet("/proofs/{machineId:guid}/{seq:long}", Get).RequireAuthorization(Policies.Member);
        return anchoring;
    }

    /// <summary>
    /// The proof of one reading (machine, device sequence number): the reading, its path to the batch root, the batch leaf,
    /// its path to the round root, the round id, the anchor, the transaction and block, and the confirmations right now.
    /// Available once the round is mined (409 before); checked with <c>MaaS.Cli verify proof</c> or by hand. For the
    /// machine's group and the operator. Proofs are cut from the plaintext copy, so a shredded batch has none (410).
    /// </summary>
    private static async Task<JsonHttpResult<ReadingProof>> Get(
        Guid machineId, long seq, HttpContext http, IQuerySession session, ITelemetryAnchor anchor, IWeb3 web3, IOptions<ChainOptions> chain, CancellationToken ct)
    {
        var member = http.Member();
        var machine = await session.LoadAsync<Group.MachineParties>(machineId, ct) ?? throw DomainException.NotFound("Machine", machineId);
        if (!member.Has(ServiceDefaults.Identity.MemberRoles.Operator)) await BatchAccess.RequireGroupMemberAsync(session, machine, member, ct);

        var (batch, lines, index) = await FindAsync(session, machineId, seq, ct);
        var round = batch.RoundKey is { } key ? await session.LoadAsync<RoundView>(key, ct) : null;
        if (round?.RoundId is not { } roundId || round.Block is not { } block || round.TransactionHash is null)
            throw DomainException.Conflict("not-anchored-yet", $"Batch {batch.BatchSeq} of machine {machineId} is not in a mined round yet; ask again shortly.");
        var leafIndex = round.Leaves.Select((l, i) => (l, i)).First(x => x.l.BatchId == batch.Id).i;
        var batchTree = MerkleTree.FromLeafData(lines);
        var roundTree = MerkleTree.FromLeafData([.. round.Leaves.Select(l => l.ToBatchLeaf().Canonical())]);
        var head = (long)(await web3.Eth.Blocks.GetBlockNumber.SendRequestAsync().WaitAsync(ct)).Value;

        return TypedResults.Json(new ReadingProof(
            ReadingProof.CurrentVersion,
            Encoding.UTF8.GetString(lines[index]), index, lines.Count, [.. batchTree.GetAuditPath(index).Select(Convert.ToHexStringLower)], batchTree.RootHex,
            Encoding.UTF8.GetString(round.Leaves[leafIndex].ToBatchLeaf().Canonical()), leafIndex, round.Leaves.Count,
            [.. roundTree.GetAuditPath(leafIndex).Select(Convert.ToHexStringLower)], roundTree.RootHex,
            roundId, anchor.Address, chain.Value.ChainId, round.TransactionHash, block, Math.Max(0, head - block)), ReadingProof.JsonOptions);
    }

    /// <summary>
    /// The batch that holds the reading. Usually one batch's seq range contains it; a late reading sits in a later batch
    /// whose range overlaps an earlier one's, so every batch whose range contains the seq is looked into, in batch order.
    /// </summary>
    private static async Task<(BatchView Batch, IReadOnlyList<byte[]> Lines, int Index)> FindAsync(IQuerySession session, Guid machineId, long seq, CancellationToken ct)
    {
        var candidates = await session.Query<BatchView>()
            .Where(b => b.MachineId == machineId && b.Status != BatchStatus.Refused && b.FirstSeq <= seq && b.LastSeq >= seq)
            .OrderBy(b => b.BatchSeq).ToListAsync(ct);
        foreach (var candidate in candidates.Where(c => !c.Shredded))
        {
            if (await session.LoadAsync<BatchReadings>(candidate.Id, ct) is not { } readings) continue;
            var lines = ReadingBatchEncoding.SplitLines(readings.Lines);
            if (IndexOf(lines, seq) is { } index) return (candidate, lines, index);
        }
        // Not in any readable batch: if a candidate was shredded, the reading may have been there.
        if (candidates.FirstOrDefault(c => c.Shredded) is { } shredded) BatchAccess.RequireNotShredded(shredded);
        throw DomainException.NotFound("Reading", $"{machineId}/{seq}");
    }

    private static int? IndexOf(IReadOnlyList<byte[]> lines, long seq)
    {
        for (var i = 0; i < lines.Count; i++)
            if (Reading.ParseCanonical(lines[i]).Seq == seq) return i;
        return null;
    }
}
