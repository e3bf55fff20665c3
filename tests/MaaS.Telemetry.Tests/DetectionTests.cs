using MaaS.Contracts.Machines;
using MaaS.Contracts.Telemetry;
using MaaS.OffChain.Telemetry;
using MaaS.Telemetry.Tests.Infrastructure;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Telemetry.Tests;

/// <summary>Two instances on one database: both run gap detection and publish, so "once" is tested against a real race.</summary>
public sealed class DetectionEnvironment : TelemetryEnvironment
{
    public ServiceHost<TelemetryApi> Second { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Second = CreateHost();
        _ = Second.Address;
    }

    public override async Task DisposeAsync()
    {
        await Second.DisposeAsync();
        await base.DisposeAsync();
    }
}

[Trait("Category", "Integration")]
public sealed class DetectionTests(DetectionEnvironment environment) : IClassFixture<DetectionEnvironment>
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1.5);

    [Fact]
    public async Task ChangeToMalfunctioning_PublishesOneFailurePerTransition()
    {
        var device = await environment.RegisterMachineAsync();
        var statuses = new[] { ReadingStatus.Running, ReadingStatus.Malfunctioning, ReadingStatus.Malfunctioning, ReadingStatus.Running, ReadingStatus.Malfunctioning };
        await environment.PostAcceptedAsync(device.Body(statuses.Select((s, i) => device.Reading(i + 1, s))));
        await environment.PostAcceptedAsync(device.Body([device.Reading(6, ReadingStatus.Malfunctioning)]));
        await environment.PostAcceptedAsync(device.Body([device.Reading(7, ReadingStatus.Idle)]));
        await environment.PostAcceptedAsync(device.Body([device.Reading(8, ReadingStatus.Malfunctioning)]));
        await environment.PostAcceptedAsync(device.Body([device.Reading(8, ReadingStatus.Malfunctioning)])); // a retry changes nothing

        var failures = await FailuresAsync(device, 3);
        failures.Select(f => f.Seq).ShouldBe([2L, 5L, 8L]);
        failures.ShouldAllBe(f => f.Reason == "malfunctioning");
    }

    [Fact]
    public async Task MachineStopped_PublishesOneFailure_EvenWhenDeliveredTwice()
    {
        var device = await environment.RegisterMachineAsync();
        var stopped = new MachineStopped(device.MachineId, "0xstop", environment.NextBlock(), DateTimeOffset.UtcNow);
        var messageId = Guid.NewGuid();
        await environment.PublishAsync(stopped, messageId);
        await environment.PublishAsync(stopped, messageId);

        var failure = (await FailuresAsync(device, 1)).Single();
        failure.Reason.ShouldBe("stopped");
        failure.Seq.ShouldBeNull();
        failure.TimestampMs.ShouldBe(stopped.At.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task StopAfterAReportedMalfunction_IsNotReportedAgain_ButTheNextRunsStopIs()
    {
        var device = await environment.RegisterMachineAsync();
        await environment.PostAcceptedAsync(device.Body([device.Reading(1, ReadingStatus.Malfunctioning)]));
        await FailuresAsync(device, 1);
        await environment.PublishAsync(new MachineStopped(device.MachineId, "0xstop1", environment.NextBlock(), DateTimeOffset.UtcNow));
        await environment.WaitForStatusAsync(device, s => !s.GetProperty("executing").GetBoolean(), "stopped");
        await environment.StartMachineAsync(device);
        await environment.PublishAsync(new MachineStopped(device.MachineId, "0xstop2", environment.NextBlock(), DateTimeOffset.UtcNow));

        var failures = await FailuresAsync(device, 2);
        failures.Select(f => f.Reason).ShouldBe(["malfunctioning", "stopped"]);
    }

    [Fact]
    public async Task MissingHeartbeat_OpensOneGap_AndTheNextReadingEndsIt()
    {
        var device = await environment.RegisterMachineAsync(intervalSeconds: 1);
        var before = device.Reading(1);
        await environment.PostAcceptedAsync(device.Body([before]));

        // (Should the test itself stall for two intervals before its first reading, that gap is a true one; this test is about the next.)
        var gap = await Eventually.GetAsync(async () =>
        {
            await Task.CompletedTask;
            return environment.Messages.EventsOf<TelemetryGapDetected>(device.MachineId).FirstOrDefault(g => g.LastReadingMs == before.Timestamp);
        }, "a gap");
        gap.IntervalMs.ShouldBe(1_000);
        (gap.DetectedAt - DateTimeOffset.FromUnixTimeMilliseconds(before.Timestamp)).ShouldBeGreaterThan(TimeSpan.FromSeconds(2));
        (await environment.StatusAsync(device)).GetProperty("gap").GetProperty("open").GetBoolean().ShouldBeTrue();

        var after = device.Reading(2);
        await environment.PostAcceptedAsync(device.Body([after]));
        var ended = await Eventually.GetAsync(async () =>
        {
            await Task.CompletedTask;
            return environment.Messages.EventsOf<TelemetryGapEnded>(device.MachineId).FirstOrDefault(g => g.LastReadingBeforeMs == before.Timestamp);
        }, "the gap to end");
        ended.LastReadingBeforeMs.ShouldBe(before.Timestamp);
        ended.ResumedAtMs.ShouldBe(after.Timestamp);

        await environment.PublishAsync(new MachineStopped(device.MachineId, "0xstop", environment.NextBlock(), DateTimeOffset.UtcNow));
        await environment.WaitForStatusAsync(device, s => !s.GetProperty("executing").GetBoolean(), "stopped");
        await Task.Delay(Settle + TimeSpan.FromSeconds(1)); // a stopped machine has no heartbeat to miss
        environment.Messages.EventsOf<TelemetryGapDetected>(device.MachineId).Count(g => g.LastReadingMs == before.Timestamp).ShouldBe(1);
        environment.Messages.EventsOf<TelemetryGapDetected>(device.MachineId).Count(g => g.LastReadingMs == after.Timestamp).ShouldBe(0);
        environment.Messages.EventsOf<TelemetryGapEnded>(device.MachineId).Count(g => g.LastReadingBeforeMs == before.Timestamp).ShouldBe(1);
    }

    [Fact]
    public async Task StartedMachine_ThatNeverReports_OpensAGap()
    {
        var device = await environment.RegisterMachineAsync(intervalSeconds: 1);
        var gap = await Eventually.GetAsync(async () =>
        {
            await Task.CompletedTask;
            return environment.Messages.EventsOf<TelemetryGapDetected>(device.MachineId).FirstOrDefault();
        }, "a gap");
        gap.LastReadingMs.ShouldBe(0);
        await Task.Delay(Settle);
        environment.Messages.EventsOf<TelemetryGapDetected>(device.MachineId).Count.ShouldBe(1);
    }

    /// <summary>Waits for <paramref name="count"/> failures, then a while longer to see that no more come.</summary>
    private async Task<IReadOnlyList<MachineFailureDetected>> FailuresAsync(TestDevice device, int count)
    {
        await Eventually.TrueAsync(() => Task.FromResult(environment.Messages.EventsOf<MachineFailureDetected>(device.MachineId).Count >= count), $"{count} failures");
        await Task.Delay(Settle);
        var failures = environment.Messages.EventsOf<MachineFailureDetected>(device.MachineId);
        failures.Count.ShouldBe(count);
        environment.Messages.Events.Where(e => e.Message is MachineFailureDetected f && f.MachineId == device.MachineId).Select(e => e.MessageId).Distinct().Count().ShouldBe(count);
        return [.. failures.OrderBy(f => f.DetectedAt).ThenBy(f => f.Seq)];
    }
}
