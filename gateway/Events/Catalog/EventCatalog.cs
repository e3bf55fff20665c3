using MaaS.Contracts.Anchoring;
using MaaS.Contracts.Invoicing;
using MaaS.Contracts.Machines;
using MaaS.Contracts.Maintenance;
using MaaS.Contracts.Telemetry;

namespace MaaS.Gateway.Events.Catalog;

/// <summary>Who, besides the operator (who sees everything), may receive an event about a machine — the same members the service's own API shows it to.</summary>
public enum Audience
{
    /// <summary>The machine's OEM and customer (Telemetry and Invoicing answer only them).</summary>
    Parties,

    /// <summary>OEM, customer and the maintainers the OEM accredited for the machine's model and region (Machines' and Anchoring's visibility).</summary>
    PartiesAndAccredited,

    /// <summary>As <see cref="PartiesAndAccredited"/>, plus whoever bid on or took the ticket (Maintenance's ticket visibility).</summary>
    Ticket,
}

/// <summary>
/// One integration event offered to partners: its CloudEvents type and source, who may see it, where its machine, ticket
/// and time are, and the CloudEvent's data (<see cref="DataType"/>; the integration event itself unless
/// <see cref="DataOf"/> says otherwise).
/// </summary>
public sealed record EventKind(
    Type MessageType, string Type, string Source, Audience Audience, Func<object, Guid> MachineOf, Func<object, DateTimeOffset> TimeOf,
    Func<object, Guid?> TicketOf, Func<object, string?> NewTicketPartyOf, string Description)
{
    public Type DataType { get; init; } = MessageType;

    public Func<object, object> DataOf { get; init; } = message => message;
}

/// <summary>
/// Every event a partner can subscribe to. Types are <c>services.maas.&lt;noun&gt;.&lt;what happened&gt;.v1</c>: reverse-DNS
/// of the API's problem namespace (maas.services), the subject noun, the past-tense fact, and a version that changes only
/// if the data's shape ever breaks (contracts are never renamed, only extended). The list is explicit on purpose:
/// adding an event to the public surface is a decision, not a side effect of publishing one.
/// </summary>
public static class EventCatalog
{
    public const string Prefix = "services.maas.";

    public static IReadOnlyList<EventKind> All { get; } =
    [
        Of<MachineRegistered>("machine.registered", "machines", Audience.PartiesAndAccredited, e => e.MachineId, e => e.At, "The OEM registered a machine rented to a customer (final on chain)."),
        Of<MachineAccepted>("machine.accepted", "machines", Audience.PartiesAndAccredited, e => e.MachineId, e => e.At, "The customer accepted the machine and its terms."),
        Of<MachineStarted>("machine.started", "machines", Audience.PartiesAndAccredited, e => e.MachineId, e => e.At, "The machine was started (executing)."),
        Of<MachineStopped>("machine.stopped", "machines", Audience.PartiesAndAccredited, e => e.MachineId, e => e.At, "The machine was stopped."),
        Of<MachineReset>("machine.reset", "machines", Audience.PartiesAndAccredited, e => e.MachineId, e => e.At, "The machine was reset after a repair."),
        Of<MachineTerminated>("machine.terminated", "machines", Audience.PartiesAndAccredited, e => e.MachineId, e => e.At, "The rental ended."),
        Of<MachineDeviceChanged>("machine.device-changed", "machines", Audience.PartiesAndAccredited, e => e.MachineId, e => e.At, "The machine's IoT device key changed."),

        Of<TelemetryBatchSealed>("telemetry.batch-sealed", "telemetry", Audience.Parties, e => e.MachineId, e => e.SealedAt,
            "A batch of readings was sealed: its range, size and SHA-256, and the link to its readings.") with
        {
            DataType = typeof(SealedBatchData), DataOf = message => SealedBatchData.Of((TelemetryBatchSealed)message),
        },
        Of<MachineFailureDetected>("telemetry.failure-detected", "telemetry", Audience.Parties, e => e.MachineId, e => e.DetectedAt, "Telemetry reported a malfunction, or the machine stopped."),
        Of<TelemetryGapDetected>("telemetry.gap-detected", "telemetry", Audience.Parties, e => e.MachineId, e => e.DetectedAt, "No reading for more than twice the telemetry interval."),
        Of<TelemetryGapEnded>("telemetry.gap-ended", "telemetry", Audience.Parties, e => e.MachineId, e => e.At, "Readings arrive again after a gap."),
        Of<MachineRunningAgain>("telemetry.running-again", "telemetry", Audience.Parties, e => e.MachineId, e => e.DetectedAt, "The first running reading after a failure."),

        Of<TelemetryBatchAnchored>("anchoring.batch-anchored", "anchoring", Audience.PartiesAndAccredited, e => e.MachineId, e => e.At, "A batch is anchored on chain (final), with its proof."),
        Of<TelemetryBatchRefused>("anchoring.batch-refused", "anchoring", Audience.PartiesAndAccredited, e => e.MachineId, e => e.At, "A sealed batch cannot be anchored as it is."),
        Of<TelemetryBatchShredded>("anchoring.batch-shredded", "anchoring", Audience.PartiesAndAccredited, e => e.MachineId, e => e.At, "Every wrapped key of a batch was deleted."),

        Ticket<TicketOpened>("ticket.opened", e => e.MachineId, e => e.TicketId, e => e.At, _ => null, "A maintenance ticket was opened."),
        Ticket<TicketAccepted>("ticket.accepted", e => e.MachineId, e => e.TicketId, e => e.At, e => e.Maintainer, "A maintainer took the ticket (first come, first served)."),
        Ticket<BidPlaced>("ticket.bid-placed", e => e.MachineId, e => e.TicketId, e => e.At, e => e.Bidder, "A maintainer bid on the ticket."),
        Ticket<TicketAwarded>("ticket.awarded", e => e.MachineId, e => e.TicketId, e => e.At, e => e.Maintainer, "The ticket was awarded to a bidder."),
        Ticket<TicketCompleted>("ticket.completed", e => e.MachineId, e => e.TicketId, e => e.At, _ => null, "The maintainer completed the repair."),
        Ticket<TicketClosed>("ticket.closed", e => e.MachineId, e => e.TicketId, e => e.At, _ => null, "The customer closed the completed ticket."),
        Ticket<TicketCancelled>("ticket.cancelled", e => e.MachineId, e => e.TicketId, e => e.At, _ => null, "The ticket was cancelled."),
        Ticket<MaintenanceSlaBreached>("ticket.sla-breached", e => e.MachineId, e => e.TicketId, e => e.At, _ => null, "A ticket's SLA clock passed its target."),

        Of<InvoiceIssued>("invoice.issued", "invoicing", Audience.Parties, e => e.MachineId, e => e.At, "The OEM issued an invoice (document off-chain)."),
        Of<InvoiceAccepted>("invoice.accepted", "invoicing", Audience.Parties, e => e.MachineId, e => e.At, "The customer accepted the invoice."),
        Of<InvoiceDisputed>("invoice.disputed", "invoicing", Audience.Parties, e => e.MachineId, e => e.At, "The customer disputed the invoice, with its own computation."),
        Of<InvoiceSettled>("invoice.settled", "invoicing", Audience.Parties, e => e.MachineId, e => e.At, "The OEM recorded the payment."),
    ];

    private static readonly Dictionary<string, EventKind> ByType = All.ToDictionary(k => k.Type, StringComparer.Ordinal);
    private static readonly Dictionary<Type, EventKind> ByMessage = All.ToDictionary(k => k.MessageType);

    public static bool IsKnown(string type) => ByType.ContainsKey(type);

    public static EventKind For(Type messageType) => ByMessage[messageType];

    private static EventKind Of<T>(string name, string service, Audience audience, Func<T, Guid> machine, Func<T, DateTimeOffset> time, string description) =>
        new(typeof(T), $"{Prefix}{name}.v1", $"/maas/{service}", audience, o => machine((T)o), o => time((T)o), _ => null, _ => null, description);

    private static EventKind Ticket<T>(string name, Func<T, Guid> machine, Func<T, Guid> ticket, Func<T, DateTimeOffset> time, Func<T, string?> party, string description) =>
        new(typeof(T), $"{Prefix}{name}.v1", "/maas/maintenance", Audience.Ticket, o => machine((T)o), o => time((T)o), o => ticket((T)o), o => party((T)o), description);
}
