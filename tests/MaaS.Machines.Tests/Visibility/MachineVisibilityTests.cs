using System.Net;
using MaaS.Machines.Machines.Reading;
using MaaS.Machines.Members.Listing;
using MaaS.Machines.Tests.Fixtures;
using Shouldly;

namespace MaaS.Machines.Tests.Visibility;

/// <summary>
/// Who sees which machine: its OEM and its customer; maintainers the machine's OEM accredited for its model (and
/// region); the operator, all. Everybody else is told the machine does not exist, and does not find it in a list.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MachineVisibilityTests(ConsortiumFixture consortium) : IClassFixture<ConsortiumFixture>
{
    [Fact]
    public async Task Machines_AreVisibleToTheirParties_AccreditedMaintainers_AndTheOperator_Only()
    {
        var otherOem = await consortium.JoinAsync("oem", "Globex Tools");
        var (regional, _) = await consortium.RegisterAsync(consortium.Oem, consortium.Customer, ConsortiumFixture.Model, ConsortiumFixture.Region);
        var (elsewhere, _) = await consortium.RegisterAsync(consortium.Oem, consortium.Customer, ConsortiumFixture.Model, region: 9);
        var (lathe, _) = await consortium.RegisterAsync(consortium.Oem, consortium.OtherCustomer, "LATHE-2", ConsortiumFixture.Region);
        var (foreign, _) = await consortium.RegisterAsync(otherOem, consortium.Customer, ConsortiumFixture.Model, ConsortiumFixture.Region);
        Guid[] all = [regional, elsewhere, lathe, foreign];

        // Lists come from an asynchronous projection: once the operator's list has all four, every list has caught up with them.
        await Eventually.TrueAsync(async () => all.All((await ListAsync(consortium.Operator)).Contains), "the operator to list the four machines");

        var expected = new (TestMember Member, Guid[] Sees)[]
        {
            (consortium.Oem, [regional, elsewhere, lathe]),
            (otherOem, [foreign]),
            (consortium.Customer, [regional, elsewhere, foreign]),
            (consortium.OtherCustomer, [lathe]),
            (consortium.Maintainer, [regional, elsewhere]),
            (consortium.RegionalMaintainer, [regional]),
            (consortium.Operator, all),
        };
        foreach (var (member, sees) in expected)
        {
            (await ListAsync(member)).Where(all.Contains).ShouldBe(sees, ignoreOrder: true, $"{member.Name} lists");
            foreach (var machineId in all)
            {
                using var response = await consortium.As(member).GetAsync($"/api/machines/{machineId}");
                if (sees.Contains(machineId)) response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{member.Name} sees {machineId}");
                else await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
                using var past = await consortium.As(member).GetAsync($"/api/machines/{machineId}/at?time={Uri.EscapeDataString(DateTime.UtcNow.ToString("O"))}");
                if (sees.Contains(machineId)) past.StatusCode.ShouldBe(HttpStatusCode.OK, $"{member.Name} sees {machineId} in the past");
                else await past.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
            }
        }
    }

    [Fact]
    public async Task AMaintainer_SeesAModelsMachinesWhileAccredited_AndNoLongerOnceTheOemWithdrawsIt()
    {
        var maintainer = consortium.RegionalMaintainer;
        var (drill, _) = await consortium.RegisterAsync(consortium.Oem, consortium.Customer, "DRILL-9", ConsortiumFixture.Region);
        await Eventually.TrueAsync(async () => (await ListAsync(consortium.Oem)).Contains(drill), "the OEM to list the drill");
        (await ListAsync(maintainer)).ShouldNotContain(drill);

        await consortium.AccreditAsync(consortium.Oem, maintainer, "DRILL-9", ConsortiumFixture.Region);
        (await ListAsync(maintainer)).ShouldContain(drill);
        (await consortium.GetMachineAsync(maintainer, drill)).Machine.Model.ShouldBe("DRILL-9");

        using (var response = await consortium.As(consortium.Oem).PostJsonAsync("/api/machines/accreditations/withdrawals",
            new { maintainerId = maintainer.MemberId, model = "DRILL-9", region = ConsortiumFixture.Region }))
            await consortium.WaitForOperationAsync(consortium.Oem, (await response.ReadAsync<MaaS.ServiceDefaults.Operations.OperationView>(HttpStatusCode.Accepted)).Id);
        await Eventually.TrueAsync(async () => !(await ListAsync(maintainer)).Contains(drill), "the maintainer to lose sight of the drill");
        using var lookup = await consortium.As(maintainer).GetAsync($"/api/machines/{drill}");
        await lookup.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task ACustomer_CannotSeeNorTouchAnotherCustomersMachine()
    {
        var machineId = await consortium.ProvisionAsync(consortium.Customer);
        var stranger = consortium.OtherCustomer;
        using (var response = await consortium.As(stranger).GetAsync($"/api/machines/{machineId}"))
        {
            var problem = await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
            problem.ToString().ShouldNotContain(consortium.Customer.Account, Case.Insensitive);
        }
        await Eventually.TrueAsync(async () => (await ListAsync(consortium.Customer)).Contains(machineId), "the customer to list its machine");
        (await ListAsync(stranger)).ShouldNotContain(machineId);
        using (var response = await consortium.As(stranger).PostJsonAsync($"/api/machines/{machineId}/start", null))
            await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        using (var response = await consortium.As(stranger).PostJsonAsync($"/api/machines/{machineId}/termination", null))
            await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task AMembersOperations_AreVisibleToItAndTheOperator_Only()
    {
        var (_, registration) = await consortium.RegisterAsync(consortium.Oem, consortium.Customer);
        (await consortium.As(consortium.Oem).GetAsync<MaaS.ServiceDefaults.Operations.OperationView>($"/api/machines/operations/{registration.Id}")).Id.ShouldBe(registration.Id);
        (await consortium.As(consortium.Operator).GetAsync<MaaS.ServiceDefaults.Operations.OperationView>($"/api/machines/operations/{registration.Id}")).Id.ShouldBe(registration.Id);
        using var response = await consortium.As(consortium.Customer).GetAsync($"/api/machines/operations/{registration.Id}");
        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task ListingMembers_IsForTheOperatorOnly()
    {
        var members = await consortium.As(consortium.Operator).GetAsync<List<MemberResponse>>("/api/machines/members");
        foreach (var member in new[] { consortium.Oem, consortium.Customer, consortium.OtherCustomer, consortium.Maintainer, consortium.RegionalMaintainer })
            members.ShouldContain(m => m.Id == member.MemberId && m.Account == member.Account && m.Status == "active" && m.Roles.Contains(member.Role));

        foreach (var member in new[] { consortium.Oem, consortium.Customer, consortium.Maintainer })
        {
            using var response = await consortium.As(member).GetAsync("/api/machines/members");
            await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }
    }

    private async Task<IReadOnlyList<Guid>> ListAsync(TestMember member) =>
        [.. (await consortium.As(member).GetAsync<List<MachineSummary>>("/api/machines")).Select(m => m.Id)];
}
