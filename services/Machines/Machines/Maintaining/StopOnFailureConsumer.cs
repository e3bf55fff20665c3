using MaaS.Chain.Contracts;
using MaaS.Contracts.Telemetry;
using MassTransit;

namespace MaaS.Machines.Machines.Maintaining;

/// <summary>A malfunction reported by the machine's telemetry stops it on chain (paper Fig. 4: the customer's node reacts).</summary>
public sealed class StopOnFailureConsumer(LoopOperations loop, IMachineRegistry registry) : IConsumer<MachineFailureDetected>
{
    public Task Consume(ConsumeContext<MachineFailureDetected> context)
    {
        var failure = context.Message;
        // A failure detected because the machine was stopped on chain needs no second stop.
        if (failure.Reason == "stopped") return Task.CompletedTask;
        return loop.RunAsync(failure.MachineId, "stop-on-failure", $"{failure.MachineId}/{failure.Seq}/{failure.TimestampMs}",
            state => state == MachineState.Executed ? [("stop", (from, id) => registry.Stop("", from, id))] : [], context.CancellationToken);
    }
}
