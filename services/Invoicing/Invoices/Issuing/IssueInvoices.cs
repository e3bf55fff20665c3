using System.Security.Cryptography;
using System.Text;
using MaaS.Chain.Contracts;
using MaaS.Chain.Transactions;
using MaaS.Invoicing.Machines;
using MaaS.OffChain;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Marten;
using Microsoft.Extensions.Options;

namespace MaaS.Invoicing.Invoices.Issuing;

/// <summary>
/// The OEM's invoicing run: for every machine whose OEM's key this deployment holds, each ended period is invoiced once its
/// grace and settle time have passed on the chain's clock — periods without telemetry too (the base fee), up to the period
/// of the machine's termination (the final invoice). Computing is deterministic and issuing idempotent (the operation id
/// follows from machine, period and revision), so a restart or a second instance never issues twice.
/// </summary>
public sealed class InvoicingRun(IServiceProvider services, IOptions<InvoicingOptions> options, TimeProvider clock, ILogger<InvoicingRun> logger) : BackgroundService
{
    // Resolved on first use: the contracts come from the deployment file, which a service configured for another chain
    // refuses; that must make it not ready, not crash its start.
    private IDocumentStore store => services.GetRequiredService<IDocumentStore>();
    private BillingFacts facts => services.GetRequiredService<BillingFacts>();
    private OperationRunner operations => services.GetRequiredService<OperationRunner>();
    private IInvoicingContract invoicing => services.GetRequiredService<IInvoicingContract>();
    private IOffChainStore offChain => services.GetRequiredService<IOffChainStore>();
    private ISigningKeys keys => services.GetRequiredService<ISigningKeys>();
    private MachineInvoicingLock locks => services.GetRequiredService<MachineInvoicingLock>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Invoicing run failed; retrying");
            }
            await Task.Delay(options.Value.PollInterval, stoppingToken);
        }
    }

    public async Task RunOnceAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var machines = await session.Query<BilledMachine>().ToListAsync(ct);
        logger.LogDebug("Invoicing run: {Machines} machines known, {Accepted} with accepted terms", machines.Count, machines.Count(m => m.Accepted));
        foreach (var machine in machines.Where(m => m.Accepted && m.Oem.Length > 0))
        {
            if (await keys.FindAsync(machine.Oem, ct) is null) continue;
            try
            {
                await InvoiceDuePeriodsAsync(session, machine, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One machine's trouble (terms that do not parse, a batch that does not verify) must not stop the others.
                logger.LogWarning(ex, "Invoicing machine {Machine} failed; retrying", machine.Id);
            }
        }
    }

    private async Task InvoiceDuePeriodsAsync(IQuerySession session, BilledMachine machine, CancellationToken ct)
    {
        if (await facts.ScheduleAsync(machine.Id, ct) is not { } schedule) return;
        if (await DuePeriodAsync(session, machine, schedule, ct) is null) return;
        // Not while a dispute answer of this machine computes (docs/invoicing.md §3): read again once the lock is held.
        await using var held = await locks.AcquireAsync(machine.Id, ct);
        if (await DuePeriodAsync(session, machine, schedule, ct) is not { } next) return;
        // The next period's "billed elsewhere" set must include every correction of an earlier period, and the customer
        // recomputes it from the chain: wait until each earlier revision this node computed is on chain and each dispute of
        // one is answered (a re-issue with a late batch then bills it there, and this period leaves it out).
        var earlier = await session.Query<InvoiceView>().Where(i => i.MachineId == machine.Id && i.Period < next).ToListAsync(ct);
        if (earlier.FirstOrDefault(i => i.AwaitsIssue() || AwaitsAnswer(i)) is { } unsettled)
        {
            logger.LogDebug("Machine {Machine}: period {Period} waits for invoice {Invoice} ({State}, revision {Revision} computed)",
                machine.Id, next, unsettled.InvoiceId, unsettled.State, unsettled.ComputedRevision);
            return;
        }
        await IssueAsync(session, machine, next, 0, ct);
    }

    /// <summary>The next period to invoice if it is due on the chain's clock, one period per pass (its set of readings billed elsewhere includes this one's document).</summary>
    private async Task<uint?> DuePeriodAsync(IQuerySession session, BilledMachine machine, (long EpochSeconds, uint BillingPeriodSeconds) schedule, CancellationToken ct)
    {
        var last = await facts.LastPeriodAsync(machine, schedule.EpochSeconds, schedule.BillingPeriodSeconds, ct);
        var invoiced = await session.Query<InvoiceView>().Where(i => i.MachineId == machine.Id).Select(i => i.Period).ToListAsync(ct);
        var next = invoiced.Count == 0 ? 0u : invoiced.Max() + 1;
        if (last is { } final && next > final) return null;
        var now = await facts.ChainNowSecondsAsync(clock);
        var wait = (long)(options.Value.Grace + options.Value.Settle).TotalSeconds;
        var due = schedule.EpochSeconds + ((next + 1L) * schedule.BillingPeriodSeconds) + wait;
        logger.LogDebug("Machine {Machine}: next period {Period} due at {Due}, chain time {Now}", machine.Id, next, due, now);
        return now < due ? null : next;
    }

    /// <summary>The latest revision is disputed and this node (which answers disputes) has not answered it yet.</summary>
    private bool AwaitsAnswer(InvoiceView invoice) =>
        options.Value.AnswerDisputes && invoice.State == InvoiceState.Disputed && invoice.LastDisputeAnswer?.Revision != invoice.OnChain()?.Revision;

    /// <summary>
    /// Computes the document of <paramref name="period"/>, stores it off-chain and issues it (revision <paramref name="revision"/>).
    /// The caller holds the machine's <see cref="MachineInvoicingLock"/>.
    /// </summary>
    public async Task<OperationView> IssueAsync(IQuerySession session, BilledMachine machine, uint period, ushort revision, CancellationToken ct)
    {
        var oem = Acting.As(machine.Oem, MaaS.ServiceDefaults.Identity.MemberRoles.Oem);
        var inputs = await facts.GatherAsync(session, machine, period, oem, onChainOnly: false, ct);
        var document = inputs.Compute();
        var bytes = document.Canonical();
        var cid = await offChain.PutAsync(bytes, ct);
        var operationId = OperationIdFor(machine.Id, period, revision);
        var streamId = InvoiceIds.StreamOf(machine.Id, period);
        var id = Bytes32.FromGuid(machine.Id);
        logger.LogInformation("Issuing invoice {Invoice} revision {Revision}: total {Total} {Currency} over {Batches} batches ({Cid})",
            InvoiceIds.For(machine.Id, period), revision, document.Total, document.Currency, document.Inputs.Count, cid.V0);
        return await operations.StartAsync(operationId, "issue-invoice", oem, InvoiceIds.For(machine.Id, period),
            [new OperationStep("issueInvoice", oem.Account, invoicing.Address, invoicing.IssueInvoice("", oem.Account, id, period, document.Total,
                cid.ToDigestBytes(), Convert.FromHexString(document.InputsRoot), inputs.Basis.TermsVersion).Data)],
            async (s, token) =>
            {
                // With the stream's version expected: the follower may record the InvoiceIssued log at this very moment (the
                // transaction is already sent), and a plain append would let this session's inline snapshot, computed without
                // that fact, overwrite the follower's (the invoice then stayed "Computed" forever). The loser retries.
                var invoice = await s.Events.FetchForWriting<InvoiceView>(streamId, token);
                invoice.AppendOne(new InvoiceComputed(streamId, machine.Id, period, revision, cid.V0, document.Total, document.InputsRoot, operationId, clock.GetUtcNow()));
            }, ct);
    }

    public static Guid OperationIdFor(Guid machine, uint period, ushort revision) => Derived($"issue-invoice/{InvoiceIds.For(machine, period)}/{revision}");

    public static Guid Derived(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16));
    }
}

/// <summary>The identity this deployment acts as for a member whose key it holds (the run has no caller).</summary>
public static class Acting
{
    public static MemberIdentity As(string account, MaaS.ServiceDefaults.Identity.MemberRoles roles) =>
        new(MemberIds.For(account), "invoicing", roles, account.ToLowerInvariant(), KeyScope.Write);
}
