using MaaS.Chain.Contracts;
using MaaS.Invoicing.Batches;
using MaaS.Invoicing.Machines;
using MaaS.OffChain;
using MaaS.OffChain.Invoicing;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.Extensions.Options;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;

namespace MaaS.Invoicing.Invoices;

/// <summary>Everything an invoice of one period is computed from, gathered the same way by the OEM's node and by the customer's.</summary>
public sealed record BillingInputs(InvoicePeriod Period, InvoiceBasis Basis, IReadOnlyList<AnchoredReadings> Known, IReadOnlySet<long> AlreadyBilled)
{
    public InvoiceDocument Compute() => InvoiceCalculator.Compute(Period, Basis, InvoiceCalculator.Select(Period, Known, AlreadyBilled));
}

/// <summary>
/// Gathers the inputs from the chain (epoch, billing period, which terms version applied, termination time), the off-chain
/// store (the terms document, the machine's earlier invoice documents) and the anchored batches this service was told of.
/// </summary>
public sealed class BillingFacts(IInvoicingContract invoicing, IOffChainStore store, IWeb3 web3, BatchReadings readings, IOptions<InvoicingOptions> options)
{
    /// <summary>The chain's terms of the machine: epoch (start of period 0) and billing period; null until the customer accepted.</summary>
    public async Task<(long EpochSeconds, uint BillingPeriodSeconds)?> ScheduleAsync(Guid machine, CancellationToken ct)
    {
        var terms = await invoicing.CurrentTermsAsync(Bytes32.FromGuid(machine), ct);
        return terms is { Epoch: { } epoch, ActiveVersion: > 0 } ? (epoch.ToUnixTimeSeconds(), terms.BillingPeriodSeconds) : null;
    }

    /// <summary>The last period to invoice: the one in which the machine was terminated (its final invoice); null while it runs.</summary>
    public async Task<uint?> LastPeriodAsync(BilledMachine machine, long epochSeconds, uint billingPeriodSeconds, CancellationToken ct)
    {
        if (machine.TerminatedInBlock is not { } block) return null;
        var at = (long)(await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new BlockParameter((ulong)block))).Timestamp.Value;
        return (uint)(Math.Max(0, at - epochSeconds) / billingPeriodSeconds);
    }

    /// <summary>
    /// The chain's clock: the time the next block would carry, since the contract checks period ends against block time.
    /// That is the pending block's timestamp, not the latest block's: a node that mines on demand keeps the latest block's
    /// time still while nobody sends, and a dev chain's clock may run hours ahead of this host's (time moved by a test), so
    /// neither the latest block nor the wall clock alone ever reaches a due time. Nodes without a pending block: the later
    /// of the two.
    /// </summary>
    public async Task<long> ChainNowSecondsAsync(TimeProvider clock)
    {
        try
        {
            var pending = await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreatePending());
            if (pending?.Timestamp is { } next) return (long)next.Value;
        }
        catch (Nethereum.JsonRpc.Client.RpcResponseException)
        {
            // "pending" not supported by this node.
        }
        var latest = await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreateLatest());
        return Math.Max((long)latest.Timestamp.Value, clock.GetUtcNow().ToUnixTimeSeconds());
    }

    /// <param name="onChainOnly">
    /// Whether the other invoices count only as far as the chain holds them (a verifier: the issuer's document was computed
    /// from what was on chain, or sent before it, when it was issued), or also with a revision this node computed and sent
    /// but the chain does not show yet (the issuer: its own sends are mined in order, so that one lands first).
    /// </param>
    public async Task<BillingInputs> GatherAsync(IQuerySession session, BilledMachine machine, uint period, MemberIdentity member, bool onChainOnly, CancellationToken ct)
    {
        var schedule = await ScheduleAsync(machine.Id, ct) ?? throw new InvalidOperationException($"Machine {machine.Id}: no accepted terms on chain.");
        var last = await LastPeriodAsync(machine, schedule.EpochSeconds, schedule.BillingPeriodSeconds, ct);
        var window = InvoicePeriod.Of(machine.Id, period, schedule.EpochSeconds, schedule.BillingPeriodSeconds, (long)options.Value.Grace.TotalSeconds, period == last);

        var version = await VersionForAsync(machine, period, ct);
        var termsHash = await invoicing.TermsHashOfAsync(Bytes32.FromGuid(machine.Id), version, ct)
            ?? throw new InvalidOperationException($"Machine {machine.Id}: no hash for terms version {version}.");
        var terms = PricingTerms.Parse(await store.GetAsync(Cid.FromDigest(termsHash), ct));
        var basis = new InvoiceBasis(machine.Oem, machine.Customer, version, Convert.ToHexStringLower(termsHash), terms);

        var billed = await BilledElsewhereAsync(session, machine.Id, period, onChainOnly, ct);
        var batches = await session.Query<AnchoredBatch>().Where(b => b.MachineId == machine.Id).ToListAsync(ct);
        var known = new List<AnchoredReadings>();
        foreach (var batch in batches.OrderBy(b => b.BatchSeq))
        {
            // Only batches that can still contribute: anchored in time and not billed completely before.
            if (batch.Anchor.BlockTime * 1000 >= window.CutoffMs) continue;
            if (Enumerable.Range(0, (int)(batch.LastSeq - batch.FirstSeq + 1)).All(i => billed.Contains(batch.FirstSeq + i))) continue;
            known.Add(await readings.ReadAsync(member, batch.Anchor, ct));
        }
        return new BillingInputs(window, basis, known, billed);
    }

    /// <summary>The version the chain says applied to <paramref name="period"/> (<c>termsApplicability</c>), among the accepted ones.</summary>
    public async Task<uint> VersionForAsync(BilledMachine machine, uint period, CancellationToken ct)
    {
        var id = Bytes32.FromGuid(machine.Id);
        var latest = (await invoicing.CurrentTermsAsync(id, ct))?.LatestVersion ?? 0;
        for (var v = latest; v >= 1; v--)
            if (await invoicing.TermsApplicabilityAsync(id, v, ct) is { } applies && applies.AppliesTo(period)) return v;
        throw new InvalidOperationException($"Machine {machine.Id}: no terms version applies to period {period}.");
    }

    /// <summary>
    /// The sequence numbers billed by the machine's invoices of every other period — earlier and later — in their latest
    /// revisions, read from their documents (rule (c) of docs/invoicing.md §3). Later periods count as well: a correction of
    /// a period, computed after the next period billed a late batch, must not bill that batch again.
    /// </summary>
    public async Task<IReadOnlySet<long>> BilledElsewhereAsync(IQuerySession session, Guid machine, uint period, bool onChainOnly, CancellationToken ct)
    {
        var others = await session.Query<InvoiceView>().Where(i => i.MachineId == machine && i.Period != period).ToListAsync(ct);
        var billed = new HashSet<long>();
        foreach (var invoice in others)
        {
            var cid = !onChainOnly && invoice.AwaitsIssue() && invoice.ComputedCid is { } computed ? Cid.Parse(computed)
                : invoice.OnChain() is { } issued ? Cid.FromDigestHex(issued.InvoiceHash)
                : !onChainOnly && invoice.DocumentCid is { } first ? Cid.Parse(first) : null;
            if (cid is null) continue;
            foreach (var input in InvoiceDocument.Parse(await store.GetAsync(cid, ct)).Inputs) billed.UnionWith(input.AllSeqs());
        }
        return billed;
    }
}
