using System.Net;
using MaaS.Chain.Contracts;
using MaaS.Chain.Transactions;
using MaaS.Machines.Tests.Fixtures;
using Shouldly;
using MachineState = MaaS.Machines.Machines.MachineState;

namespace MaaS.Machines.Tests.Lifecycle;

/// <summary>
/// Every transition the service refuses: a wrong role is 403 and a wrong state 409 before anything is sent (the
/// caller's nonce and ledger do not move), a stale If-Match is 412. And the contract refuses the same transaction on
/// its own: sent anyway with the member's key, without simulation, it is mined as failed with the custom error.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RefusedTransitionTests(ConsortiumFixture consortium) : IClassFixture<ConsortiumFixture>
{
    private TestMember Oem => consortium.Oem;

    private TestMember Customer => consortium.Customer;

    private IMachineRegistry Registry => consortium.Chain.Registry;

    [Fact]
    public async Task Accept_ByTheOem_Is403BeforeAnyTransaction_AndTheContractRefusesItWithNotCustomer()
    {
        var machineId = await consortium.ProvisionAsync(Customer, MachineState.Registered);
        await RefusedBeforeSendingAsync(Oem, machineId, "accept", new { termsVersion = 1 }, HttpStatusCode.Forbidden, "forbidden");
        await ContractRefusesAsync(Registry.Accept("", Oem.Account, Bytes32.FromGuid(machineId), 1), "NotCustomer");
    }

    [Fact]
    public async Task Start_ByTheOem_Is403BeforeAnyTransaction_AndTheContractRefusesItWithNotCustomer()
    {
        var machineId = await consortium.ProvisionAsync(Customer, MachineState.Accepted);
        await RefusedBeforeSendingAsync(Oem, machineId, "start", null, HttpStatusCode.Forbidden, "forbidden");
        await ContractRefusesAsync(Registry.Start("", Oem.Account, Bytes32.FromGuid(machineId)), "NotCustomer");
    }

    [Fact]
    public async Task Stop_ByAnAccreditedMaintainer_Is403BeforeAnyTransaction_AndTheContractRefusesItWithNotParty()
    {
        var machineId = await consortium.ProvisionAsync(Customer, MachineState.Executed);
        // The maintainer may see the machine (its OEM accredited it for the model), but is no party to the rental.
        await consortium.GetMachineAsync(consortium.Maintainer, machineId);
        await RefusedBeforeSendingAsync(consortium.Maintainer, machineId, "stop", null, HttpStatusCode.Forbidden, "forbidden");
        await ContractRefusesAsync(Registry.Stop("", consortium.Maintainer.Account, Bytes32.FromGuid(machineId)), "NotParty");
    }

    [Fact]
    public async Task RequestTermination_ByAnAccreditedMaintainer_Is403BeforeAnyTransaction_AndTheContractRefusesItWithNotParty()
    {
        var machineId = await consortium.ProvisionAsync(Customer, MachineState.Accepted);
        await RefusedBeforeSendingAsync(consortium.Maintainer, machineId, "termination", null, HttpStatusCode.Forbidden, "forbidden");
        await ContractRefusesAsync(Registry.RequestTermination("", consortium.Maintainer.Account, Bytes32.FromGuid(machineId)), "NotParty");
    }

    [Fact]
    public async Task Start_ByAnotherCustomer_Is404BeforeAnyTransaction_AndTheContractRefusesItWithNotCustomer()
    {
        var machineId = await consortium.ProvisionAsync(Customer, MachineState.Accepted);
        await RefusedBeforeSendingAsync(consortium.OtherCustomer, machineId, "start", null, HttpStatusCode.NotFound, "not-found");
        await ContractRefusesAsync(Registry.Start("", consortium.OtherCustomer.Account, Bytes32.FromGuid(machineId)), "NotCustomer");
    }

    [Fact]
    public async Task Register_ByACustomer_Is403BeforeAnyTransaction_AndTheContractRefusesItWithNotOEMMember()
    {
        var machineId = Guid.CreateVersion7();
        await NothingSentAsync(Customer, async () =>
        {
            using var response = await consortium.As(Customer).PostJsonAsync("/api/machines", ConsortiumFixture.NewMachine(consortium.OtherCustomer, machineId: machineId));
            await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        });
        using (var lookup = await consortium.As(consortium.Operator).GetAsync($"/api/machines/{machineId}"))
            await lookup.ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var registration = new MachineRegistration(Bytes32.FromGuid(machineId), consortium.OtherCustomer.Account, Bytes32.FromAscii(ConsortiumFixture.Model),
            ConsortiumFixture.Region, Digest(1), Nethereum.Signer.EthECKey.GenerateKey().GetPublicAddress(), 60, Digest(2));
        await ContractRefusesAsync(Registry.Register("", Customer.Account, registration), "NotOEMMember");
    }

    [Fact]
    public async Task Invite_ByAnOem_Is403BeforeAnyTransaction_AndTheContractRefusesItWithNotOperator()
    {
        await NothingSentAsync(Oem, async () =>
        {
            using var response = await consortium.As(Oem).PostJsonAsync("/api/machines/members/invitations", new { name = "Intruder Inc", roles = new[] { "oem" } });
            await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        });
        var inviteId = Nethereum.Signer.EthECKey.GenerateKey().GetPublicAddress();
        await ContractRefusesAsync(consortium.Chain.Consortium.CreateInvitation("", Oem.Account, inviteId, MemberRoles.Oem, DateTimeOffset.UtcNow.AddDays(3)), "NotOperator");
    }

    [Fact]
    public async Task Accredit_ByACustomer_Is403BeforeAnyTransaction_AndTheContractRefusesItWithNotOEM()
    {
        await NothingSentAsync(Customer, async () =>
        {
            using var response = await consortium.As(Customer).PostJsonAsync("/api/machines/accreditations",
                new { maintainerId = consortium.Maintainer.MemberId, model = "LATHE-2" });
            await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        });
        await ContractRefusesAsync(consortium.Chain.Consortium.Accredit("", Customer.Account, Bytes32.FromAscii("LATHE-2"), Regions.All, consortium.Maintainer.Account), "NotOEM");
    }

    [Fact]
    public async Task Start_BeforeAcceptance_Is409BeforeAnyTransaction_AndTheContractRefusesItWithInvalidMachineState()
    {
        var machineId = await consortium.ProvisionAsync(Customer, MachineState.Registered);
        await RefusedBeforeSendingAsync(Customer, machineId, "start", null, HttpStatusCode.Conflict, "invalid-state");
        await ContractRefusesAsync(Registry.Start("", Customer.Account, Bytes32.FromGuid(machineId)), "InvalidMachineState");
    }

    [Fact]
    public async Task Accept_Twice_Is409BeforeAnyTransaction_AndTheContractRefusesItWithInvalidMachineState()
    {
        var machineId = await consortium.ProvisionAsync(Customer, MachineState.Accepted);
        await RefusedBeforeSendingAsync(Customer, machineId, "accept", new { termsVersion = 1 }, HttpStatusCode.Conflict, "invalid-state");
        await ContractRefusesAsync(Registry.Accept("", Customer.Account, Bytes32.FromGuid(machineId), 1), "InvalidMachineState");
    }

    [Fact]
    public async Task Stop_WhenNotRunning_Is409BeforeAnyTransaction_AndTheContractRefusesItWithInvalidMachineState()
    {
        var machineId = await consortium.ProvisionAsync(Customer, MachineState.Accepted);
        await RefusedBeforeSendingAsync(Oem, machineId, "stop", null, HttpStatusCode.Conflict, "invalid-state");
        await ContractRefusesAsync(Registry.Stop("", Oem.Account, Bytes32.FromGuid(machineId)), "InvalidMachineState");
    }

    [Fact]
    public async Task Reset_WhileRunning_Is409BeforeAnyTransaction_AndTheContractRefusesItWithInvalidMachineState()
    {
        var machineId = await consortium.ProvisionAsync(Customer, MachineState.Executed);
        await RefusedBeforeSendingAsync(Customer, machineId, "reset", null, HttpStatusCode.Conflict, "invalid-state");
        await ContractRefusesAsync(Registry.ResetMachineState("", Customer.Account, Bytes32.FromGuid(machineId)), "InvalidMachineState");
    }

    [Fact]
    public async Task RequestTermination_TwiceByTheSameParty_Is409BeforeAnyTransaction_AndTheContractRefusesItWithTerminationAlreadyRequested()
    {
        var machineId = await consortium.ProvisionAsync(Customer, MachineState.Accepted);
        await consortium.WaitForOperationAsync(Customer, (await consortium.CommandAsync(Customer, machineId, "termination")).Id);
        await consortium.WaitForMachineAsync(Customer, machineId, m => m.TerminationRequestedBy.Count == 1);
        await RefusedBeforeSendingAsync(Customer, machineId, "termination", null, HttpStatusCode.Conflict, "termination-already-requested");
        await ContractRefusesAsync(Registry.RequestTermination("", Customer.Account, Bytes32.FromGuid(machineId)), "TerminationAlreadyRequested");
    }

    [Fact]
    public async Task Start_AfterTermination_Is409BeforeAnyTransaction_AndTheContractRefusesItWithInvalidMachineState()
    {
        // A registered machine is terminated at once by either party (the customer refuses it).
        var machineId = await consortium.ProvisionAsync(Customer, MachineState.Registered);
        await consortium.WaitForOperationAsync(Customer, (await consortium.CommandAsync(Customer, machineId, "termination")).Id);
        await consortium.WaitForMachineAsync(Customer, machineId, m => m.State == MachineState.Terminated);
        await RefusedBeforeSendingAsync(Customer, machineId, "accept", new { termsVersion = 1 }, HttpStatusCode.Conflict, "invalid-state");
        await RefusedBeforeSendingAsync(Oem, machineId, "termination", null, HttpStatusCode.Conflict, "invalid-state");
        await ContractRefusesAsync(Registry.Accept("", Customer.Account, Bytes32.FromGuid(machineId), 1), "InvalidMachineState");
        await ContractRefusesAsync(Registry.RequestTermination("", Oem.Account, Bytes32.FromGuid(machineId)), "InvalidMachineState");
    }

    [Fact]
    public async Task Accept_OfTermsOtherThanTheLatest_IsRefusedByTheSimulation_409WithTheRevert_AndSendsNothing()
    {
        var machineId = await consortium.ProvisionAsync(Customer, MachineState.Registered);
        await NothingSentAsync(Customer, async () =>
        {
            using var response = await consortium.As(Customer).PostJsonAsync($"/api/machines/{machineId}/accept", new { termsVersion = 7 });
            var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "contract-refused");
            problem.GetProperty("revert").GetString().ShouldBe("StaleTermsVersion");
        });
        (await consortium.GetMachineAsync(Customer, machineId)).Machine.Operations.Count.ShouldBe(1, "only the registration");
        await ContractRefusesAsync(Registry.Accept("", Customer.Account, Bytes32.FromGuid(machineId), 7), "StaleTermsVersion");
    }

    [Fact]
    public async Task Command_WithAStaleIfMatch_Is412BeforeAnyTransaction()
    {
        var machineId = await consortium.ProvisionAsync(Customer, MachineState.Registered);
        var (machine, stale) = await consortium.GetMachineAsync(Customer, machineId);
        await consortium.WaitForOperationAsync(Customer, (await consortium.CommandAsync(Customer, machineId, "accept", new { termsVersion = machine.LatestTermsVersion }, ifMatch: stale)).Id);
        var (_, current) = await consortium.GetMachineAsync(Customer, machineId);
        current.ShouldNotBe(stale);

        await RefusedBeforeSendingAsync(Customer, machineId, "start", null, HttpStatusCode.PreconditionFailed, "precondition-failed", ifMatch: stale);
        await consortium.WaitForOperationAsync(Customer, (await consortium.CommandAsync(Customer, machineId, "start", ifMatch: "*")).Id);
    }

    /// <summary>The command is refused with this status, and neither the chain nor the ledger nor the machine's operations moved.</summary>
    private async Task RefusedBeforeSendingAsync(TestMember caller, Guid machineId, string command, object? body, HttpStatusCode status, string problem, string? ifMatch = null)
    {
        var before = (await consortium.GetMachineAsync(consortium.Operator, machineId)).Machine.Operations.Count;
        await NothingSentAsync(caller, async () =>
        {
            using var response = await consortium.As(caller).PostJsonAsync($"/api/machines/{machineId}/{command}", body, ifMatch);
            await response.ShouldBeProblemAsync(status, problem);
        });
        (await consortium.GetMachineAsync(consortium.Operator, machineId)).Machine.Operations.Count.ShouldBe(before, "no operation may be recorded for a refused command");
    }

    private async Task NothingSentAsync(TestMember caller, Func<Task> act)
    {
        var nonce = await consortium.Chain.NonceAsync(caller.Account);
        var ledger = await consortium.Chain.LedgerCountAsync(caller.Account);
        await act();
        (await consortium.Chain.NonceAsync(caller.Account)).ShouldBe(nonce, "the caller's nonce on chain moved: a transaction was sent");
        (await consortium.Chain.LedgerCountAsync(caller.Account)).ShouldBe(ledger, "a transaction was signed");
    }

    /// <summary>Sent with the member's own key, skipping the simulation: mined, and failed with exactly this custom error.</summary>
    private async Task ContractRefusesAsync(TransactionRequest request, string error)
    {
        var record = await consortium.Chain.SendUncheckedAsync(request);
        record.Status.ShouldBe(TransactionStatus.Failed, record.Error);
        record.BlockNumber.ShouldNotBeNull("a refusal by the contract is a mined transaction");
        record.Error.ShouldNotBeNull().ShouldMatch($"^{error}(\\(|$)");
    }

    private static byte[] Digest(byte fill) => Enumerable.Repeat(fill, 32).ToArray();
}
