namespace MaaS.Contracts.Maintenance;

// Published by the Maintenance service. Never rename: consumers bind to these names.
// Chain events leave once they are final (never on first sight); addresses are lower-case 0x hex; CIDs are CIDv0
// strings. A ticket is (MachineId, Seq); TicketId is the service's id for it (the same in every deployment).
// Kind is "repair" or "preventive"; Mode is "fcfs", "bidding" or "sealed".

public sealed record TicketOpened(
    Guid TicketId, Guid MachineId, uint Seq, string Kind, string Mode, string DescriptionCid, string TransactionHash, long Block, DateTimeOffset At);

/// <summary>The ticket's maintainer, first come first served or by award: the one who may complete it.</summary>
public sealed record TicketAccepted(
    Guid TicketId, Guid MachineId, uint Seq, string Maintainer, Guid MaintainerId, string TransactionHash, long Block, DateTimeOffset At);

/// <param name="Sealed">True for a revealed sealed bid (commit–reveal), false for an open bid.</param>
/// <param name="EtaSeconds">The bidder's promised time to intervention.</param>
public sealed record BidPlaced(
    Guid TicketId, Guid MachineId, uint Seq, string Bidder, Guid BidderId, ulong Price, uint EtaSeconds, bool Sealed, string TransactionHash, long Block,
    DateTimeOffset At);

public sealed record TicketAwarded(
    Guid TicketId, Guid MachineId, uint Seq, string Maintainer, Guid MaintainerId, ulong Price, uint EtaSeconds, string TransactionHash, long Block,
    DateTimeOffset At);

public sealed record TicketCompleted(Guid TicketId, Guid MachineId, uint Seq, string ReportCid, string TransactionHash, long Block, DateTimeOffset At);

/// <summary>The customer closed the completed ticket: the machine may be reset and started again (paper Fig. 4).</summary>
public sealed record TicketClosed(Guid TicketId, Guid MachineId, uint Seq, string TransactionHash, long Block, DateTimeOffset At);

public sealed record TicketCancelled(Guid TicketId, Guid MachineId, uint Seq, string TransactionHash, long Block, DateTimeOffset At);

/// <summary>
/// A ticket's SLA clock passed its target: <paramref name="Clock"/> is <c>accept</c> (open → accepted) or <c>resolution</c>
/// (open → machine running again); both exclude the time the ticket waited on the customer or on parts. Once per
/// ticket and clock. <paramref name="Maintainer"/> is the ticket's final maintainer, if any.
/// </summary>
public sealed record MaintenanceSlaBreached(
    Guid TicketId, Guid MachineId, uint Seq, string Kind, string Clock, long TargetSeconds, long ElapsedSeconds, string? Maintainer, DateTimeOffset At);
