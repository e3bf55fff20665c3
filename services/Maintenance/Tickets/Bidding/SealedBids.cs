using System.Security.Cryptography;
using MaaS.Chain.Contracts;
using Marten;

namespace MaaS.Maintenance.Tickets.Bidding;

/// <summary>
/// A sealed bid's secret, kept by this deployment for the maintainer until it is revealed: the price, the ETA and the
/// salt never leave the service before the reveal transaction (the chain sees only the commitment). Readable by nobody
/// through the API.
/// </summary>
public sealed record SealedBidSecret(string Id, Guid TicketId, string Bidder, ulong Price, uint Eta, string Salt, string Commitment, DateTimeOffset CreatedAt)
{
    public static string IdFor(Guid ticketId, string bidder) => $"{ticketId:N}/{bidder.ToLowerInvariant()}";
}

public sealed class SealedBids(IDocumentStore store, IMaintenanceMarket market, TimeProvider clock)
{
    /// <summary>
    /// The commitment for a sealed bid: a fresh salt, stored before anything is sent (a reveal needs it). A secret kept
    /// from an earlier attempt with the same price and ETA is used again, so a retried commit never strands a commitment.
    /// </summary>
    public async Task<(string To, string Data)> CommitAsync(TicketDetails ticket, string bidder, ulong price, uint eta, bool keepExisting, CancellationToken ct)
    {
        var id = SealedBidSecret.IdFor(ticket.Id, bidder);
        await using var session = store.LightweightSession();
        var secret = await session.LoadAsync<SealedBidSecret>(id, ct);
        if (secret is null || (!keepExisting && (secret.Price != price || secret.Eta != eta)))
        {
            var salt = RandomNumberGenerator.GetBytes(32);
            var commitment = market.BidCommitment(Bytes32.FromGuid(ticket.MachineId), ticket.Seq, price, eta, salt, bidder);
            secret = new SealedBidSecret(id, ticket.Id, bidder.ToLowerInvariant(), price, eta, Bytes32.ToHex(salt), Bytes32.ToHex(commitment), clock.GetUtcNow());
            session.Store(secret);
            await session.SaveChangesAsync(ct);
        }
        return (market.Address, market.CommitBid("", bidder, Bytes32.FromGuid(ticket.MachineId), ticket.Seq, Bytes32.Parse(secret.Commitment)).Data);
    }

    /// <summary>The reveal of the stored secret whose commitment is on chain, or null when this deployment holds none.</summary>
    public async Task<(string To, string Data)?> RevealAsync(TicketDetails ticket, string bidder, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var secret = await session.LoadAsync<SealedBidSecret>(SealedBidSecret.IdFor(ticket.Id, bidder), ct);
        if (secret is null || ticket.CommitmentOf(bidder) is not { } onChain || !string.Equals(onChain.Commitment, secret.Commitment, StringComparison.OrdinalIgnoreCase))
            return null;
        return (market.Address, market.RevealBid("", bidder, Bytes32.FromGuid(ticket.MachineId), ticket.Seq, secret.Price, secret.Eta, Bytes32.Parse(secret.Salt)).Data);
    }
}
