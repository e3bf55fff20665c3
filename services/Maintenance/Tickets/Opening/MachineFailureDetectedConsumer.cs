using MaaS.Chain.Contracts;
using MaaS.Chain.Transactions;
using MaaS.Maintenance.Machines;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;
using Contract = MaaS.Contracts.Telemetry;
using MemberRoles = MaaS.ServiceDefaults.Identity.MemberRoles;

namespace MaaS.Maintenance.Tickets.Opening;

/// <summary>
/// Telemetry saw the machine fail: open a ticket with the customer's key, if this deployment holds it. Once per failure
/// (the operation id is derived from the failure); a failure while a ticket is already active is noted on that ticket.
/// </summary>
public sealed class MachineFailureDetectedConsumer(
    IDocumentStore store, IMachineRegistry registry, ISigningKeys keys, TicketOpener opener, IOptions<MaintenanceOptions> options, TimeProvider clock,
    ILogger<MachineFailureDetectedConsumer> logger) : IConsumer<Contract.MachineFailureDetected>
{
    public async Task Consume(ConsumeContext<Contract.MachineFailureDetected> context)
    {
        var failure = context.Message;
        var ct = context.CancellationToken;
        var settings = options.Value.FailureTickets;
        if (!settings.Enabled) return;
        var key = $"{failure.MachineId:N}/{failure.Reason}/{failure.Seq?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}/{failure.TimestampMs}";

        ServicedMachine? machine;
        TicketDetails? latest;
        await using (var query = store.QuerySession())
        {
            machine = await MachineLookup.LoadAsync(query, registry, failure.MachineId, ct);
            latest = await MachineLookup.LatestTicketAsync(query, failure.MachineId, ct);
        }
        if (machine is null)
        {
            logger.LogWarning("Failure of unknown machine {Machine} ignored", failure.MachineId);
            return;
        }
        if (await keys.FindAsync(machine.Customer, ct) is null)
        {
            logger.LogInformation("Failure of machine {Machine}: its customer {Customer} is not hosted here; its own deployment opens the ticket", failure.MachineId, machine.Customer);
            return;
        }
        if (latest is { Active: true } && latest.FailureKey != key)
        {
            await using var session = store.LightweightSession();
            (await session.Events.FetchForWriting<TicketDetails>(latest.Id, ct))
                .AppendOne(new FailureReported(latest.Id, key, failure.Reason, failure.Seq, failure.TimestampMs, clock.GetUtcNow()));
            await session.SaveChangesAsync(ct);
            return;
        }

        var customer = new MemberIdentity(machine.CustomerId, "customer", MemberRoles.Customer, machine.Customer, KeyScope.Write);
        var opening = new TicketOpening(failure.MachineId, settings.Kind, settings.Mode, settings.Terms,
            $"Telemetry detected a failure of machine {failure.MachineId}: {failure.Reason}.", new TicketFailure(key, failure.Reason, failure.Seq, failure.TimestampMs, failure.DetectedAt));
        try
        {
            var operation = await opener.OpenAsync(TicketIds.Operation("failure/" + key), customer, opening, ct, (machine, latest));
            logger.LogInformation("Failure {Failure} of machine {Machine}: ticket {Ticket} opening (operation {Operation})", key, failure.MachineId, operation.Subject, operation.Id);
        }
        catch (DomainException refused) when (refused.Status is 403 or 409)
        {
            logger.LogInformation("Failure {Failure} of machine {Machine}: no ticket opened ({Reason})", key, failure.MachineId, refused.Message);
        }
        catch (ChainRevertException refused)
        {
            logger.LogInformation("Failure {Failure} of machine {Machine}: the registry refused a ticket ({Error})", key, failure.MachineId, refused.Description);
        }
    }
}

/// <summary>One failure at a time: two failures of one machine must not both open a ticket.</summary>
public sealed class MachineFailureDetectedConsumerDefinition : ConsumerDefinition<MachineFailureDetectedConsumer>
{
    public MachineFailureDetectedConsumerDefinition() => ConcurrentMessageLimit = 1;
}
