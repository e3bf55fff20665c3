using System.Numerics;
using MaaS.Chain.Contracts;
using MaaS.Contracts.Anchoring;
using MaaS.OffChain;
using MaaS.OffChain.Invoicing;
using MaaS.OffChain.Telemetry;

namespace MaaS.Invoicing.Tests.Support;

/// <summary>
/// Scenes in period 0 of a machine with 20 s periods: batches of five readings anchored before the period's cut-off, the
/// honest invoice document of those batches as every party computes it, and an invoice issued by an OEM whose key the
/// deployment does not hold (the test, right or wrong).
/// </summary>
public static class PeriodZeroTelemetry
{
    /// <summary>
    /// 20 s periods: every batch must be anchored before period 0's cut-off, and one anchoring round can take several seconds
    /// on the shared chain (with 8 s periods a second batch was once anchored after the cut-off).
    /// </summary>
    public const uint PeriodSeconds = 20;

    /// <summary>
    /// A machine of <paramref name="oem"/> with <paramref name="batches"/> batches anchored before period 0's cut-off. The
    /// chain is shared with suites that move its clock (evm_increaseTime, hours at a time): when a jump lands between the
    /// acceptance and an anchoring, the batch falls after the cut-off and the scene is not the one the test is about. Then
    /// it is set up again on a new machine (a few times at most); the tests' assertions never relax.
    /// </summary>
    public static async Task<(TestMachine Machine, List<(TelemetryBatchAnchored Anchored, List<Reading> Readings)> Batches)> MachineWithTelemetryAsync(
        this InvoicingWorld world, Member oem, Member? customer = null, int batches = 2)
    {
        for (var attempt = 1; ; attempt++)
        {
            var machine = await world.MachineAsync(oem, periodSeconds: PeriodSeconds, customer: customer);
            var anchored = new List<(TelemetryBatchAnchored, List<Reading>)>();
            for (var b = 1; b <= batches; b++)
            {
                if (await world.AnchorInTimeAsync(machine, b) is not { } batch) break;
                anchored.Add(batch);
            }
            if (anchored.Count == batches) return (machine, anchored);
            if (attempt == 3) throw new InvalidOperationException(HeldAnnouncements.ClockKeptJumping);
        }
    }

    /// <summary>Batch <paramref name="batchSeq"/> of five readings stamped in period 0, anchored; null if that was after the period's cut-off.</summary>
    public static async Task<(TelemetryBatchAnchored Anchored, List<Reading> Readings)?> AnchorInTimeAsync(this InvoicingWorld world, TestMachine machine, int batchSeq)
    {
        var first = ((batchSeq - 1) * 5) + 1;
        var readings = Enumerable.Range(first, 5).Select(i => InvoicingWorld.Reading(machine.Id, i, machine.At(0, i * 100), produced: 3, rejected: i % 2)).ToList();
        var anchored = await world.AnchorAsync(machine.Id, batchSeq, readings);
        return await world.BlockTimeAsync(anchored.Block) < machine.Window(0).CutoffMs / 1000 ? (anchored, readings) : null;
    }

    public static BatchAnchor AnchorOf(TelemetryBatchAnchored a, long blockTime) =>
        new(a.MachineId, a.BatchSeq, a.Count, a.BatchRoot, a.Cid, a.RoundId, a.LeafIndex, a.RoundSize, a.RoundPath, a.RoundRoot, a.Block, blockTime, a.TransactionHash.ToLowerInvariant());

    /// <summary>Period 0's document from <paramref name="batches"/> under terms version 1, computed here as any party would.</summary>
    public static async Task<InvoiceDocument> HonestAsync(this InvoicingWorld world, TestMachine machine, IEnumerable<(TelemetryBatchAnchored Anchored, List<Reading> Readings)> batches)
    {
        var period = machine.Window(0);
        var anchored = new List<AnchoredReadings>();
        foreach (var (a, readings) in batches) anchored.Add(new AnchoredReadings(AnchorOf(a, await world.BlockTimeAsync(a.Block)), readings));
        return InvoiceCalculator.Compute(period, new InvoiceBasis(machine.Oem.Account, machine.Customer.Account, 1, Cid.Compute(machine.Terms.Canonical()).DigestHex, machine.Terms),
            InvoiceCalculator.Select(period, anchored, new HashSet<long>()));
    }

    /// <summary>The test as the machine's foreign OEM: stores <paramref name="document"/> and issues it for period 0 with <paramref name="total"/> once the cut-off passed.</summary>
    public static async Task IssueAsForeignOemAsync(this InvoicingWorld world, TestMachine machine, InvoiceDocument document, long total)
    {
        if (machine.Oem.Held) throw new InvalidOperationException("The deployment issues for an OEM whose key it holds; the test issues only for a foreign one.");
        await world.ChainTimePassesAsync(machine.Window(0).CutoffMs / 1000);
        var cid = await world.Store.PutAsync(document.Canonical());
        await world.SendAsync(machine.Oem.Key, world.InvoicingContract.IssueInvoice("", machine.Oem.Account, Bytes32.FromGuid(machine.Id), 0, new BigInteger(total),
            cid.ToDigestBytes(), Convert.FromHexString(document.InputsRoot), 1));
    }
}
