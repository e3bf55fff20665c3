using MaaS.Maintenance.Tickets;

namespace MaaS.Maintenance;

/// <summary>The <c>Maintenance</c> configuration section.</summary>
public sealed class MaintenanceOptions
{
    public const string Section = "Maintenance";

    public SlaOptions Sla { get; set; } = new();

    public WatchdogOptions Watchdogs { get; set; } = new();

    /// <summary>How the ticket that a <c>MachineFailureDetected</c> opens selects its maintainer.</summary>
    public FailureTicketOptions FailureTickets { get; set; } = new();

    /// <summary>A repair ticket opened on the same machine within this time after a completion counts against the completing maintainer.</summary>
    public TimeSpan RepeatFailureWindow { get; set; } = TimeSpan.FromDays(30);
}

public sealed class SlaTargets
{
    public TimeSpan TimeToAccept { get; set; }

    public TimeSpan TimeToResolution { get; set; }
}

public sealed class SlaOptions
{
    public SlaTargets Repair { get; set; } = new() { TimeToAccept = TimeSpan.FromMinutes(30), TimeToResolution = TimeSpan.FromHours(8) };

    public SlaTargets Preventive { get; set; } = new() { TimeToAccept = TimeSpan.FromHours(4), TimeToResolution = TimeSpan.FromDays(3) };

    /// <summary>How often running clocks are checked for breaches.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    public SlaTargets For(TicketKind kind) => kind == TicketKind.Preventive ? Preventive : Repair;
}

public sealed class WatchdogOptions
{
    /// <summary>How often the watchdogs look at open tickets and at the head block (reveal windows and award deadlines are in blocks).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}

public sealed class FailureTicketOptions
{
    public bool Enabled { get; set; } = true;

    public TicketKind Kind { get; set; } = TicketKind.Repair;

    public SelectionMode Mode { get; set; } = SelectionMode.Fcfs;

    public RankingRule Rule { get; set; } = RankingRule.LowestPrice;

    public ushort PriceWeight { get; set; }

    public ushort EtaWeight { get; set; }

    public ushort MaxBids { get; set; }

    public uint BiddingBlocks { get; set; }

    public uint RevealBlocks { get; set; }

    public AuctionTerms Terms => Mode == SelectionMode.Fcfs ? AuctionTerms.None : new(Rule, PriceWeight, EtaWeight, MaxBids, BiddingBlocks, RevealBlocks);
}
