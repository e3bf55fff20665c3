using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Anchoring.Rounds.Listing;

/// <summary>What a round shows without its leaves: the manifest (public, off-chain) lists them.</summary>
public sealed record RoundSummary(
    Guid Id, string Root, int BatchCount, string? ManifestCid, string? ClosedBy, RoundStatus Status, int Attempt, long? RoundId, string? TransactionHash, long? Block,
    DateTimeOffset CutAt, DateTimeOffset? FinalAt, string? Error);

public static class ListRounds
{
    public static RouteGroupBuilder MapListRounds(this RouteGroupBuilder anchoring)
    {
        anchoring.MapGet("/rounds", List).RequireAuthorization(Policies.Member);
        return anchoring;
    }

    /// <summary>The latest rounds this service cut, newest first (<c>?limit=</c>, at most 500).</summary>
    private static async Task<Ok<IReadOnlyList<RoundSummary>>> List(IQuerySession session, CancellationToken ct, int limit = 50)
    {
        var rounds = await session.Query<RoundView>().Where(r => r.Attempt > 0).OrderByDescending(r => r.CutAt).Take(Math.Clamp(limit, 1, 500)).ToListAsync(ct);
        return TypedResults.Ok<IReadOnlyList<RoundSummary>>([.. rounds.Select(r => new RoundSummary(r.Id, r.Root, r.Leaves.Count, r.ManifestCid, r.ClosedBy, r.Status,
            r.Attempt, r.RoundId, r.TransactionHash, r.Block, r.CutAt, r.FinalAt, r.Error))]);
    }
}
