namespace MaaS.Chain.Contracts;

// The values the contracts store and emit, exactly as the constants in contracts/solidity/src/*.sol.

/// <summary>Machine life cycle (MachineRegistry <c>STATE_*</c>).</summary>
public enum MachineState : byte
{
    /// <summary>No machine with this id.</summary>
    None = 0,
    Registered = 1,
    Accepted = 2,
    Executed = 3,
    Stopped = 4,
    Terminated = 5,
}

/// <summary>Status of a machine's current ticket (MachineRegistry <c>TICKET_*</c>).</summary>
public enum TicketStatus : byte
{
    /// <summary>No machine with this id (a registered machine never has 0).</summary>
    Unset = 0,

    /// <summary>No ticket yet: the non-zero sentinel written at registration.</summary>
    None = 1,
    Open = 2,
    Accepted = 3,
    Completed = 4,
    Closed = 5,
    Cancelled = 6,
}

/// <summary>What a ticket is for (MachineRegistry <c>KIND_*</c>).</summary>
public enum TicketKind : byte
{
    /// <summary>No ticket yet.</summary>
    None = 0,
    Repair = 1,
    Preventive = 2,
}

/// <summary>How a ticket's maintainer is chosen (MachineRegistry <c>MODE_*</c>, Maintenance uses 1 and 2).</summary>
public enum SelectionMode : byte
{
    FirstComeFirstServed = 0,
    Bidding = 1,
    SealedBidding = 2,
}

/// <summary>How bids are ranked (Maintenance <c>RULE_*</c>).</summary>
public enum RankingRule : byte
{
    LowestPrice = 0,
    LowestEta = 1,
    Weighted = 2,
}

/// <summary>A machine's current auction (Maintenance <c>AUCTION_*</c>).</summary>
public enum AuctionStatus : byte
{
    None = 0,
    Open = 1,
    Awarded = 2,
}

/// <summary>Member roles as bits (Consortium <c>ROLE_*</c>); a member may hold several.</summary>
[Flags]
public enum MemberRoles : byte
{
    None = 0,
    Oem = 1,
    Customer = 2,
    Maintainer = 4,
}

/// <summary>Who asked to terminate a machine (MachineRegistry <c>TERMINATION_BY_*</c>).</summary>
[Flags]
public enum TerminationRequests : byte
{
    None = 0,
    Oem = 1,
    Customer = 2,
}

/// <summary>Invoice status (Invoicing <c>INVOICE_*</c>).</summary>
public enum InvoiceStatus : byte
{
    None = 0,
    Issued = 1,
    Accepted = 2,
    Disputed = 3,
    Settled = 4,
}

public static class Regions
{
    /// <summary>Region 65535: an accreditation for every region (never a machine's region).</summary>
    public const ushort All = ushort.MaxValue;
}
