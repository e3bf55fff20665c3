using MaaS.Chain.Contracts;
using MaaS.Invoicing.Invoices.Issuing;
using MaaS.Invoicing.Machines;
using MaaS.OffChain;
using MaaS.OffChain.Invoicing;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Marten;

namespace MaaS.Invoicing.Invoices.Verifying;

public sealed record VerificationResult(string InvoiceId, ushort Revision, bool Ok, IReadOnlyList<VerificationCheck> Checks, string? RecomputedCid, string Decision, OperationView? Operation);

/// <summary>
/// The customer's check of an issued invoice: fetch its document by the hash on chain, gather the same inputs the OEM's
/// node had (anchored batches, decrypted for the customer and checked against their roots and rounds), recompute, and
/// accept on chain when the bytes are identical, else dispute with the recomputed document (stored off-chain) as evidence.
/// </summary>
public sealed class InvoiceVerifier(IDocumentStore store, BillingFacts facts, BatchesRoundRoots rounds, IOffChainStore offChain, IInvoicingContract invoicing,
    OperationRunner operations, TimeProvider clock, ILogger<InvoiceVerifier> logger)
{
    public async Task<VerificationResult> VerifyAsync(Guid machineId, uint period, MemberIdentity customer, bool decide, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var machine = await session.LoadAsync<BilledMachine>(machineId, ct) ?? throw DomainException.NotFound("Machine", machineId);
        var streamId = InvoiceIds.StreamOf(machineId, period);
        var view = await session.LoadAsync<InvoiceView>(streamId, ct);
        var issued = view?.OnChain() ?? throw DomainException.Conflict("not-issued", $"Invoice {InvoiceIds.For(machineId, period)} is not issued on chain (yet).");

        var inputs = await facts.GatherAsync(session, machine, period, customer, onChainOnly: true, ct);
        // The document's own batches too, so a batch this node does not know is reported by name rather than just as a difference.
        byte[] document;
        try
        {
            document = await offChain.GetAsync(Cid.FromDigestHex(issued.InvoiceHash), ct);
        }
        catch (Exception ex) when (ex is ContentNotFoundException or ContentIntegrityException)
        {
            document = [];
            logger.LogWarning(ex, "Invoice {Invoice}: document {Hash} not available", view.InvoiceId, issued.InvoiceHash);
        }
        var roots = await rounds.ForAsync(document, inputs.Known, ct);
        var verdict = InvoiceVerification.Verify(issued, document, inputs.Period, inputs.Basis, roots, inputs.Known, inputs.AlreadyBilled);

        string? evidence = null;
        if (verdict.Recomputed is { } recomputed && !verdict.Ok) evidence = (await offChain.PutAsync(recomputed.Canonical(), ct)).V0;
        OperationView? operation = null;
        var decision = "none";
        if (decide && view.State == InvoiceState.Issued)
        {
            var id = Bytes32.FromGuid(machineId);
            var operationId = InvoicingRun.Derived($"verify-invoice/{view.InvoiceId}/{issued.Revision}");
            decision = verdict.Ok ? "accept" : "dispute";
            var request = verdict.Ok
                ? invoicing.AcceptInvoice("", customer.Account, id, period, issued.Revision)
                : invoicing.DisputeInvoice("", customer.Account, id, period, issued.Revision, Cid.Parse(evidence!).ToDigestBytes());
            operation = await operations.StartAsync(operationId, $"{decision}-invoice", customer, view.InvoiceId,
                [new OperationStep(verdict.Ok ? "acceptInvoice" : "disputeInvoice", customer.Account, invoicing.Address, request.Data)],
                async (s, token) =>
                {
                    // Expected version, as in the run: the follower may append the decision's log concurrently.
                    var invoice = await s.Events.FetchForWriting<InvoiceView>(streamId, token);
                    invoice.AppendOne(new InvoiceVerified(streamId, issued.Revision, customer.Account, verdict.Ok, verdict.Checks, evidence, operationId, clock.GetUtcNow()));
                }, ct);
        }
        else
        {
            await InvoiceStream.AppendAsync(store, streamId, new InvoiceVerified(streamId, issued.Revision, customer.Account, verdict.Ok, verdict.Checks, evidence, null, clock.GetUtcNow()), ct);
        }
        logger.LogInformation("Invoice {Invoice} revision {Revision} verified: {Ok}; decision {Decision}", view.InvoiceId, issued.Revision, verdict.Ok, decision);
        return new VerificationResult(view.InvoiceId, issued.Revision, verdict.Ok, verdict.Checks, evidence, decision, operation);
    }
}

/// <summary>The chain's roots of every round an invoice document or the verifier's own batches name.</summary>
public sealed class BatchesRoundRoots(Batches.BatchReadings readings)
{
    public async Task<IReadOnlyDictionary<long, string>> ForAsync(byte[] document, IReadOnlyList<AnchoredReadings> known, CancellationToken ct)
    {
        var rounds = known.Select(k => k.Anchor.RoundId).ToHashSet();
        try
        {
            rounds.UnionWith(InvoiceDocument.Parse(document).Inputs.Select(i => i.Anchor.RoundId));
        }
        catch (FormatException)
        {
            // The verdict reports the format; there are no further rounds to look up.
        }
        var roots = new Dictionary<long, string>();
        foreach (var round in rounds)
        {
            try
            {
                roots[round] = await readings.RoundRootAsync(round, ct);
            }
            catch (InvalidDataException)
            {
                // A round id the chain does not have: the anchors check fails for it.
            }
        }
        return roots;
    }
}
