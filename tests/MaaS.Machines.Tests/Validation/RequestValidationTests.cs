using System.Net;
using System.Text;
using MaaS.Machines.Tests.Fixtures;
using Shouldly;
using MachineState = MaaS.Machines.Machines.MachineState;

namespace MaaS.Machines.Tests.Validation;

/// <summary>Malformed and invalid requests are 400 problems naming what is wrong, and leave no trace: no transaction, no machine, no operation.</summary>
[Trait("Category", "Integration")]
public sealed class RequestValidationTests(ConsortiumFixture consortium) : IClassFixture<ConsortiumFixture>
{
    public static TheoryData<string, object?, string> InvalidRegistrations => new()
    {
        { "model", "", "Model" },
        { "model", new string('M', 33), "Model" },
        { "model", "CNC-5X\u00e9", "Model" },
        { "model", null, "Model" },
        { "region", 65535, "Region" },
        { "deviceAddress", "0x1234", "DeviceAddress" },
        { "deviceAddress", "0x0000000000000000000000000000000000000000", "DeviceAddress" },
        { "deviceAddress", null, "DeviceAddress" },
        { "telemetryIntervalSeconds", 0, "TelemetryIntervalSeconds" },
        { "telemetryIntervalSeconds", 86_401, "TelemetryIntervalSeconds" },
        { "specDocument", "this is not base64!", "SpecDocument" },
        { "specDocument", "", "SpecDocument" },
        { "specDocument", null, "SpecDocument" },
        { "terms", new[] { 1, 2 }, "Terms" },
        { "terms", null, "Terms" },
        { "terms", new { currency = "EUR", basePerPeriodMinor = 150_000 }, "Terms" },     // not maas/terms/v1: the invoicing run could not bill by it
        { "billingPeriodSeconds", 60, "BillingPeriodSeconds" },
        { "customerId", Guid.Empty, "CustomerId" },
    };

    [Theory]
    [MemberData(nameof(InvalidRegistrations))]
    public async Task Register_WithAnInvalidField_Is400ProblemNamingIt_AndStoresNothing(string field, object? value, string error)
    {
        var machineId = Guid.CreateVersion7();
        var body = ConsortiumFixture.NewMachine(consortium.Customer, machineId: machineId);
        body[field] = value;
        await StoresNothingAsync(consortium.Oem, machineId, async () =>
        {
            using var response = await consortium.As(consortium.Oem).PostJsonAsync("/api/machines", body);
            var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation");
            problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldContain(error);
        });
    }

    [Fact]
    public async Task Register_WithAnEmptyObject_Is400ProblemNamingEveryRequiredField()
    {
        await StoresNothingAsync(consortium.Oem, null, async () =>
        {
            using var response = await consortium.As(consortium.Oem).PostJsonAsync("/api/machines", new { });
            var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation");
            var errors = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
            foreach (var field in new[] { "CustomerId", "Model", "DeviceAddress", "TelemetryIntervalSeconds", "SpecDocument", "Terms" })
                errors.ShouldContain(field);
        });
    }

    [Theory]
    [InlineData("{\"customerId\": ")]
    [InlineData("not json at all")]
    [InlineData("{\"customerId\": \"not-a-guid\", \"model\": \"CNC-5X\"}")]
    [InlineData("{\"region\": -1}")]
    public async Task Register_WithAMalformedBody_Is400Problem_AndStoresNothing(string json)
    {
        await StoresNothingAsync(consortium.Oem, null, async () =>
        {
            using var content = new StringContent(json, Encoding.UTF8, "application/json");
            using var response = await consortium.As(consortium.Oem).PostAsync("/api/machines", content);
            await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        });
    }

    [Fact]
    public async Task Register_ForAMemberWhoIsNotACustomer_Is422_AndForAnUnknownMember_Is404()
    {
        var machineId = Guid.CreateVersion7();
        await StoresNothingAsync(consortium.Oem, machineId, async () =>
        {
            using (var response = await consortium.As(consortium.Oem).PostJsonAsync("/api/machines", ConsortiumFixture.NewMachine(consortium.Maintainer, machineId: machineId)))
                await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "not-a-customer");
            var stranger = consortium.Customer with { MemberId = Guid.NewGuid() };
            using (var response = await consortium.As(consortium.Oem).PostJsonAsync("/api/machines", ConsortiumFixture.NewMachine(stranger, machineId: machineId)))
                await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        });
    }

    [Fact]
    public async Task Register_WithTheIdOfAnExistingMachine_Is409_AndSendsNothing()
    {
        var machineId = await consortium.ProvisionAsync(consortium.Customer, MachineState.Registered);
        await StoresNothingAsync(consortium.Oem, null, async () =>
        {
            using var response = await consortium.As(consortium.Oem).PostJsonAsync("/api/machines", ConsortiumFixture.NewMachine(consortium.Customer, machineId: machineId));
            await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "machine-exists");
        });
    }

    [Theory]
    [InlineData("{\"termsVersion\": 0}", "TermsVersion")]
    [InlineData("{}", "TermsVersion")]
    public async Task Accept_WithoutATermsVersion_Is400Problem_AndSendsNothing(string json, string error)
    {
        var machineId = await consortium.ProvisionAsync(consortium.OtherCustomer, MachineState.Registered);
        await StoresNothingAsync(consortium.OtherCustomer, null, async () =>
        {
            using var content = new StringContent(json, Encoding.UTF8, "application/json");
            using var response = await consortium.As(consortium.OtherCustomer).PostAsync($"/api/machines/{machineId}/accept", content);
            var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation");
            problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldContain(error);
        });
        (await consortium.GetMachineAsync(consortium.OtherCustomer, machineId)).Machine.Operations.Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("{\"name\": \"Acme\", \"roles\": []}", "Roles")]
    [InlineData("{\"name\": \"Acme\", \"roles\": [\"landlord\"]}", "Roles[0]")]
    [InlineData("{\"name\": \"\", \"roles\": [\"oem\"]}", "Name")]
    [InlineData("{\"name\": \"Acme\", \"roles\": [\"oem\"], \"expiresInHours\": 0}", "ExpiresInHours")]
    [InlineData("{\"roles\": [\"oem\"]}", "Name")]
    [InlineData("{\"name\": \"Acme\"}", "Roles")]
    [InlineData("{\"name\": \"Acme\", \"roles\": [null]}", "Roles[0]")]
    public async Task Invite_WithAnInvalidBody_Is400Problem_AndSendsNothing(string json, string error)
    {
        await StoresNothingAsync(consortium.Operator, null, async () =>
        {
            using var content = new StringContent(json, Encoding.UTF8, "application/json");
            using var response = await consortium.As(consortium.Operator).PostAsync("/api/machines/members/invitations", content);
            var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation");
            problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldContain(error);
        });
    }

    [Theory]
    [InlineData("{\"code\": \"0x1234\"}")]
    [InlineData("{\"code\": \"\"}")]
    [InlineData("{}")]
    public async Task Redeem_WithAMalformedCode_Is400Problem_AndSendsNothing(string json)
    {
        await StoresNothingAsync(consortium.Operator, null, async () =>
        {
            using var content = new StringContent(json, Encoding.UTF8, "application/json");
            using var response = await consortium.Anonymous.PostAsync("/api/machines/members/redemptions", content);
            var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation");
            problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldContain("Code");
        });
    }

    [Theory]
    [InlineData("{\"maintainerId\": \"00000000-0000-0000-0000-000000000000\", \"model\": \"CNC-5X\"}", "MaintainerId")]
    [InlineData("{\"model\": \"CNC-5X\"}", "MaintainerId")]
    [InlineData("{\"maintainerId\": \"MAINTAINER\", \"model\": \"\"}", "Model")]
    [InlineData("{\"maintainerId\": \"MAINTAINER\"}", "Model")]
    [InlineData("{\"maintainerId\": \"MAINTAINER\", \"model\": \"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456\"}", "Model")]
    public async Task Accredit_WithAnInvalidBody_Is400Problem_AndSendsNothing(string json, string error)
    {
        await StoresNothingAsync(consortium.Oem, null, async () =>
        {
            using var content = new StringContent(json.Replace("MAINTAINER", consortium.Maintainer.MemberId.ToString(), StringComparison.Ordinal), Encoding.UTF8, "application/json");
            using var response = await consortium.As(consortium.Oem).PostAsync("/api/machines/accreditations", content);
            var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation");
            problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldContain(error);
        });
    }

    [Fact]
    public async Task Accredit_AMemberWhoIsNotAMaintainer_Is422_AndSendsNothing()
    {
        await StoresNothingAsync(consortium.Oem, null, async () =>
        {
            using var response = await consortium.As(consortium.Oem).PostJsonAsync("/api/machines/accreditations", new { maintainerId = consortium.Customer.MemberId, model = "CNC-5X" });
            await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "not-a-maintainer");
        });
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("GET", "/at?time=2026-01-01T00:00:00Z")]
    [InlineData("POST", "/start")]
    [InlineData("POST", "/stop")]
    [InlineData("POST", "/reset")]
    [InlineData("POST", "/termination")]
    public async Task UnknownMachine_Is404Problem(string method, string path)
    {
        await StoresNothingAsync(consortium.Customer, null, async () =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), $"/api/machines/{Guid.CreateVersion7()}{path}");
            using var response = await consortium.As(consortium.Customer).SendAsync(request);
            await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        });
    }

    [Theory]
    [InlineData("?time=yesterday")]
    [InlineData("")]
    public async Task StateAt_WithoutAValidTime_Is400Problem(string query)
    {
        var machineId = await consortium.ProvisionAsync(consortium.Customer, MachineState.Registered);
        using var response = await consortium.As(consortium.Customer).GetAsync($"/api/machines/{machineId}/at{query}");
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Register_WithASpecDocumentOverOneBlock_Is400Problem_AndStoresNothing()
    {
        var machineId = Guid.CreateVersion7();
        var body = ConsortiumFixture.NewMachine(consortium.Customer, machineId: machineId, spec: new byte[256 * 1024 + 1]);
        await StoresNothingAsync(consortium.Oem, machineId, async () =>
        {
            using var response = await consortium.As(consortium.Oem).PostJsonAsync("/api/machines", body);
            var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation");
            problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldContain("SpecDocument");
        });
    }

    [Fact]
    public async Task UnknownOperation_Is404Problem()
    {
        using var response = await consortium.As(consortium.Operator).GetAsync($"/api/machines/operations/{Guid.NewGuid()}");
        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Request_WithoutAnApiKey_Is401Problem_AndWithAnUnknownKey_Is401Problem()
    {
        using (var response = await consortium.Anonymous.GetAsync("/api/machines"))
            await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        using var unknown = new HttpRequestMessage(HttpMethod.Get, "/api/machines");
        unknown.Headers.Add("X-Api-Key", "maas_" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()));
        using (var response = await consortium.Anonymous.SendAsync(unknown))
            await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    /// <summary>Neither the caller's nonce nor its ledger move, and (when the body named one) no machine with that id appears.</summary>
    private async Task StoresNothingAsync(TestMember caller, Guid? machineId, Func<Task> act)
    {
        var nonce = await consortium.Chain.NonceAsync(caller.Account);
        var ledger = await consortium.Chain.LedgerCountAsync(caller.Account);
        var operatorLedger = await consortium.Chain.LedgerCountAsync(consortium.Operator.Account);
        await act();
        (await consortium.Chain.NonceAsync(caller.Account)).ShouldBe(nonce);
        (await consortium.Chain.LedgerCountAsync(caller.Account)).ShouldBe(ledger);
        (await consortium.Chain.LedgerCountAsync(consortium.Operator.Account)).ShouldBe(operatorLedger);
        if (machineId is { } id)
        {
            using var response = await consortium.As(consortium.Operator).GetAsync($"/api/machines/{id}");
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, await response.Content.ReadAsStringAsync());
        }
    }
}
