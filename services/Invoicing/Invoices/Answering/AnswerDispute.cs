using MaaS.Contracts.Invoicing;
using MaaS.Chain.Transactions;
using MaaS.Invoicing.Invoices.Issuing;
using MaaS.Invoicing.Machines;
using MaaS.OffChain;
using MaaS.ServiceDefaults.Identity;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;

namespace MaaS.Invoicing.Invoices.Answering;

/// <summary>
/// The OEM's node answered the customer's dispute of <paramref name="Revision"/>: it computed the period again from what is
/// anchored now (<paramref name="RecomputedCid"/>). <paramref name="Reissued"/> when that differs from what it issued — it
/// learnt of data it had missed — and it issued the recomputation as the next revision; otherwise the dispute stands for
/// the parties to settle, and <paramref name="EvidenceMatches"/> says whether the customer's evidence is the same document.
/// </summary>
public sealed record InvoiceDisputeAnswered(Guid StreamId, ushort Revision, string RecomputedCid, bool Reissued, bool EvidenceMatches, string Reason, DateTimeOffset At);

/// <summary>
/// On a final <see cref="InvoiceDisputed"/> of an invoice this deployment issued (it holds the OEM's key): compute again;
/// re-issue when the honest document is no longer the one on chain, else record that the dispute stands. Idempotent: the
/// re-issue's operation id follows from machine, period and revision, and an answered revision is not answered again.
/// </summary>
public sealed class InvoiceDisputedConsumer(IDocumentStore store, BillingFacts facts, InvoicingRun run, MachineInvoicingLock locks, IOffChainStore offChain, ISigningKeys keys,
    IOptions<InvoicingOptions> options, TimeProvider clock, ILogger<InvoiceDisputedConsumer> logger) : IConsumer<InvoiceDisputed>
{
    public async Task Consume(ConsumeContext<InvoiceDisputed> context)
    {
        var (message, ct) = (context.Message, context.CancellationToken);
        if (!options.Value.AnswerDisputes) return;
        await using var session = store.QuerySession();
        var machine = await session.LoadAsync<BilledMachine>(message.MachineId, ct);
        if (machine is null || await keys.FindAsync(machine.Oem, ct) is null) return;
        var streamId = InvoiceIds.StreamOf(machine.Id, message.Period);
        // Not while the run computes a period of this machine (docs/invoicing.md §3); what it reads is read with the lock held.
        await using var held = await locks.AcquireAsync(machine.Id, ct);
        var view = await session.LoadAsync<InvoiceView>(streamId, ct);
        // Only the latest revision's standing dispute: a withdrawn one, an answered one or one already corrected needs nothing.
        if (view?.OnChain() is not { } issued || issued.Revision != message.Revision || view.State != InvoiceState.Disputed) return;
        if (view.LastDisputeAnswer?.Revision == message.Revision) return;

        var oem = Acting.As(machine.Oem, MemberRoles.Oem);
        // Readings billed by any other period's latest revision stay out, later periods' too: when the next period billed a
        // late batch before this dispute came, the batch stays billed there and the dispute stands.
        var recomputed = (await facts.GatherAsync(session, machine, message.Period, oem, onChainOnly: false, ct)).Compute();
        var bytes = recomputed.Canonical();
        var cid = await offChain.PutAsync(bytes, ct);
        var evidenceMatches = message.EvidenceCid == cid.V0;
        var reissue = cid.DigestHex != issued.InvoiceHash;
        var reason = reissue
            ? $"The OEM's node now computes {recomputed.Total} instead of {issued.Total} (data it had not seen when it issued); revision {message.Revision + 1} is issued."
            : $"The OEM's node computes the issued document again from the anchored readings; the dispute stands (evidence {message.EvidenceCid}{(evidenceMatches ? ", the same document" : "")}).";
        if (reissue) await run.IssueAsync(session, machine, message.Period, (ushort)(message.Revision + 1), ct);
        await InvoiceStream.AppendAsync(store, streamId, new InvoiceDisputeAnswered(streamId, message.Revision, cid.V0, reissue, evidenceMatches, reason, clock.GetUtcNow()), ct);
        logger.LogInformation("Dispute of invoice {Invoice} revision {Revision} answered: {Reason}", view.InvoiceId, message.Revision, reason);
    }
}
