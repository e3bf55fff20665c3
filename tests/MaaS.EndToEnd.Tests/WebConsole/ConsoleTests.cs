using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using MaaS.Testing;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace MaaS.EndToEnd.Tests.WebConsole;

/// <summary>
/// The web console in headless chromium against the whole stack: each page, as each role that has it, loads and shows
/// live data (it changes on screen while the test changes it through the gateway), one member never sees another's
/// machine, and every page is saved as a screenshot (<see cref="ConsoleFixture.ScreenshotDirectory"/>).
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConsoleTests(ConsoleFixture stack) : IClassFixture<ConsoleFixture>
{
    public static TheoryData<string> AllRoles => ["operator", "oem", "customer", "maintainer"];

    public static TheoryData<string> TelemetryRoles => ["operator", "oem", "customer"];

    [Fact]
    public async Task Files_NeedNoKey_TheRootRedirects_AndDataStillNeedsOne()
    {
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = stack.Gateway.Address };
        using (var root = await noRedirects.GetAsync("/"))
        {
            root.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            root.Headers.Location!.ToString().ShouldBe("/console/");
        }
        using (var bare = await noRedirects.GetAsync("/console"))
        {
            bare.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            bare.Headers.Location!.ToString().ShouldBe("/console/");
        }
        using (var page = await noRedirects.GetAsync("/console/"))
        {
            page.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await page.Content.ReadAsStringAsync()).ShouldContain("<script type=\"module\" src=\"js/app.js\">");
            page.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("script-src 'self'");
        }
        using (var module = await stack.Anonymous.GetAsync("/console/js/pages/tickets.js"))
        {
            module.StatusCode.ShouldBe(HttpStatusCode.OK);
            module.Content.Headers.ContentType!.MediaType.ShouldBe("text/javascript");
        }
        // A file that is not there is a 404, not the page served in its place (a module path typo must show).
        using (var missing = await stack.Anonymous.GetAsync("/console/js/nowhere.js")) missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        // The data the pages fetch is not open: without a key the services refuse it.
        using (var data = await stack.Anonymous.GetAsync("/api/machines")) data.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SignIn_WithAWrongKey_ShowsTheProblemTitle_AndLogOut_ForgetsTheKey()
    {
        var context = await stack.Browser.NewContextAsync(new() { BaseURL = stack.Gateway.Address.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/console/");
        await page.Locator("#api-key").FillAsync("maas_" + new string('0', 48));
        await page.Locator("#login-button").ClickAsync();
        await Expect(page.Locator("#login-error")).ToContainTextAsync("Authentication is required.");
        await Expect(page.Locator("#menu a")).ToHaveCountAsync(0);
        await ConsoleFixture.ScreenshotAsync(page, "login", "wrong-key");

        await page.Locator("#api-key").FillAsync(stack.Customer.ApiKey);
        await page.Locator("#login-button").ClickAsync();
        await Expect(page.Locator("#member-name")).ToHaveTextAsync(stack.Customer.Name);
        (await page.EvaluateAsync<string?>("sessionStorage.getItem('maas.console.apiKey')")).ShouldBe(stack.Customer.ApiKey);
        await page.Locator("#logout").ClickAsync();
        await Expect(page.Locator("#login-form")).ToBeVisibleAsync();
        (await page.EvaluateAsync<string?>("sessionStorage.getItem('maas.console.apiKey')")).ShouldBeNull();
        await context.CloseAsync();
    }

    [Theory]
    [MemberData(nameof(AllRoles))]
    public async Task Menu_IsTheRolesOwn(string role)
    {
        var page = await stack.OpenConsoleAsync(stack.Members[role]);
        string[] expected = role switch
        {
            "operator" => ["Machines", "Tickets", "Invoices", "Anchors", "Members"],
            "maintainer" => ["Tickets", "Machines"],
            _ => ["Machines", "Tickets", "Invoices", "Anchors"],
        };
        await Expect(page.Locator("#menu a")).ToHaveTextAsync(expected);
        await Expect(page.Locator($"#member-roles [data-role='{role.Replace("other-", "", StringComparison.Ordinal)}']")).ToBeVisibleAsync();
        if (role == "maintainer")
        {
            // A page the role does not have falls back to its first page.
            await page.GotoAsync("/console/#/invoices");
            await Expect(page).ToHaveURLAsync(new Regex("#/tickets$"));
        }
        await page.Context.CloseAsync();
    }

    [Theory]
    [MemberData(nameof(AllRoles))]
    public async Task Machines_ShowTheRolesMachines_WithTheirStateFromTheChain(string role)
    {
        var page = await stack.OpenConsoleAsync(stack.Members[role], "#/machines");
        var rowA = page.Locator($"tr.machine-row[data-machine-id='{stack.MachineA}']");
        var rowB = page.Locator($"tr.machine-row[data-machine-id='{stack.MachineB}']");
        await Expect(rowA.Locator("td.state")).ToHaveTextAsync("Executed");
        await Expect(rowA).ToContainTextAsync(ConsoleFixture.ModelA);
        if (role is "operator" or "oem")
        {
            await Expect(rowB.Locator("td.state")).ToHaveTextAsync("Registered");
        }
        else
        {
            // The list is complete once A is in it (one answer); B is another customer's, and the maintainer is not accredited for its model.
            await Expect(rowB).ToHaveCountAsync(0);
            (await page.Locator("#machines").GetAttributeAsync("data-count")).ShouldBe("1");
        }
        await ConsoleFixture.ScreenshotAsync(page, "machines", role);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Machines_AnotherCustomersMachine_IsNotFoundForTheCustomer()
    {
        var page = await stack.OpenConsoleAsync(stack.Customer, $"#/machines/{stack.MachineB}");
        await Expect(page.Locator(".banner")).ToContainTextAsync("does not exist or is not visible to you");
        await Expect(page.Locator("#machine-state")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Theory]
    [MemberData(nameof(TelemetryRoles))]
    public async Task MachineDetail_ChartGetsTheReadings_AsTheyArePosted(string role)
    {
        var page = await stack.OpenConsoleAsync(stack.Members[role], $"#/machines/{stack.MachineA}");
        await Expect(page.Locator("#machine-state")).ToHaveTextAsync("Executed");
        await Expect(page.Locator("#telemetry-executing")).ToHaveTextAsync("yes");
        var chart = page.Locator("#telemetry-chart");
        await Expect(chart).ToHaveAttributeAsync("data-points", new Regex("^\\d+$"));

        // Posted while the page is open: the chart reaches the last reading without a reload.
        var last = await stack.PostReadingsAsync(12);
        await Expect(chart).ToHaveAttributeAsync("data-last", ConsoleFixture.Seq(ConsoleFixture.SpindleRpm(last)));
        await Expect(chart.Locator("polyline.series")).ToHaveCountAsync(1);
        await Expect(page.Locator("#telemetry-last-seq")).ToHaveTextAsync(ConsoleFixture.Seq(last));
        await Expect(page.Locator("#telemetry-oee")).ToHaveTextAsync(new Regex("^\\d+\\.\\d %$"));
        int.Parse((await chart.GetAttributeAsync("data-points"))!, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(12);
        await ConsoleFixture.ScreenshotAsync(page, "machine", role);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task MachineDetail_ForTheMaintainer_ShowsTheMachineButNotItsTelemetry()
    {
        var page = await stack.OpenConsoleAsync(stack.Maintainer, $"#/machines/{stack.MachineA}");
        await Expect(page.Locator("#machine-state")).ToHaveTextAsync("Executed");
        await Expect(page.Locator("#telemetry")).ToContainTextAsync("visible to the machine's OEM and customer only");
        await Expect(page.Locator("#telemetry-chart")).ToHaveCountAsync(0);
        await ConsoleFixture.ScreenshotAsync(page, "machine", "maintainer");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Tickets_ARowAppearsWhenOpened_AndTheRaceAndClocksFollowTheChain()
    {
        // Every role watches the tickets page while the customer opens a ticket through the gateway.
        var pages = new Dictionary<string, IPage>();
        foreach (var role in AllRoles) pages[role] = await stack.OpenConsoleAsync(stack.Members[role], "#/tickets");
        foreach (var page in pages.Values) await Expect(page.Locator("#tickets")).ToHaveAttributeAsync("data-count", new Regex("^\\d+$"));

        var ticketId = await OpenTicketAsync();
        foreach (var (role, page) in pages)
        {
            var row = page.Locator($"tr.ticket-row[data-ticket-id='{ticketId}']");
            await Expect(row.Locator("td.status")).ToContainTextAsync("Open");
            await Expect(row.Locator("td.mode")).ToHaveTextAsync("Fcfs");
            await Expect(row.Locator("[data-clock='Accept']")).ToHaveAttributeAsync("data-state", "running");
        }
        await ConsoleFixture.ScreenshotAsync(pages["maintainer"], "tickets", "maintainer");

        // The maintainer takes it (first come, first served); its page shows it as the winner once the block is final.
        await Eventually.TrueAsync(async () =>
        {
            using var response = await stack.Maintainer.Client.PostAsJsonAsync($"/api/maintenance/tickets/{ticketId}/accept", new { });
            return response.StatusCode == HttpStatusCode.Accepted;
        }, "the maintainer's acceptance to be taken", TimeSpan.FromSeconds(60));

        foreach (var (role, page) in pages)
        {
            var row = page.Locator($"tr.ticket-row[data-ticket-id='{ticketId}']");
            await Expect(row.Locator("td.status")).ToContainTextAsync("Accepted");
            await Expect(row.Locator("[data-clock='Accept']")).ToHaveAttributeAsync("data-state", "stopped");
            await Expect(row.Locator("[data-clock='Resolution']")).ToHaveAttributeAsync("data-state", "running");
            await ConsoleFixture.ScreenshotAsync(page, "tickets", role);

            await row.Locator("a").ClickAsync();
            await Expect(page.Locator("#ticket-final-status")).ToHaveTextAsync("Accepted");
            await Expect(page.Locator("#ticket-winner")).ToHaveTextAsync(new Regex(role == "maintainer" ? "^you$" : "^0x[0-9a-fA-F]{4}…"));
            await Expect(page.Locator("#ticket-race tr.winner")).ToHaveCountAsync(1);
            await Expect(page.Locator("#ticket-race tr.winner")).ToContainTextAsync("Final");
            await Expect(page.Locator("#ticket-history tr[data-event='TicketOpened']")).ToHaveCountAsync(1);
            await Expect(page.Locator("#ticket-sla [data-clock='Accept']")).ToHaveAttributeAsync("data-state", "stopped");
            await ConsoleFixture.ScreenshotAsync(page, "ticket", role);
            await page.Context.CloseAsync();
        }
    }

    private async Task<Guid> OpenTicketAsync()
    {
        // Maintenance learns of the machine from the bus; until then it answers that it does not know it.
        var operation = await Eventually.GetAsync(async () =>
        {
            using var response = await stack.Customer.Client.PostAsJsonAsync("/api/maintenance/tickets",
                new { machineId = stack.MachineA, kind = "repair", mode = "fcfs", description = "Spindle stalls under load; error E42." });
            return response.StatusCode == HttpStatusCode.Accepted ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()) : null;
        }, "the ticket to be opened", TimeSpan.FromSeconds(60));
        return Guid.Parse(operation.RootElement.GetProperty("subject").GetString()!);
    }

    [Theory]
    [MemberData(nameof(TelemetryRoles))]
    public async Task Invoices_ShowEachMachinesTermsAndInvoices(string role)
    {
        var page = await stack.OpenConsoleAsync(stack.Members[role], "#/invoices");
        var machineA = page.Locator($".machine-invoices[data-machine-id='{stack.MachineA}']");
        // Terms and their epoch come from the chain through the Invoicing API: v1, active since the customer accepted.
        await Expect(machineA.Locator(".terms")).ToContainTextAsync("Terms v1 active (latest v1), billing period 1 min, first period from");
        // Machine A bills every minute (the fixture lowers the Machines floor): its period 0 is invoiced by the OEM's node and
        // verified and accepted by the customer's, both held by this deployment, and the row says so.
        var first = machineA.Locator(".invoice-row").First;
        await Expect(first.Locator(".verification")).ToContainTextAsync("accepted: recomputed the same", new() { Timeout = 180_000 });
        await Expect(first.Locator(".state")).ToContainTextAsync("Accepted");
        var machineB = page.Locator($".machine-invoices[data-machine-id='{stack.MachineB}']");
        if (role == "customer") await Expect(machineB).ToHaveCountAsync(0);
        else await Expect(machineB.Locator(".terms")).ToContainTextAsync("not accepted yet");
        await ConsoleFixture.ScreenshotAsync(page, "invoices", role);
        await page.Context.CloseAsync();
    }

    [Theory]
    [MemberData(nameof(TelemetryRoles))]
    public async Task Anchors_AReadingsProof_VerifiesInTheBrowser_AndATamperedOneDoesNot(string role)
    {
        var seq = await stack.PostReadingsAsync(5);
        // The proof exists once the reading's round is mined.
        await Eventually.TrueAsync(async () =>
        {
            using var response = await stack.Customer.Client.GetAsync($"/api/anchoring/proofs/{stack.MachineA}/{seq}");
            return response.StatusCode == HttpStatusCode.OK;
        }, $"reading {seq} to be anchored", TimeSpan.FromSeconds(90));

        var page = await stack.OpenConsoleAsync(stack.Members[role], "#/anchors");
        await Expect(page.Locator("tr.round-row").First).ToBeVisibleAsync();
        if (role == "operator") await Expect(page.Locator("#batches-anchored")).ToHaveTextAsync(new Regex("^[1-9]\\d*$"));
        else await Expect(page.Locator("#anchoring-progress")).ToHaveCountAsync(0);

        await page.Locator("#proof-machine").SelectOptionAsync(stack.MachineA.ToString());
        await page.Locator("#proof-seq").FillAsync(ConsoleFixture.Seq(seq));
        await page.Locator("#proof-check").ClickAsync();
        // Either a verdict or the problem the console shows instead: say which problem, not only that no verdict came.
        await Expect(page.Locator("#proof-verdict, #proof-error")).ToBeVisibleAsync();
        if (await page.Locator("#proof-error").CountAsync() > 0)
        {
            // What the page asked for, and what the same request answers now, outside the browser.
            var (machine, asked) = (await page.Locator("#proof-machine").InputValueAsync(), await page.Locator("#proof-seq").InputValueAsync());
            using var again = await stack.Members[role].Client.GetAsync($"/api/anchoring/proofs/{machine}/{asked}");
            throw new ShouldAssertException($"the console showed a problem instead of a verdict: {await page.Locator("#proof-error").TextContentAsync()} " +
                $"(the test posted up to {stack.MachineA}/{seq}; the page asked for {machine}/{asked}; asked again now: {(int)again.StatusCode})");
        }
        await Expect(page.Locator("#proof-verdict")).ToHaveTextAsync("Proof verified");
        await Expect(page.Locator(".checks li.fail")).ToHaveCountAsync(0);
        await Expect(page.Locator(".checks li[data-check='round-anchored']")).ToHaveClassAsync("pass");
        var computed = await page.Locator("#computed-root").TextContentAsync() ?? "";
        computed.ShouldMatch("^[0-9a-f]{64}$");
        (await page.Locator("#chain-root").TextContentAsync()).ShouldStartWith(computed);
        await ConsoleFixture.ScreenshotAsync(page, "anchors", role);

        // The same proof with one count changed on its way to the browser: the check must refuse it.
        await page.RouteAsync("**/api/anchoring/proofs/**", async route =>
        {
            var response = await route.FetchAsync();
            var body = (await response.TextAsync()).Replace("\\\"produced\\\":3", "\\\"produced\\\":4", StringComparison.Ordinal);
            await route.FulfillAsync(new() { Response = response, Body = body });
        });
        await page.Locator("#proof-check").ClickAsync();
        await Expect(page.Locator("#proof-verdict")).ToHaveTextAsync("Proof does NOT verify");
        await Expect(page.Locator(".checks li[data-check='reading-in-batch']")).ToHaveClassAsync("fail");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task LiveUpdates_ReadTheEventStreamWithTheKey_AndPollWhereThereIsNone()
    {
        // GET /api/events as the gateway's stream sends it (CloudEvents in `data:`), put in the browser's way.
        const string stream = "id: 1\nevent: maas.machines.machine-started\ndata: {\"specversion\":\"1.0\",\"type\":\"maas.machines.machine-started\"}\n\n" +
            ": keep-alive\n\n" +
            "id: 2\nevent: maas.maintenance.ticket-opened\ndata: {\"specversion\":\"1.0\",\n" +
            "data: \"type\":\"maas.maintenance.ticket-opened\"}\n\n";
        string? keySent = null;
        var page = await stack.OpenConsoleAsync(stack.Customer, "#/machines", context => context.RouteAsync("**/api/events", async route =>
        {
            keySent = route.Request.Headers.GetValueOrDefault("x-api-key");
            await route.FulfillAsync(new() { Status = 200, ContentType = "text/event-stream", Body = stream });
        }));
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-events-received", "2");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-last-event", "maas.maintenance.ticket-opened");
        keySent.ShouldBe(stack.Customer.ApiKey);
        await page.Context.CloseAsync();

        // Where the gateway has no stream (404) the pages poll, and say so.
        page = await stack.OpenConsoleAsync(stack.Customer, "#/machines",
            context => context.RouteAsync("**/api/events", route => route.FulfillAsync(new() { Status = 404, ContentType = "application/problem+json", Body = "{}" })));
        await Expect(page.Locator("#live-mode")).ToHaveAttributeAsync("data-mode", "polling");
        await Expect(page.Locator("#live-mode")).ToHaveTextAsync("live: polling every 2 s");
        await Expect(page.Locator($"tr.machine-row[data-machine-id='{stack.MachineA}']")).ToBeVisibleAsync();
        (await page.Locator("body").GetAttributeAsync("data-events-received")).ShouldBeNull();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Members_TheOperatorSeesEveryMember()
    {
        var page = await stack.OpenConsoleAsync(stack.Operator, "#/members");
        foreach (var member in stack.Members.Values)
            await Expect(page.Locator($"tr.member-row[data-member-id='{member.MemberId}']")).ToContainTextAsync(member.Name);
        await ConsoleFixture.ScreenshotAsync(page, "members", "operator");
        await page.Context.CloseAsync();
    }
}
