using MaaS.Chain.Contracts;
using MaaS.Chain.Transactions;
using MaaS.Machines.Tests.Fixtures;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using Microsoft.AspNetCore.Http;
using Shouldly;
using MachineState = MaaS.Machines.Machines.MachineState;

namespace MaaS.Machines.Tests.Restart;

/// <summary>
/// The Machines service stopped in the middle of a lifecycle — between the two transactions of a registration, with a
/// transaction signed but never sent — and started again: the lifecycle completes, nothing is lost and nothing is sent
/// twice (one ledger row per step, and each member's nonce on chain equals its ledger rows). Retried requests carrying an
/// Idempotency-Key are answered with the operation they started.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RestartTests(ConsortiumFixture consortium) : IClassFixture<ConsortiumFixture>
{
    private TestMember Oem => consortium.Oem;

    private TestMember Customer => consortium.Customer;

    private ChainProbe Chain => consortium.Chain;

    [Fact]
    public async Task Restart_BetweenTheStepsOfOperations_CompletesTheLifecycle_LosingNothingAndSendingNothingTwice()
    {
        try
        {
            await RestartInTheMiddleOfALifecycleAsync();
        }
        finally
        {
            consortium.Relay.AllowAllTransactions();
        }
    }

    private async Task RestartInTheMiddleOfALifecycleAsync()
    {
        // Register: the first transaction reaches the node; setTerms is signed when it is mined, but cannot be sent.
        consortium.Relay.AllowTransactions(1);
        var (machineId, registration) = await consortium.RegisterAsync(Oem, Customer);
        registration.Status.ShouldBe(OperationStatus.Submitted);
        var pending = await Eventually.GetAsync(async () => await Chain.LedgerAsync($"machines/{registration.Id}/") is { Count: 2 } rows ? rows : null,
            "setTerms to be signed");
        pending[1].Status.ShouldBe(nameof(TransactionStatus.Signed));
        (await Chain.KnowsTransactionAsync(pending[1].Hash)).ShouldBeFalse("setTerms must not have reached the node before the restart");

        await consortium.RestartMachinesAsync(whileDown: () => Allow());

        var registered = await consortium.WaitForOperationAsync(Oem, registration.Id);
        registered.Steps[1].TransactionHash.ShouldBe(pending[1].Hash, "the transaction signed before the restart is the one sent after it");
        var machine = await consortium.WaitForMachineAsync(Customer, machineId, m => m.FinalState == MachineState.Registered && m.LatestTermsVersion == 1);

        // Accept: signed while the node is unreachable, the service stops before it is ever sent.
        consortium.Relay.AllowTransactions(0);
        var accept = await consortium.CommandAsync(Customer, machineId, "accept", new { termsVersion = machine.LatestTermsVersion }, idempotencyKey: "accept-after-restart");
        accept.Status.ShouldBe(OperationStatus.Submitted);
        var signed = (await Chain.LedgerAsync($"machines/{accept.Id}/")).ShouldHaveSingleItem();
        signed.Status.ShouldBe(nameof(TransactionStatus.Signed));

        await consortium.RestartMachinesAsync(whileDown: () => Allow());

        // The ERP never heard back and retries: the same operation, not a second acceptance.
        var retried = await consortium.CommandAsync(Customer, machineId, "accept", new { termsVersion = machine.LatestTermsVersion }, idempotencyKey: "accept-after-restart");
        retried.Id.ShouldBe(accept.Id);
        var accepted = await consortium.WaitForOperationAsync(Customer, accept.Id);
        accepted.Steps[0].TransactionHash.ShouldBe(signed.Hash);
        await consortium.WaitForMachineAsync(Customer, machineId, m => m.FinalState == MachineState.Accepted);

        var start = await consortium.WaitForOperationAsync(Customer, (await consortium.CommandAsync(Customer, machineId, "start")).Id);
        var final = await consortium.WaitForMachineAsync(Customer, machineId, m => m.FinalState == MachineState.Executed);

        final.History.Select(h => h.Event).ShouldBe(["MachineRegistered", "TermsProposed", "MachineAccepted", "MachineStarted"]);
        foreach (var operation in new[] { registered, accepted, start }) await ShouldHaveOneTransactionPerStepAsync(operation);
        foreach (var member in new[] { Oem, Customer })
            (await Chain.NonceAsync(member.Account)).ShouldBe(await Chain.LedgerCountAsync(member.Account), $"{member.Name}: every transaction on chain is in the ledger once");
    }

    [Fact]
    public async Task RetriedPost_WithTheSameIdempotencyKey_ReturnsTheSameOperation_AndSendsNothingTwice()
    {
        var oemNonce = await Chain.NonceAsync(Oem.Account);
        var body = ConsortiumFixture.NewMachine(Customer);
        using var first = await consortium.As(Oem).PostJsonAsync("/api/machines", body, idempotencyKey: "register-once");
        var registration = await first.ReadAsync<OperationView>(System.Net.HttpStatusCode.Accepted);
        using var again = await consortium.As(Oem).PostJsonAsync("/api/machines", body, idempotencyKey: "register-once");
        (await again.ReadAsync<OperationView>(System.Net.HttpStatusCode.Accepted)).Id.ShouldBe(registration.Id);
        var registered = await consortium.WaitForOperationAsync(Oem, registration.Id);
        using var late = await consortium.As(Oem).PostJsonAsync("/api/machines", body, idempotencyKey: "register-once");
        (await late.ReadAsync<OperationView>(System.Net.HttpStatusCode.Accepted)).Id.ShouldBe(registration.Id);
        await ShouldHaveOneTransactionPerStepAsync(registered);
        (await Chain.NonceAsync(Oem.Account)).ShouldBe(oemNonce + 2);

        var machineId = Guid.Parse(registration.Subject);
        var machine = await consortium.WaitForMachineAsync(Customer, machineId, m => m.FinalState == MachineState.Registered && m.LatestTermsVersion is not null);
        await consortium.WaitForOperationAsync(Customer, (await consortium.CommandAsync(Customer, machineId, "accept", new { termsVersion = machine.LatestTermsVersion })).Id);
        await consortium.WaitForMachineAsync(Customer, machineId, m => m.State == MachineState.Accepted);

        // Two identical requests at once, then the same request again once the machine runs (its state no longer allows a start).
        var customerNonce = await Chain.NonceAsync(Customer.Account);
        var racing = await Task.WhenAll(
            consortium.CommandAsync(Customer, machineId, "start", idempotencyKey: "start-once"),
            consortium.CommandAsync(Customer, machineId, "start", idempotencyKey: "start-once"));
        racing[1].Id.ShouldBe(racing[0].Id);
        var started = await consortium.WaitForOperationAsync(Customer, racing[0].Id);
        await consortium.WaitForMachineAsync(Customer, machineId, m => m.FinalState == MachineState.Executed);
        (await consortium.CommandAsync(Customer, machineId, "start", idempotencyKey: "start-once")).Id.ShouldBe(started.Id);

        await ShouldHaveOneTransactionPerStepAsync(started);
        (await Chain.NonceAsync(Customer.Account)).ShouldBe(customerNonce + 1);
        (await consortium.GetMachineAsync(Customer, machineId)).Machine.History.Count(h => h.Event == "MachineStarted").ShouldBe(1);
    }

    [Fact]
    public async Task RetriedCommand_AfterTheServiceSentItsTransactionButStoppedBeforeRecordingIt_ReusesThatTransaction()
    {
        var machineId = await consortium.ProvisionAsync(Customer, MachineState.Accepted);

        // What a crash right after sending leaves behind: the transaction under the operation's key, and no operation.
        var path = $"/api/machines/{machineId}/start";
        var operationId = OperationIdOf(Customer, path, "start-before-crash");
        var key = $"machines/{operationId}/0";
        await Chain.Writer.SendAsync(Chain.Registry.Start(key, Customer.Account, Bytes32.FromGuid(machineId)));
        var sent = await Chain.Writer.WaitAsync(key);
        await consortium.WaitForMachineAsync(Customer, machineId, m => m.State == MachineState.Executed);

        var resumed = await consortium.CommandAsync(Customer, machineId, "start", idempotencyKey: "start-before-crash");
        resumed.Id.ShouldBe(operationId);
        var started = await consortium.WaitForOperationAsync(Customer, operationId);
        started.Steps.ShouldHaveSingleItem().TransactionHash.ShouldBe(sent.Hash);
        (await consortium.GetMachineAsync(Customer, machineId)).Machine.Operations.ShouldContain(operationId);
        await ShouldHaveOneTransactionPerStepAsync(started);
        (await Chain.NonceAsync(Customer.Account)).ShouldBe(await Chain.LedgerCountAsync(Customer.Account));
    }

    private Task Allow()
    {
        consortium.Relay.AllowAllTransactions();
        return Task.CompletedTask;
    }

    /// <summary>Exactly one ledger row per step, under the operation's keys, final, and the one the operation names.</summary>
    private async Task ShouldHaveOneTransactionPerStepAsync(OperationView operation)
    {
        var rows = await Chain.LedgerAsync($"machines/{operation.Id}/");
        rows.Select(r => r.Key).ShouldBe(operation.Steps.Select((_, i) => $"machines/{operation.Id}/{i}"), $"operation {operation.Kind}");
        rows.Select(r => r.Hash).ShouldBe(operation.Steps.Select(s => s.TransactionHash!));
        rows.ShouldAllBe(r => r.Status == nameof(TransactionStatus.Final));
    }

    /// <summary>The operation id the service derives from a request's Idempotency-Key (as the gateway forwards the request).</summary>
    private static Guid OperationIdOf(TestMember member, string path, string idempotencyKey)
    {
        var http = new DefaultHttpContext();
        http.Request.Path = path;
        http.Request.Headers["Idempotency-Key"] = idempotencyKey;
        return http.OperationId(new MemberIdentity(member.MemberId, member.Name, ServiceDefaults.Identity.MemberRoles.Customer, member.Account, KeyScope.Write));
    }
}
