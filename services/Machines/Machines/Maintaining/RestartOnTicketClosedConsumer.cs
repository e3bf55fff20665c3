using MaaS.Chain.Contracts;
using MaaS.Contracts.Maintenance;
using MassTransit;

namespace MaaS.Machines.Machines.Maintaining;

/// <summary>A closed maintenance ticket restarts the machine with the customer's key: reset, then start — the end of the paper's loop.</summary>
public sealed class RestartOnTicketClosedConsumer(LoopOperations loop, IMachineRegistry registry) : IConsumer<TicketClosed>
{
    public Task Consume(ConsumeContext<TicketClosed> context)
    {
        var closed = context.Message;
        return loop.RunAsync(closed.MachineId, "restart-after-ticket", closed.TicketId.ToString(), state => state switch
        {
            MachineState.Stopped =>
            [
                ("reset", (from, id) => registry.ResetMachineState("", from, id)),
                ("start", (from, id) => registry.Start("", from, id)),
            ],
            MachineState.Accepted => [("start", (from, id) => registry.Start("", from, id))],
            _ => [],
        }, context.CancellationToken);
    }
}
