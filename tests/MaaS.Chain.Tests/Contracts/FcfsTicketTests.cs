using Shouldly;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>The first-come-first-served maintenance cycle on MachineRegistry (the paper's failure + maintenance workflow).</summary>
[Trait("Category", "Integration")]
public sealed class FcfsTicketTests(ChainWorld world) : IClassFixture<ChainWorld>
{
    private const int Open = 2, TicketAccepted = 3, Completed = 4, Closed = 5, Cancelled = 6;

    private ChainContract Registry => world.Registry;

    private async Task<Values> TicketAsync(byte[] id) => await Registry.ViewAsync("ticket", id);

    [Fact]
    public async Task FcfsTicket_StopOpenAcceptCompleteCloseResetStart_WalksEveryTicketState()
    {
        var id = await world.RunningAsync();
        var description = Ids.Digest("problem");
        var report = Ids.Digest("report");

        await Registry.SendAsync(world.Customer, "stop", id);
        var open = await Registry.SendAsync(world.Customer, "openTicket", id, 1, description);
        var opened = open.Event(Registry, "TicketOpened");
        (opened.Int("seq"), opened.Int("kind"), opened.Int("mode"), opened.Hex("descriptionCid")).ShouldBe((1, 1, 0, Ids.Hex(description)));
        var t = await TicketAsync(id);
        (t.Int("seq"), t.Int("status"), t.Int("kind"), t.Int("mode"), t.Addr("maintainer")).ShouldBe((1, Open, 1, 0, ZeroAddress));

        var accept = await Registry.SendAsync(world.MaintainerA, "acceptTicket", id, 1u);
        accept.Event(Registry, "TicketAccepted").Addr("maintainer").ShouldBe(world.MaintainerA.Address);
        t = await TicketAsync(id);
        (t.Int("status"), t.Addr("maintainer")).ShouldBe((TicketAccepted, world.MaintainerA.Address));

        var late = await Registry.MinedRefusalAsync(world.MaintainerC, "acceptTicket", id, 1u);
        ChainContract.Describe(late.Error).ShouldBe($"TicketAlreadyTaken({world.MaintainerA.Address})");
        ChainContract.Describe(await Registry.RefusalAsync(world.MaintainerC, "completeTicket", id, 1u, report)).ShouldBe("NotAssignedMaintainer");

        var complete = await Registry.SendAsync(world.MaintainerA, "completeTicket", id, 1u, report);
        complete.Event(Registry, "TicketCompleted").Hex("reportCid").ShouldBe(Ids.Hex(report));
        (await TicketAsync(id)).Int("status").ShouldBe(Completed);
        ChainContract.Describe(await Registry.RefusalAsync(world.Customer, "cancelTicket", id, 1u)).ShouldBe($"InvalidTicketState({Completed})");

        var close = await Registry.SendAsync(world.Customer, "closeTicket", id, 1u);
        close.Event(Registry, "TicketClosed").Int("seq").ShouldBe(1);
        t = await TicketAsync(id);
        (t.Int("seq"), t.Int("status"), t.Addr("maintainer")).ShouldBe((1, Closed, world.MaintainerA.Address));

        await Registry.SendAsync(world.Customer, "resetMachineState", id);
        await Registry.SendAsync(world.Customer, "start", id);
        (await Registry.ViewAsync("machine", id)).Int("state").ShouldBe(3);

        var next = await Registry.SendAsync(world.Customer, "openTicket", id, 2, Ids.Digest("preventive"));
        (next.Event(Registry, "TicketOpened").Int("seq"), next.Event(Registry, "TicketOpened").Int("kind")).ShouldBe((2, 2));
        t = await TicketAsync(id);
        (t.Int("seq"), t.Int("status"), t.Addr("maintainer")).ShouldBe((2, Open, ZeroAddress), "a new ticket starts unassigned");
        ChainContract.Describe(await Registry.RefusalAsync(world.MaintainerA, "acceptTicket", id, 1u)).ShouldBe("WrongTicket(2)", "a late transaction cannot act on a newer ticket");
        ChainContract.Describe(await Registry.RefusalAsync(world.Customer, "closeTicket", id, 1u)).ShouldBe("WrongTicket(2)");
        await Registry.SendAsync(world.MaintainerB, "acceptTicket", id, 2u);
    }

    [Fact]
    public async Task AcceptTicket_NeedsAnAccreditationByTheMachinesOemForItsModelAndRegion()
    {
        var inRegion34 = await world.RunningAsync(region: 34);
        var seq = await world.OpenTicketAsync(inRegion34);
        ChainContract.Describe(await Registry.RefusalAsync(world.MaintainerA, "acceptTicket", inRegion34, seq)).ShouldBe("NotAccredited", "A is accredited for region 33 only");
        ChainContract.Describe(await Registry.RefusalAsync(world.Unaccredited, "acceptTicket", inRegion34, seq)).ShouldBe("NotAccredited");
        ChainContract.Describe(await Registry.RefusalAsync(world.Outsider, "acceptTicket", inRegion34, seq)).ShouldBe("NotAccredited");
        (await Registry.SendAsync(world.MaintainerB, "acceptTicket", inRegion34, seq)).Event(Registry, "TicketAccepted").Addr("maintainer")
            .ShouldBe(world.MaintainerB.Address, "B is accredited for every region");

        var otherOems = await world.RunningAsync(oem: world.Oem2);
        var otherSeq = await world.OpenTicketAsync(otherOems);
        ChainContract.Describe(await Registry.RefusalAsync(world.MaintainerB, "acceptTicket", otherOems, otherSeq)).ShouldBe("NotAccredited", "accreditations are per OEM");
    }

    [Fact]
    public async Task CancelTicket_OpenOrAccepted_CancelsIt_AndTheMachineCanOpenTheNext()
    {
        var id = await world.RunningAsync();
        var first = await world.OpenTicketAsync(id);
        (await Registry.SendAsync(world.Customer, "cancelTicket", id, first)).Event(Registry, "TicketCancelled").Int("seq").ShouldBe((int)first);
        (await TicketAsync(id)).Int("status").ShouldBe(Cancelled);
        ChainContract.Describe(await Registry.RefusalAsync(world.MaintainerA, "acceptTicket", id, first)).ShouldBe($"InvalidTicketState({Cancelled})");

        var second = await world.OpenTicketAsync(id);
        second.ShouldBe(first + 1);
        await Registry.SendAsync(world.MaintainerA, "acceptTicket", id, second);
        await Registry.SendAsync(world.Customer, "cancelTicket", id, second);
        ChainContract.Describe(await Registry.RefusalAsync(world.MaintainerA, "completeTicket", id, second, Ids.Digest())).ShouldBe($"InvalidTicketState({Cancelled})");
    }

    [Fact]
    public async Task RequestTermination_IsRefusedWhileATicketIsActive_AndAllowedOnceItIsClosed()
    {
        var id = await world.RunningAsync();
        var seq = await world.OpenTicketAsync(id);
        ChainContract.Describe(await Registry.RefusalAsync(world.Customer, "requestTermination", id)).ShouldBe($"TicketActive({seq})");
        await Registry.SendAsync(world.MaintainerA, "acceptTicket", id, seq);
        ChainContract.Describe(await Registry.RefusalAsync(world.Oem, "requestTermination", id)).ShouldBe($"TicketActive({seq})");
        await Registry.SendAsync(world.MaintainerA, "completeTicket", id, seq, Ids.Digest("report"));
        ChainContract.Describe(await Registry.RefusalAsync(world.Customer, "requestTermination", id)).ShouldBe($"TicketActive({seq})");
        await Registry.SendAsync(world.Customer, "closeTicket", id, seq);
        await Registry.SendAsync(world.Customer, "requestTermination", id);
        (await Registry.SendAsync(world.Oem, "requestTermination", id)).Event(Registry, "MachineTerminated").Addr("by").ShouldBe(world.Oem.Address);
    }

    private const string ZeroAddress = "0x0000000000000000000000000000000000000000";
}
