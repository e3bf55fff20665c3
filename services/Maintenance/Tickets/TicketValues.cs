using System.Security.Cryptography;
using System.Text;
using OnChain = MaaS.Chain.Contracts;

namespace MaaS.Maintenance.Tickets;

/// <summary>What a ticket is for (MachineRegistry <c>KIND_*</c>).</summary>
public enum TicketKind
{
    Repair = 1,
    Preventive = 2,
}

/// <summary>How the ticket's maintainer is chosen: first come first served, open bidding, or sealed commit–reveal bidding.</summary>
public enum SelectionMode
{
    Fcfs = 0,
    Bidding = 1,
    Sealed = 2,
}

/// <summary>How bids rank (Maintenance <c>RULE_*</c>): lowest price, lowest ETA, or lowest priceWeight·price + etaWeight·eta.</summary>
public enum RankingRule
{
    LowestPrice = 0,
    LowestEta = 1,
    Weighted = 2,
}

/// <summary>
/// A ticket's status as this service sees it: <see cref="Requested"/> while only the intent exists (the open transaction
/// is not in a block yet), <see cref="Failed"/> if that transaction failed; the rest are the contract's statuses.
/// </summary>
public enum TicketStatus
{
    Requested,
    Open,
    Accepted,
    Completed,
    Closed,
    Cancelled,
    Failed,
}

public enum PauseReason
{
    WaitingOnCustomer,
    WaitingOnParts,
}

public enum SlaClock
{
    Accept,
    Resolution,
}

public static class TicketValues
{
    public static string Name(this TicketKind kind) => kind == TicketKind.Repair ? "repair" : "preventive";

    public static string Name(this SelectionMode mode) => mode switch
    {
        SelectionMode.Fcfs => "fcfs",
        SelectionMode.Bidding => "bidding",
        _ => "sealed",
    };

    public static string Name(this SlaClock clock) => clock == SlaClock.Accept ? "accept" : "resolution";

    public static OnChain.TicketKind ToChain(this TicketKind kind) => (OnChain.TicketKind)(byte)kind;

    public static OnChain.SelectionMode ToChain(this SelectionMode mode) => (OnChain.SelectionMode)(byte)mode;

    public static OnChain.RankingRule ToChain(this RankingRule rule) => (OnChain.RankingRule)(byte)rule;

    /// <summary>The statuses in which a ticket still needs somebody: not closed, cancelled or failed.</summary>
    public static bool IsActive(this TicketStatus status) => status is TicketStatus.Requested or TicketStatus.Open or TicketStatus.Accepted or TicketStatus.Completed;
}

/// <summary>
/// A ticket is (machine, seq) on chain; its stream id is derived from both, so every deployment names a ticket the same
/// way and a chain event lands on the ticket's stream without a lookup.
/// </summary>
public static class TicketIds
{
    public static Guid For(Guid machineId, uint seq) => Derive($"maas-ticket:{machineId:D}:{seq}");

    /// <summary>A stable id for an operation that must be started once only (a watchdog's action, a failure's ticket).</summary>
    public static Guid Operation(string what) => Derive("maas-operation:" + what);

    private static Guid Derive(string text)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
