using System.Net;
using MaaS.Machines.Machines;
using MaaS.Machines.Tests.Fixtures;
using MaaS.OffChain;
using MaaS.ServiceDefaults.ChainFacts;
using MaaS.ServiceDefaults.Operations;
using Shouldly;

namespace MaaS.Machines.Tests.Lifecycle;

/// <summary>The paper's Figure 3 and termination, driven through the gateway as an ERP would, with real API keys.</summary>
[Trait("Category", "Integration")]
public sealed class MachineLifecycleTests(ConsortiumFixture consortium) : IClassFixture<ConsortiumFixture>
{
    [Fact]
    public async Task FullLifecycle_ThroughTheGateway_IsDrivenByTheChainAndRecordedWithItsTransactions()
    {
        var (oem, customer) = (consortium.Oem, consortium.Customer);
        var spec = ConsortiumFixture.SpecDocument(ConsortiumFixture.Model);

        // Register: 202 with the operation's location; the operation goes Submitted → Mined → Final.
        using var response = await consortium.As(oem).PostJsonAsync("/api/machines", ConsortiumFixture.NewMachine(customer, spec: spec));
        var registration = await response.ReadAsync<OperationView>(HttpStatusCode.Accepted);
        (response.Headers.Location?.ToString()).ShouldBe($"/api/machines/operations/{registration.Id}");
        registration.Kind.ShouldBe("register-machine");
        registration.Status.ShouldBe(OperationStatus.Submitted);
        registration.Steps.Select(s => s.Name).ShouldBe(["register", "setTerms"]);
        var machineId = Guid.Parse(registration.Subject);

        // Seeded with the 202's status: under load the first poll can come after the block that mined it.
        var seen = await TraceAsync(registration.Id, registration.Status);
        // In this order; Mined can fall between two polls when other suites mine on the shared chain.
        seen.ShouldBeSubsetOf([OperationStatus.Submitted, OperationStatus.Mined, OperationStatus.Final]);
        seen.ShouldBe(seen.OrderBy(s => (int)s).ToList());
        (seen[0], seen[^1]).ShouldBe((OperationStatus.Submitted, OperationStatus.Final));
        var registered = await consortium.WaitForOperationAsync(oem, registration.Id);
        foreach (var step in registered.Steps)
        {
            step.TransactionHash.ShouldNotBeNull().ShouldMatch("^0x[0-9a-f]{64}$");
            step.Block.ShouldNotBeNull().ShouldBeGreaterThan(0);
            step.GasUsed.ShouldNotBeNull().ShouldBeGreaterThan(21_000);
            step.MinedAt.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(step.SubmittedAt.ShouldNotBeNull());
            step.FinalAt.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(step.MinedAt.Value);
        }

        // The machine as the customer sees it: parties, spec CID of the uploaded document, terms version 1, ETag.
        var machine = await consortium.WaitForMachineAsync(customer, machineId, m => m.FinalState == MachineState.Registered && m.LatestTermsVersion is not null);
        machine.State.ShouldBe(MachineState.Registered);
        machine.Oem.ShouldBe(oem.Account);
        machine.OemId.ShouldBe(oem.MemberId);
        machine.Customer.ShouldBe(customer.Account);
        machine.CustomerId.ShouldBe(customer.MemberId);
        machine.Model.ShouldBe(ConsortiumFixture.Model);
        machine.Region.ShouldBe(ConsortiumFixture.Region);
        machine.SpecCid.ShouldBe(Cid.Compute(spec).V0);
        machine.LatestTermsVersion.ShouldBe(1u);
        machine.Operations.ShouldContain(registration.Id);
        var offChain = new EmbeddedOffChainStore(consortium.Environment.OffChainDirectory);
        (await offChain.GetAsync(Cid.Parse(machine.SpecCid))).ShouldBe(spec);
        var termsCid = Cid.Parse(machine.TermsCid.ShouldNotBeNull());
        machine.TermsHash.ShouldBe("0x" + Convert.ToHexStringLower(termsCid.ToDigestBytes()), "the terms hash on chain is the digest of the stored terms");
        System.Text.Json.JsonDocument.Parse(await offChain.GetAsync(termsCid)).RootElement.GetProperty("currency").GetString().ShouldBe("EUR");

        // Accept with the terms version read from the machine, on the version just read (If-Match).
        var (_, etag) = await consortium.GetMachineAsync(customer, machineId);
        etag.ShouldMatch("^\"[0-9]+\"$");
        var accept = await consortium.CommandAsync(customer, machineId, "accept", new { termsVersion = machine.LatestTermsVersion }, ifMatch: etag);
        await consortium.WaitForOperationAsync(customer, accept.Id);
        await consortium.WaitForMachineAsync(customer, machineId, m => m.FinalState == MachineState.Accepted && m.AcceptedTermsVersion == 1);
        var acceptedAt = DateTimeOffset.UtcNow;

        var operations = new List<OperationView> { registered, await consortium.WaitForOperationAsync(customer, accept.Id) };
        foreach (var (member, command, state) in new[]
        {
            (customer, "start", MachineState.Executed), (customer, "stop", MachineState.Stopped), (oem, "reset", MachineState.Accepted),
            (customer, "start", MachineState.Executed),
        })
        {
            var operation = await consortium.CommandAsync(member, machineId, command);
            operations.Add(await consortium.WaitForOperationAsync(member, operation.Id));
            await consortium.WaitForMachineAsync(customer, machineId, m => m.FinalState == state, $"machine {machineId} to be {state} after {command}");
        }

        // Termination needs both parties: the first request only records it.
        operations.Add(await consortium.WaitForOperationAsync(customer, (await consortium.CommandAsync(customer, machineId, "termination")).Id));
        var requested = await consortium.WaitForMachineAsync(customer, machineId, m => m.TerminationRequestedBy.Count == 1 && m.History.All(h => h.Status == FactStatus.Final));
        requested.TerminationRequestedBy.ShouldBe([customer.Account]);
        requested.State.ShouldBe(MachineState.Executed);
        operations.Add(await consortium.WaitForOperationAsync(oem, (await consortium.CommandAsync(oem, machineId, "termination")).Id));
        var terminated = await consortium.WaitForMachineAsync(oem, machineId, m => m.FinalState == MachineState.Terminated);
        terminated.State.ShouldBe(MachineState.Terminated);

        // The history is the chain's: one entry per event, in chain order, each with the transaction that caused it.
        var (final, finalTag) = await consortium.GetMachineAsync(customer, machineId);
        finalTag.ShouldNotBe(etag);
        final.History.Select(h => h.Event).ShouldBe([
            "MachineRegistered", "TermsProposed", "MachineAccepted", "MachineStarted", "MachineStopped", "MachineReset", "MachineStarted",
            "TerminationRequested", "MachineTerminated",
        ]);
        final.History.ShouldAllBe(h => h.Status == FactStatus.Final);
        final.History.Select(h => h.TransactionHash).ShouldBe(operations.SelectMany(o => o.Steps).Select(s => s.TransactionHash!));
        final.Operations.ShouldBe(operations.Select(o => o.Id), ignoreOrder: true);

        // The past, from the machine's event stream: accepted, before it was ever started.
        var then = await consortium.As(customer).GetAsync<MachineDetails>($"/api/machines/{machineId}/at?time={Uri.EscapeDataString(acceptedAt.UtcDateTime.ToString("O"))}");
        then.State.ShouldBe(MachineState.Accepted);
        then.FinalState.ShouldBe(MachineState.Accepted);
        then.History.Select(h => h.Event).ShouldBe(["MachineRegistered", "TermsProposed", "MachineAccepted"]);
    }

    [Fact]
    public async Task StateAt_BeforeTheMachineExisted_Is404()
    {
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);
        var machineId = await consortium.ProvisionAsync(consortium.Customer);
        using var response = await consortium.As(consortium.Customer).GetAsync($"/api/machines/{machineId}/at?time={Uri.EscapeDataString(before.UtcDateTime.ToString("O"))}");
        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    /// <summary>
    /// The operation's statuses in the order they were seen, polling without mining until it is mined, then mining the
    /// blocks its finality needs (<see cref="ConsortiumFixture.Confirmations"/> on top).
    /// </summary>
    private async Task<List<OperationStatus>> TraceAsync(Guid operationId, OperationStatus answered)
    {
        var seen = new List<OperationStatus> { answered };
        await Eventually.TrueAsync(async () =>
        {
            var operation = await consortium.As(consortium.Oem).GetAsync<OperationView>($"/api/machines/operations/{operationId}");
            if (seen.Count == 0 || seen[^1] != operation.Status) seen.Add(operation.Status);
            if (operation.Status == OperationStatus.Failed) throw new OperationFailedException(operation);
            if (operation.Status == OperationStatus.Mined) await consortium.Chain.MineAsync(ConsortiumFixture.Confirmations);
            return operation.Status == OperationStatus.Final;
        }, $"operation {operationId} to be final", TimeSpan.FromSeconds(90));
        return seen;
    }
}
