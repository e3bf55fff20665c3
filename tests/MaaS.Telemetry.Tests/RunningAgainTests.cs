using MaaS.Contracts.Machines;
using MaaS.Contracts.Telemetry;
using MaaS.OffChain.Telemetry;
using MaaS.Telemetry.Tests.Infrastructure;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Telemetry.Tests;

/// <summary>
/// <c>MachineRunningAgain</c>: the first running reading after a failure episode (a malfunctioning reading or a stop), once,
/// from the ingest transaction's outbox — on two instances sharing one database (<see cref="DetectionEnvironment"/>).
/// </summary>
[Trait("Category", "Integration")]
public sealed class RunningAgainTests(DetectionEnvironment environment) : IClassFixture<DetectionEnvironment>
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1.5);

    [Fact]
    public async Task FirstRunningReadingAfterAMalfunction_IsPublishedOnce_WithTheReadingsTime()
    {
        var device = await environment.RegisterMachineAsync();
        await environment.PostAcceptedAsync(device.Body([device.Reading(1), device.Reading(2, ReadingStatus.Malfunctioning)]));
        await environment.PostAcceptedAsync(device.Body([device.Reading(3, ReadingStatus.Idle), device.Reading(4, ReadingStatus.Maintenance)]));
        var running = device.Reading(5);
        await environment.PostAcceptedAsync(device.Body([running, device.Reading(6)]));
        await environment.PostAcceptedAsync(device.Body([running])); // a retry of the same reading changes nothing

        var again = (await RunningAgainAsync(device, 1)).Single();
        (again.Seq, again.TimestampMs).ShouldBe((5L, running.Timestamp));
    }

    [Fact]
    public async Task RunningReadings_WithoutAFailure_AreNotRunningAgain_ButAfterAStopTheyAre()
    {
        var device = await environment.RegisterMachineAsync();
        await environment.PostAcceptedAsync(device.Body([device.Reading(1), device.Reading(2)]));
        await environment.PublishAsync(new MachineStopped(device.MachineId, "0xstop", environment.NextBlock(), DateTimeOffset.UtcNow));
        await environment.WaitForStatusAsync(device, s => !s.GetProperty("executing").GetBoolean(), "stopped");
        await environment.StartMachineAsync(device);
        await environment.PostAcceptedAsync(device.Body([device.Reading(3), device.Reading(4)]));

        (await RunningAgainAsync(device, 1)).Single().Seq.ShouldBe(3L);
    }

    [Fact]
    public async Task ALateRunningReading_BelowTheHighestSeq_DoesNotEndTheEpisode()
    {
        var device = await environment.RegisterMachineAsync();
        await environment.PostAcceptedAsync(device.Body([device.Reading(10, ReadingStatus.Malfunctioning)]));
        await environment.PostAcceptedAsync(device.Body([device.Reading(9)])); // older than the malfunction: it says nothing about now
        await environment.PostAcceptedAsync(device.Body([device.Reading(11)]));

        (await RunningAgainAsync(device, 1)).Single().Seq.ShouldBe(11L);
    }

    /// <summary>Waits for <paramref name="count"/> messages, then a while longer to see that no more come (each under one message id).</summary>
    private async Task<IReadOnlyList<MachineRunningAgain>> RunningAgainAsync(TestDevice device, int count)
    {
        await Eventually.TrueAsync(() => Task.FromResult(environment.Messages.EventsOf<MachineRunningAgain>(device.MachineId).Count >= count), $"{count} MachineRunningAgain");
        await Task.Delay(Settle);
        var messages = environment.Messages.EventsOf<MachineRunningAgain>(device.MachineId);
        environment.Messages.Events.Where(e => e.Message is MachineRunningAgain m && m.MachineId == device.MachineId).Select(e => e.MessageId).Distinct().Count().ShouldBe(count);
        return [.. messages.DistinctBy(m => m.Seq).OrderBy(m => m.Seq)];
    }
}
