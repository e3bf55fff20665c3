using Nethereum.Signer;
using Shouldly;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>MachineRegistry's machine life cycle, allowed transitions with their events and the state read back.</summary>
[Trait("Category", "Integration")]
public sealed class MachineLifecycleTests(ChainWorld world) : IClassFixture<ChainWorld>
{
    private const int Registered = 1, Accepted = 2, Executed = 3, Stopped = 4, Terminated = 5;

    private ChainContract Registry => world.Registry;

    private async Task<int> StateAsync(byte[] id) => (await Registry.ViewAsync("machine", id)).Int("state");

    [Fact]
    public async Task Register_ByAnOemForACustomer_StoresEveryCheckedField_AndPutsTheRestInTheEvent()
    {
        var id = Ids.MachineId();
        var spec = Ids.Digest("spec");
        var terms = Ids.Digest("rental agreement");
        var device = EthECKey.GenerateKey().GetPublicAddress().ToLowerInvariant();

        var tx = await Registry.SendAsync(world.Oem, "register", id, world.Customer.Address, ChainWorld.Model, 33, spec, device, 900u, terms);

        var e = tx.Event(Registry, "MachineRegistered");
        e.Hex("machineId").ShouldBe(Ids.Hex(id));
        e.Addr("oem").ShouldBe(world.Oem.Address);
        e.Addr("customer").ShouldBe(world.Customer.Address);
        e.Hex("model").ShouldBe(Ids.Hex(ChainWorld.Model));
        e.Int("region").ShouldBe(33);
        e.Addr("device").ShouldBe(device);
        e.Int("telemetryInterval").ShouldBe(900);
        e.Hex("specCid").ShouldBe(Ids.Hex(spec));
        e.Hex("termsHash").ShouldBe(Ids.Hex(terms));

        var m = await Registry.ViewAsync("machine", id);
        m.Addr("oem").ShouldBe(world.Oem.Address);
        m.Addr("customer").ShouldBe(world.Customer.Address);
        m.Hex("model").ShouldBe(Ids.Hex(ChainWorld.Model));
        m.Int("region").ShouldBe(33);
        m.Addr("device").ShouldBe(device);
        m.Int("telemetryInterval").ShouldBe(900);
        m.Int("state").ShouldBe(Registered);
        m.Int("terminationRequests").ShouldBe(0);
        var parties = await Registry.ViewAsync("parties", id);
        (parties.Addr("oem"), parties.Addr("customer"), parties.Int("state")).ShouldBe((world.Oem.Address, world.Customer.Address, Registered));
        var ticket = await Registry.ViewAsync("ticket", id);
        (ticket.Int("seq"), ticket.Int("status")).ShouldBe((0, 1), "no ticket yet (sentinel status 1)");

        var again = await Registry.MinedRefusalAsync(world.Oem, "register", id, world.Customer.Address, ChainWorld.Model, 33, spec, device, 900u, terms);
        ChainContract.Describe(again.Error).ShouldBe($"MachineExists({Ids.Hex(id)})", "a retried registration cannot create a duplicate");
    }

    [Fact]
    public async Task Lifecycle_RegisterAcceptStartStopResetStartTerminate_ThenEveryTransitionIsRefused()
    {
        var (oem, customer) = (world.Oem, world.Customer);
        var id = await world.RegisterAsync();
        (await StateAsync(id)).ShouldBe(Registered);

        (await world.Registry.RefusalAsync(customer, "accept", id, 1u)).ErrorName.ShouldBe("TermsNotSet", "accepting needs terms set first");
        var terms = await world.Invoicing.SendAsync(oem, "setTerms", id, Ids.Digest("terms"), 3600u);
        terms.Event(world.Invoicing, "TermsProposed").Int("version").ShouldBe(1);

        var accept = await Registry.SendAsync(customer, "accept", id, 1u);
        accept.Event(Registry, "MachineAccepted").Int("termsVersion").ShouldBe(1);
        var termsAccepted = accept.Event(world.Invoicing, "TermsAccepted");
        (termsAccepted.Int("version"), termsAccepted.Int("fromPeriod")).ShouldBe((1, 0));
        (await world.Invoicing.ViewAsync("termsAccepted", id)).Bool(0).ShouldBeTrue();
        (await StateAsync(id)).ShouldBe(Accepted);

        (await Registry.SendAsync(customer, "start", id)).Event(Registry, "MachineStarted").Hex("machineId").ShouldBe(Ids.Hex(id));
        (await StateAsync(id)).ShouldBe(Executed);
        (await Registry.SendAsync(customer, "stop", id)).Event(Registry, "MachineStopped").Hex("machineId").ShouldBe(Ids.Hex(id));
        (await StateAsync(id)).ShouldBe(Stopped);
        ChainContract.Describe(await Registry.RefusalAsync(customer, "start", id)).ShouldBe($"InvalidMachineState({Stopped})");
        (await Registry.SendAsync(customer, "resetMachineState", id)).Event(Registry, "MachineReset").Hex("machineId").ShouldBe(Ids.Hex(id));
        (await StateAsync(id)).ShouldBe(Accepted);
        await Registry.SendAsync(customer, "start", id);
        (await StateAsync(id)).ShouldBe(Executed);

        var first = await Registry.SendAsync(customer, "requestTermination", id);
        first.Event(Registry, "TerminationRequested").Addr("by").ShouldBe(customer.Address);
        first.Events(Registry, "MachineTerminated").ShouldBeEmpty();
        var requested = await Registry.ViewAsync("machine", id);
        (requested.Int("state"), requested.Int("terminationRequests")).ShouldBe((Executed, 2), "one party's request only records it");
        (await Registry.RefusalAsync(customer, "requestTermination", id)).ErrorName.ShouldBe("TerminationAlreadyRequested");

        var second = await Registry.SendAsync(oem, "requestTermination", id);
        second.Event(Registry, "MachineTerminated").Addr("by").ShouldBe(oem.Address);
        var terminated = await Registry.ViewAsync("machine", id);
        (terminated.Int("state"), terminated.Int("terminationRequests")).ShouldBe((Terminated, 3));

        var afterwards = new (ChainContract Contract, ChainActor By, string Function, object[] Args, string Error)[]
        {
            (Registry, customer, "start", [id], "InvalidMachineState(5)"),
            (Registry, customer, "stop", [id], "InvalidMachineState(5)"),
            (Registry, oem, "stop", [id], "InvalidMachineState(5)"),
            (Registry, customer, "resetMachineState", [id], "InvalidMachineState(5)"),
            (Registry, customer, "accept", [id, 1u], "InvalidMachineState(5)"),
            (Registry, customer, "requestTermination", [id], "InvalidMachineState(5)"),
            (Registry, oem, "requestTermination", [id], "InvalidMachineState(5)"),
            (Registry, oem, "changeDevice", [id, world.Outsider.Address], "InvalidMachineState(5)"),
            (Registry, customer, "openTicket", [id, 1, Ids.Digest()], "InvalidMachineState(5)"),
            (world.Maintenance, customer, "openAuction", [id, 1, Ids.Digest(), ChainWorld.AuctionParams(1, 0, maxBids: 2)], "InvalidMachineState(5)"),
            (world.Invoicing, oem, "setTerms", [id, Ids.Digest(), 3600u], $"MachineTerminated({Ids.Hex(id)})"),
            (world.Invoicing, customer, "acceptTerms", [id, 2u], $"MachineTerminated({Ids.Hex(id)})"),
        };
        foreach (var (contract, by, function, args, error) in afterwards)
            ChainContract.Describe(await contract.RefusalAsync(by, function, args)).ShouldBe(error, $"{contract.Name}.{function} by {by} after termination");
        var mined = await Registry.MinedRefusalAsync(customer, "start", id);
        ChainContract.Describe(mined.Error).ShouldBe("InvalidMachineState(5)");
        (await StateAsync(id)).ShouldBe(Terminated);
    }

    [Fact]
    public async Task StopAndReset_ByTheOem_AreAllowed_ButOnlyTheCustomerStarts()
    {
        var id = await world.RunningAsync();
        (await Registry.SendAsync(world.Oem, "stop", id)).Event(Registry, "MachineStopped").Hex("machineId").ShouldBe(Ids.Hex(id));
        (await Registry.SendAsync(world.Oem, "resetMachineState", id)).Event(Registry, "MachineReset").Hex("machineId").ShouldBe(Ids.Hex(id));
        (await StateAsync(id)).ShouldBe(Accepted);
        (await Registry.RefusalAsync(world.Oem, "start", id)).ErrorName.ShouldBe("NotCustomer");
    }

    [Fact]
    public async Task RequestTermination_BeforeAcceptance_TerminatesAtOnce_ByEitherParty()
    {
        foreach (var party in new[] { world.Oem, world.Customer })
        {
            var id = await world.RegisterAsync();
            var tx = await Registry.SendAsync(party, "requestTermination", id);
            tx.Event(Registry, "MachineTerminated").Addr("by").ShouldBe(party.Address);
            (await StateAsync(id)).ShouldBe(Terminated);
            ChainContract.Describe(await Registry.RefusalAsync(world.Customer, "accept", id, 1u)).ShouldBe("InvalidMachineState(5)");
        }
    }

    [Fact]
    public async Task ChangeDevice_ByTheOem_ReplacesTheDeviceAndKeepsTheInterval()
    {
        var id = await world.RunningAsync();
        var device = EthECKey.GenerateKey().GetPublicAddress().ToLowerInvariant();
        var tx = await Registry.SendAsync(world.Oem, "changeDevice", id, device);
        var e = tx.Event(Registry, "DeviceChanged");
        (e.Hex("machineId"), e.Addr("device")).ShouldBe((Ids.Hex(id), device));
        var m = await Registry.ViewAsync("machine", id);
        (m.Addr("device"), m.Int("telemetryInterval"), m.Int("state")).ShouldBe((device, (int)ChainWorld.TelemetryInterval, Executed));
    }

    [Fact]
    public async Task RevokedMembers_CannotStartNewEngagements_ButKeepOperatingTheirMachines()
    {
        var oem = await world.MemberAsync("revocable-oem-" + Guid.NewGuid().ToString("N")[..6], Roles.Oem);
        var customer = await world.MemberAsync("revocable-customer-" + Guid.NewGuid().ToString("N")[..6], Roles.Customer);
        var running = await world.RunningAsync(oem, customer);
        var registered = await world.RegisterAsync(oem, customer);
        await world.Invoicing.SendAsync(oem, "setTerms", registered, Ids.Digest("terms"), 3600u);

        (await world.Consortium.SendAsync(world.Operator, "revokeMember", customer.Address)).Event(world.Consortium, "MemberRevoked").Addr("member").ShouldBe(customer.Address);
        (await world.Consortium.SendAsync(world.Operator, "revokeMember", oem.Address)).Event(world.Consortium, "MemberRevoked").Addr("member").ShouldBe(oem.Address);

        ChainContract.Describe(await Registry.RefusalAsync(customer, "accept", registered, 1u)).ShouldBe($"NotCustomerMember({customer.Address})");
        ChainContract.Describe(await Registry.RefusalAsync(oem, "register", Ids.MachineId(), world.Customer.Address, ChainWorld.Model, 33, Ids.Digest(), world.Outsider.Address, 900u, Ids.Digest()))
            .ShouldBe($"NotOEMMember({oem.Address})");
        ChainContract.Describe(await Registry.RefusalAsync(world.Oem, "register", Ids.MachineId(), customer.Address, ChainWorld.Model, 33, Ids.Digest(), world.Outsider.Address, 900u, Ids.Digest()))
            .ShouldBe($"NotCustomerMember({customer.Address})");

        // Documented (docs/contracts.md, Revocation): parties already bound to a machine keep operating it.
        await Registry.SendAsync(customer, "stop", running);
        await Registry.SendAsync(oem, "resetMachineState", running);
        await Registry.SendAsync(customer, "start", running);
        (await StateAsync(running)).ShouldBe(Executed);
    }
}
