using MaaS.Anchoring.Batches;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Anchoring.Progress;

/// <summary>Batches and readings per status; how long the oldest batch not yet anchored has waited.</summary>
public sealed record AnchoringProgress(
    long BatchesStored, long BatchesInRound, long BatchesAnchored, long BatchesRefused, long PendingBatches,
    long ReadingsStored, long ReadingsInRound, long ReadingsAnchored, DateTimeOffset? OldestUnanchoredSince, DateTimeOffset At);

/// <summary>
/// How far anchoring is behind sealing, for operators and for <c>./maas bench ingest</c> (anchored readings per second
/// is the difference of two readings of this resource over time). Pending batches wait for their machine's group.
/// </summary>
public static class GetAnchoringProgress
{
    public static RouteGroupBuilder MapGetAnchoringProgress(this RouteGroupBuilder anchoring)
    {
        anchoring.MapGet("/progress", Get).RequireAuthorization(Policies.Operator);
        return anchoring;
    }

    private static async Task<Ok<AnchoringProgress>> Get(IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        async Task<(long Batches, long Readings)> Count(BatchStatus status) =>
            (await session.Query<BatchView>().CountAsync(b => b.Status == status, ct),
             (long)await session.Query<BatchView>().Where(b => b.Status == status).SumAsync(b => b.Count, ct));

        var stored = await Count(BatchStatus.Stored);
        var inRound = await Count(BatchStatus.InRound);
        var anchored = await Count(BatchStatus.Anchored);
        var refused = await session.Query<BatchView>().CountAsync(b => b.Status == BatchStatus.Refused, ct);
        var pending = await session.Query<PendingBatch>().CountAsync(ct);
        var oldest = (await session.Query<BatchView>().Where(b => b.Status == BatchStatus.Stored || b.Status == BatchStatus.InRound)
            .OrderBy(b => b.ReceivedAt).Take(1).ToListAsync(ct)).FirstOrDefault()?.ReceivedAt;
        return TypedResults.Ok(new AnchoringProgress(stored.Batches, inRound.Batches, anchored.Batches, refused, pending,
            stored.Readings, inRound.Readings, anchored.Readings, oldest, clock.GetUtcNow()));
    }
}
