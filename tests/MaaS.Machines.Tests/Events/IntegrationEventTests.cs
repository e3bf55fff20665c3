using MaaS.Machines.Tests.Fixtures;
using MaaS.ServiceDefaults.ChainFacts;
using MaaS.ServiceDefaults.Operations;
using Shouldly;
using Contract = MaaS.Contracts.Machines;
using MachineState = MaaS.Machines.Machines.MachineState;

namespace MaaS.Machines.Tests.Events;

/// <summary>The consortium, with a consumer of the integration events listening before the service publishes anything.</summary>
public sealed class ListeningConsortiumFixture : ConsortiumFixture
{
    public IntegrationEventProbe Events { get; private set; } = null!;

    protected override async Task BeforeServicesStartAsync() => Events = await IntegrationEventProbe.StartAsync(Environment.RabbitMq);

    public override async Task DisposeAsync()
    {
        if (Events is not null) await Events.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>
/// What the Machines service tells the other services, on RabbitMQ: each chain fact once it is final, exactly once,
/// carrying the transaction that made it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class IntegrationEventTests(ListeningConsortiumFixture consortium) : IClassFixture<ListeningConsortiumFixture>
{
    private IntegrationEventProbe Events => consortium.Events;

    [Fact]
    public async Task MemberJoined_IsPublishedOnceForEveryRedeemedMember()
    {
        var members = new[] { consortium.Oem, consortium.Customer, consortium.OtherCustomer, consortium.Maintainer, consortium.RegionalMaintainer };
        await Eventually.TrueAsync(() => Task.FromResult(members.All(m => Events.All<Contract.MemberJoined>().Any(e => e.MemberId == m.MemberId))),
            "MemberJoined for every member", TimeSpan.FromSeconds(60));
        foreach (var member in members)
        {
            var joined = Events.All<Contract.MemberJoined>().Where(e => e.MemberId == member.MemberId).ShouldHaveSingleItem();
            joined.Account.ShouldBe(member.Account);
            joined.Roles.ShouldBe(member.Role switch { "oem" => 1, "customer" => 2, _ => 4 });
            joined.TransactionHash.ShouldMatch("^0x[0-9a-f]{64}$");
        }
    }

    [Fact]
    public async Task MaintainerAccredited_IsPublishedOnceForEachAccreditation()
    {
        await Eventually.TrueAsync(() => Task.FromResult(Events.All<Contract.MaintainerAccredited>().Count(e => e.Oem == consortium.Oem.Account) >= 2),
            "MaintainerAccredited twice", TimeSpan.FromSeconds(60));
        var accredited = Events.All<Contract.MaintainerAccredited>().Where(e => e.Oem == consortium.Oem.Account).ToList();
        accredited.Select(e => (e.MaintainerId, e.Maintainer, e.Model, e.Region)).ShouldBe(
        [
            (consortium.Maintainer.MemberId, consortium.Maintainer.Account, ConsortiumFixture.Model, (ushort)65535),
            (consortium.RegionalMaintainer.MemberId, consortium.RegionalMaintainer.Account, ConsortiumFixture.Model, ConsortiumFixture.Region),
        ], ignoreOrder: true);
    }

    [Fact]
    public async Task RevokingAMember_PublishesMemberRevokedOnce_AndEndsItsApiKey()
    {
        var member = await consortium.JoinAsync("customer", "Short Lease Ltd");
        using (var response = await consortium.As(consortium.Operator).DeleteAsync($"/api/machines/members/{member.MemberId}"))
            await consortium.WaitForOperationAsync(consortium.Operator, (await response.ReadAsync<OperationView>(System.Net.HttpStatusCode.Accepted)).Id);

        var revoked = await Eventually.GetAsync(async () =>
            await consortium.As(consortium.Operator).GetAsync<MaaS.Machines.Members.Listing.MemberResponse>($"/api/machines/members/{member.MemberId}") is
                { FinalStatus: "revoked" } m ? m : null, "the member to be revoked for good");
        revoked.Roles.ShouldBeEmpty();
        await Eventually.TrueAsync(async () =>
        {
            using var response = await consortium.As(member).GetAsync("/api/machines/members/me");
            return response.StatusCode == System.Net.HttpStatusCode.Unauthorized;
        }, "the revoked member's API key to stop working", TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => Task.FromResult(Events.All<Contract.MemberRevoked>().Any(e => e.MemberId == member.MemberId)),
            "MemberRevoked to be published", TimeSpan.FromSeconds(60));
        Events.All<Contract.MemberRevoked>().Where(e => e.MemberId == member.MemberId).ShouldHaveSingleItem().Account.ShouldBe(member.Account);
    }

    [Fact]
    public async Task MachineEvents_ArePublishedExactlyOncePerMachine_OnlyOnceFinal_WithTheirTransaction()
    {
        var (oem, customer) = (consortium.Oem, consortium.Customer);
        var (machineId, registration) = await consortium.RegisterAsync(oem, customer);

        // Mined but not final yet (nobody mines the blocks on top): nothing may be published.
        var mined = await consortium.WaitForOperationAsync(oem, registration.Id, OperationStatus.Mined);
        var observed = await consortium.As(customer).GetAsync<MaaS.Machines.Machines.MachineDetails>($"/api/machines/{machineId}");
        var published = Events.All<Contract.MachineRegistered>().Any(e => e.MachineId == machineId);
        if (observed.History.Any(h => h.Event == "MachineRegistered" && h.Status == FactStatus.Observed))
            published.ShouldBeFalse("MachineRegistered was published before the registration was final");

        var registered = await consortium.WaitForOperationAsync(oem, registration.Id);
        var machine = await consortium.WaitForMachineAsync(customer, machineId, m => m.FinalState == MachineState.Registered && m.LatestTermsVersion is not null);
        var accept = await consortium.WaitForOperationAsync(customer,
            (await consortium.CommandAsync(customer, machineId, "accept", new { termsVersion = machine.LatestTermsVersion })).Id);
        await consortium.WaitForMachineAsync(customer, machineId, m => m.FinalState == MachineState.Accepted);
        var start = await consortium.WaitForOperationAsync(customer, (await consortium.CommandAsync(customer, machineId, "start")).Id);
        await consortium.WaitForMachineAsync(customer, machineId, m => m.FinalState == MachineState.Executed);

        // Published in the order of the event store: once MachineStarted is in, the earlier two would be too.
        await Eventually.TrueAsync(() => Task.FromResult(Events.All<Contract.MachineStarted>().Any(e => e.MachineId == machineId)),
            "MachineStarted to be published", TimeSpan.FromSeconds(60));
        var registeredEvent = Events.All<Contract.MachineRegistered>().Where(e => e.MachineId == machineId).ShouldHaveSingleItem();
        var acceptedEvent = Events.All<Contract.MachineAccepted>().Where(e => e.MachineId == machineId).ShouldHaveSingleItem();
        var startedEvent = Events.All<Contract.MachineStarted>().Where(e => e.MachineId == machineId).ShouldHaveSingleItem();

        registeredEvent.TransactionHash.ShouldBe(registered.Steps[0].TransactionHash);
        registeredEvent.Block.ShouldBe(mined.Steps[0].Block!.Value);
        (registeredEvent.Oem, registeredEvent.Customer, registeredEvent.Model, registeredEvent.Region) .ShouldBe((oem.Account, customer.Account, ConsortiumFixture.Model, ConsortiumFixture.Region));
        registeredEvent.SpecCid.ShouldBe(machine.SpecCid);
        registeredEvent.Device.ShouldBe(machine.Device);
        acceptedEvent.TransactionHash.ShouldBe(accept.Steps[0].TransactionHash);
        acceptedEvent.TermsVersion.ShouldBe(1u);
        startedEvent.TransactionHash.ShouldBe(start.Steps[0].TransactionHash);
        Events.Everything.Where(r => r.Message is Contract.MachineRegistered or Contract.MachineAccepted or Contract.MachineStarted)
            .Select(r => r.MessageId).ShouldBeUnique();
    }
}
