using MaaS.Invoicing.Invoices;
using MaaS.Invoicing.Invoices.Issuing;
using MaaS.Invoicing.Tests.Support;
using MaaS.Testing;
using Marten;
using Marten.Services;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace MaaS.Invoicing.Tests;

/// <summary>
/// Forces the interleaving of docs/invoicing.md §9 through Marten's session listeners (no hook in the service): the run's
/// session, which records <see cref="InvoiceComputed"/> right after sending <c>issueInvoice</c>, has read the invoice stream
/// and computed its inline snapshot, and is held just before it writes until the chain follower has committed the
/// <see cref="InvoiceIssuedOnChain"/> facts to the same stream; the follower's session, in turn, is held until the run's
/// session is at that point (so the follower cannot commit before the run read the stream). Only the first session of
/// each side for the watched stream is held.
/// </summary>
public sealed class IssueFollowerInterleaving : DocumentSessionListenerBase
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly TaskCompletionSource runAboutToWrite = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource followerCommitted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Guid? watched;
    private int runSaves;
    private int followerHeld;

    public void Watch(Guid stream) => watched = stream;

    /// <summary>How many sessions tried to write the run's <see cref="InvoiceComputed"/> to the watched stream.</summary>
    public int RunSaves => Volatile.Read(ref runSaves);

    /// <summary>Set when a wait passed its deadline (the interleaving was then not the one forced).</summary>
    public string? Problem { get; private set; }

    public override async Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        if (watched is not { } stream) return;
        var events = session.PendingChanges.Streams().Where(s => s.Id == stream).SelectMany(s => s.Events).Select(e => e.Data).ToList();
        if (events.OfType<InvoiceComputed>().Any())
        {
            if (Interlocked.Increment(ref runSaves) > 1) return;
            runAboutToWrite.TrySetResult();
            await WaitAsync(followerCommitted.Task, "the follower's commit of the InvoiceIssued facts", token);
        }
        else if (events.OfType<InvoiceIssuedOnChain>().Any() && Interlocked.Exchange(ref followerHeld, 1) == 0)
        {
            await WaitAsync(runAboutToWrite.Task, "the run's session to be about to write", token);
        }
    }

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        if (watched is { } stream && commit.GetEvents().Any(e => e.Data is InvoiceIssuedOnChain { Final: true } issued && issued.StreamId == stream))
            followerCommitted.TrySetResult();
        return Task.CompletedTask;
    }

    private async Task WaitAsync(Task condition, string what, CancellationToken token)
    {
        try
        {
            await condition.WaitAsync(Deadline, token);
        }
        catch (TimeoutException)
        {
            Problem = $"waited {Deadline.TotalSeconds} s for {what}";
        }
    }
}

public sealed class IssueFollowerRaceFixture : WorldFixture
{
    public IssueFollowerInterleaving Interleaving { get; } = new();

    protected override string Purpose => "invoicingrace";

    protected override void ConfigureInvoicing(IServiceCollection services) => services.ConfigureMarten(o => o.Listeners.Add(Interleaving));
}

/// <summary>The run and the chain follower appending to one invoice stream at the same moment (docs/invoicing.md §9).</summary>
[Trait("Category", "Integration")]
public sealed class IssueFollowerRaceTests(IssueFollowerRaceFixture fixture) : IClassFixture<IssueFollowerRaceFixture>
{
    private InvoicingWorld World => fixture.World;

    [Fact]
    public async Task TheFollowerCommittingTheIssueBetweenTheRunsReadAndWrite_MakesTheRunRetry_AndTheInvoiceStaysIssued()
    {
        // A customer whose key the deployment does not hold: nobody decides the invoice, so Issued is the state to end in.
        var machine = await World.MachineAsync(World.Oem, customer: World.ForeignCustomer);
        var stream = InvoiceIds.StreamOf(machine.Id, 0);
        fixture.Interleaving.Watch(stream);

        var store = World.Invoicing.Services.GetRequiredService<IDocumentStore>();
        var events = await Eventually.GetAsync(async () =>
        {
            await using var session = store.QuerySession();
            var all = await session.Events.FetchStreamAsync(stream);
            return all.Any(e => e.Data is InvoiceComputed) ? all.Select(e => e.Data).ToList() : null;
        }, "the run's InvoiceComputed to be recorded", TimeSpan.FromSeconds(120));

        fixture.Interleaving.Problem.ShouldBeNull();
        // The follower's facts came first, the run's intent after them.
        events.Select(e => e.GetType().Name).ShouldBe([nameof(InvoiceIssuedOnChain), nameof(InvoiceIssuedOnChain), nameof(InvoiceComputed)]);
        events.OfType<InvoiceIssuedOnChain>().Last().Final.ShouldBeTrue();

        // The snapshot the run's first session computed (no facts: Computed) was not written over the follower's.
        await using (var session = store.QuerySession())
        {
            var snapshot = await session.LoadAsync<InvoiceView>(stream);
            snapshot.ShouldNotBeNull();
            snapshot.State.ShouldBe(InvoiceState.Issued);
            snapshot.Final.ShouldBeTrue();
            snapshot.Operations.ShouldBe([InvoicingRun.OperationIdFor(machine.Id, 0, 0)]);
        }
        // Because that first write lost on the stream's version and the run wrote again on top of the facts.
        fixture.Interleaving.RunSaves.ShouldBe(2);
        var view = await World.InvoiceAsync(World.Oem, machine.Id, 0, _ => true);
        view.State.ShouldBe(InvoiceState.Issued);
        view.Final.ShouldBeTrue();
    }
}
