using MaaS.Chain.Contracts;
using MaaS.Invoicing.Invoices;
using MaaS.Invoicing.Tests.Support;
using MaaS.OffChain;
using MaaS.OffChain.Invoicing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace MaaS.Invoicing.Tests;

/// <summary>
/// Holds the chain follower's session that records revision 1 of the watched invoice (<see cref="InvoiceIssuedOnChain"/>)
/// until the test releases it: the re-issue is sent and mined, but this deployment's view does not show it yet.
/// </summary>
public sealed class HoldRevision1 : DocumentSessionListenerBase
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private readonly TaskCompletionSource held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Guid? watched;

    public void Watch(Guid stream) => watched = stream;

    /// <summary>Completes when the follower is held with revision 1's fact.</summary>
    public Task Held => held.Task;

    public void Release() => release.TrySetResult();

    /// <summary>Set when the hold passed its deadline (the interleaving was then not the one forced).</summary>
    public string? Problem { get; private set; }

    public override async Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        if (watched is not { } stream || release.Task.IsCompleted) return;
        if (!session.PendingChanges.Streams().Where(s => s.Id == stream).SelectMany(s => s.Events).Any(e => e.Data is InvoiceIssuedOnChain { Revision: 1 })) return;
        held.TrySetResult();
        try
        {
            await release.Task.WaitAsync(Deadline, token);
        }
        catch (TimeoutException)
        {
            Problem = $"held revision 1's fact for {Deadline.TotalSeconds} s without a release";
        }
    }
}

public sealed class ReissueInFlightFixture : WorldFixture
{
    public HoldRevision1 Hold { get; } = new();

    protected override string Purpose => "invoicinginflight";

    protected override void ConfigureInvoicing(IServiceCollection services) => services.ConfigureMarten(o => o.Listeners.Add(Hold));
}

/// <summary>
/// The mirror of <see cref="LateBatchBilledOnceTests"/> (docs/invoicing.md §3): the dispute of period 0 is answered first —
/// revision 1 with the late batch is sent — and period 1 falls due while this deployment does not see that revision on chain
/// yet. Period 1 must not bill the batch again — not even in a first revision that a dispute would correct.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ReissueInFlightTests(ReissueInFlightFixture fixture) : IClassFixture<ReissueInFlightFixture>
{
    private InvoicingWorld World => fixture.World;

    [Fact]
    public async Task Period1DueWhilePeriod0sCorrectionIsNotYetSeenOnChain_LeavesTheLateBatchToTheCorrection()
    {
        for (var attempt = 1; ; attempt++)
        {
            if (attempt > 3) throw new InvalidOperationException(HeldAnnouncements.ClockKeptJumping);
            var machine = await World.MachineAsync(World.Oem, periodSeconds: PeriodZeroTelemetry.PeriodSeconds);
            if (await World.AnchorInTimeAsync(machine, 1) is not { } known) continue;
            fixture.Hold.Watch(InvoiceIds.StreamOf(machine.Id, 0));

            // As in DisputeReissueTests: the OEM's node issues period 0 without batch 2, learns of it, and the customer's node,
            // told of the issue only then, disputes; the OEM's node answers with revision 1.
            await using var batchesHeld = await World.HoldBatchAnchoredAsync();
            await using var issuesHeld = await World.HoldInvoiceIssuedAsync();
            if (await World.AnchorInTimeAsync(machine, 2) is not { } late) continue;
            await World.InvoiceAsync(World.Oem, machine.Id, 0, i => i is { State: InvoiceState.Issued, Final: true }, TimeSpan.FromSeconds(150));
            var announced = await World.IssuedMessageAsync(machine.Id, 0);
            await World.DeliverLateAsync(batchesHeld, late.Anchored);
            await issuesHeld.DisposeAsync();
            await World.PublishAsync(announced);

            if (await World.Period1CameFirstAsync(machine.Id)) continue;

            // Revision 1 is on chain, but the follower is held before recording it; period 1 falls due meanwhile. The run polls
            // every second on the chain's clock, so three seconds past the due time it has had its passes.
            await fixture.Hold.Held.WaitAsync(TimeSpan.FromSeconds(120));
            var period1Due = machine.Window(1).CutoffMs / 1000 + 1;
            await World.ChainTimePassesAsync(period1Due + 3);
            fixture.Hold.Release();

            var period0 = await World.InvoiceAsync(World.Customer, machine.Id, 0, i => i is { State: InvoiceState.Accepted, Final: true }, TimeSpan.FromSeconds(120));
            var period1 = await World.InvoiceAsync(World.Customer, machine.Id, 1, i => i is { State: InvoiceState.Accepted, Final: true }, TimeSpan.FromSeconds(120));
            fixture.Hold.Problem.ShouldBeNull();
            // Precondition: the correction carries batch 2.
            period0.Revision.ShouldBe((ushort)1);
            // Period 1 as first issued leaves batch 2 out (a copy of it would be billed twice until the customer's node disputed
            // period 1 and the OEM's node corrected it), so the customer's node accepted it as it was.
            var period1First = period1.Issued.Single(i => i.Revision == 0);
            InvoiceDocument.Parse(await World.Store.GetAsync(Cid.FromDigestHex(period1First.InvoiceHash))).Inputs.Select(i => i.Anchor.Batch).ShouldNotContain(2L);
            period1.Revision.ShouldBe((ushort)0);
            period1.History.ShouldNotContain(h => h.Event == "InvoiceDisputed");

            var billed = new List<long>();
            foreach (var (period, view) in new[] { (0u, period0), (1u, period1) })
            {
                var onChain = (await World.InvoicingContract.InvoiceAsync(Bytes32.FromGuid(machine.Id), period)).ShouldNotBeNull();
                onChain.Revision.ShouldBe(view.Revision);
                billed.AddRange(InvoiceDocument.Parse(await World.Store.GetAsync(Cid.FromDigestHex(view.InvoiceHash!))).Inputs.SelectMany(i => i.AllSeqs()));
            }
            billed.Count(s => late.Readings.Any(r => r.Seq == s)).ShouldBe(late.Readings.Count, "batch 2's readings are billed exactly once");
            billed.GroupBy(s => s).Where(g => g.Count() > 1).Select(g => g.Key).ShouldBeEmpty("no reading is billed twice");
            billed.Order().ShouldBe(known.Readings.Concat(late.Readings).Select(r => r.Seq).Order(), "every reading is billed");
            return;
        }
    }
}
