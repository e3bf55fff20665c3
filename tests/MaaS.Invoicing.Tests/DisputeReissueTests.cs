using MaaS.Chain.Contracts;
using MaaS.Contracts.Anchoring;
using MaaS.Contracts.Invoicing;
using MaaS.Invoicing.Invoices;
using MaaS.Invoicing.Tests.Support;
using MaaS.OffChain;
using MaaS.OffChain.Invoicing;
using MaaS.OffChain.Telemetry;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Invoicing.Tests;

public sealed class DisputeReissueFixture : WorldFixture
{
    protected override string Purpose => "invoicingreissue";
}

/// <summary>
/// The re-issue path of a dispute (docs/invoicing.md §10). A batch is anchored before period 0's cut-off, but its
/// announcement reaches the OEM's node only after that node issued period 0 (here: RabbitMQ routes
/// <see cref="TelemetryBatchAnchored"/> away from the Invoicing service's queue meanwhile). The customer's node, which knows
/// the batch when it verifies (its <see cref="InvoiceIssued"/> is held back the same way until then), disputes; the OEM's
/// node answers by computing the period again, now with the batch, issues revision 1, and the customer's node accepts it.
/// This deployment holds both keys, so one Invoicing service is both nodes.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DisputeReissueTests(DisputeReissueFixture fixture) : IClassFixture<DisputeReissueFixture>
{
    private InvoicingWorld World => fixture.World;

    private sealed record Scene(
        TestMachine Machine, (TelemetryBatchAnchored Anchored, List<Reading> Readings) Known, (TelemetryBatchAnchored Anchored, List<Reading> Readings) Late,
        InvoiceView Revision0);

    /// <summary>
    /// Period 0 issued by the OEM's node while it knew batch 1 only, then batch 2's announcement delivered to it, and only
    /// then revision 0's <see cref="InvoiceIssued"/> to the customer's node. A new machine when the shared chain's clock
    /// jumped past the cut-off before a batch was anchored (see <see cref="PeriodZeroTelemetry.MachineWithTelemetryAsync"/>).
    /// </summary>
    private async Task<Scene> IssuedWithoutTheLateBatchAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            if (attempt > 3) throw new InvalidOperationException(HeldAnnouncements.ClockKeptJumping);
            var machine = await World.MachineAsync(World.Oem, periodSeconds: PeriodZeroTelemetry.PeriodSeconds);
            if (await World.AnchorInTimeAsync(machine, 1) is not { } known) continue;

            await using var batchesHeld = await World.HoldBatchAnchoredAsync();
            await using var issuesHeld = await World.HoldInvoiceIssuedAsync();
            if (await World.AnchorInTimeAsync(machine, 2) is not { } late) continue;

            var revision0 = await World.InvoiceAsync(World.Oem, machine.Id, 0, i => i is { State: InvoiceState.Issued, Final: true }, TimeSpan.FromSeconds(150));
            var announced = await World.IssuedMessageAsync(machine.Id, 0);

            // The batch's announcement reaches the service late (published again, as a redelivery would); the customer's node
            // is told of the issue only once the batch is recorded.
            await World.DeliverLateAsync(batchesHeld, late.Anchored);
            await issuesHeld.DisposeAsync();
            await World.PublishAsync(announced);
            if (await World.Period1CameFirstAsync(machine.Id)) continue;
            return new Scene(machine, known, late, revision0);
        }
    }

    [Fact]
    public async Task ABatchTheOemsNodeLearntOfAfterIssuing_IsBilledInRevision1_WhichTheCustomersNodeAccepts()
    {
        var (machine, known, late, revision0) = await IssuedWithoutTheLateBatchAsync();
        var issuedFirst = await World.HonestAsync(machine, [known]);
        var honest = await World.HonestAsync(machine, [known, late]);
        honest.Total.ShouldNotBe(issuedFirst.Total);
        // Precondition: the OEM's node issued without batch 2.
        revision0.Revision.ShouldBe((ushort)0);
        revision0.DocumentCid.ShouldBe(issuedFirst.Cid().V0);

        var accepted = await World.InvoiceAsync(World.Customer, machine.Id, 0, i => i is { State: InvoiceState.Accepted, Final: true, Revision: 1 }, TimeSpan.FromSeconds(120));

        // The customer's node disputed revision 0 with its own document, the one with batch 2.
        var disputed = accepted.History.Single(h => h.Event == "InvoiceDisputed");
        disputed.Detail.ShouldBe(honest.Cid().V0);
        (await World.Store.GetAsync(honest.Cid())).ShouldBe(honest.Canonical());

        // The OEM's node computed the same document and issued it as revision 1.
        var answer = accepted.LastDisputeAnswer.ShouldNotBeNull();
        answer.Revision.ShouldBe((ushort)0);
        answer.Reissued.ShouldBeTrue();
        answer.EvidenceMatches.ShouldBeTrue();
        answer.RecomputedCid.ShouldBe(honest.Cid().V0);
        accepted.DocumentCid.ShouldBe(honest.Cid().V0);
        accepted.Total.ShouldBe(honest.Total);
        accepted.InvoiceHash.ShouldNotBe(revision0.InvoiceHash);
        accepted.Issued.Select(i => i.Revision).Order().ShouldBe([(ushort)0, (ushort)1]);
        InvoiceDocument.Parse(await World.Store.GetAsync(Cid.Parse(accepted.DocumentCid!))).Inputs.Select(i => i.Anchor.Batch).ShouldBe([1L, 2L]);

        // The customer's node verified revision 1 and accepted it; the chain says so.
        accepted.LastVerification.ShouldNotBeNull();
        accepted.LastVerification.Revision.ShouldBe((ushort)1);
        accepted.LastVerification.Ok.ShouldBeTrue();
        var onChain = await World.InvoicingContract.InvoiceAsync(Bytes32.FromGuid(machine.Id), 0);
        onChain.ShouldNotBeNull();
        onChain.Revision.ShouldBe((ushort)1);
        onChain.Status.ShouldBe(InvoiceStatus.Accepted);
        await Eventually.TrueAsync(() => Task.FromResult(World.Published<InvoiceAccepted>().Any(e => e.MachineId == machine.Id && e.Period == 0 && e.Revision == 1)),
            "revision 1's InvoiceAccepted to be published");
    }
}
