using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using MaaS.OffChain.Telemetry;
using MaaS.Testing;
using Microsoft.Playwright;
using Nethereum.Signer;

namespace MaaS.EndToEnd.Tests.WebConsole;

/// <summary>A member the console is opened as: its display name and API key.</summary>
public sealed record ConsoleMember(string Role, string Name, Guid MemberId, string ApiKey, HttpClient Client);

/// <summary>
/// The whole stack with a small consortium made through the gateway (the operator invites an OEM, two customers and a
/// maintainer, who redeem), machine A rented to "Factory Co" (registered, accepted, started; its IoT box signs readings)
/// and machine B rented to "Mill Works" (registered only), the maintainer accredited for A's model only — and Debian's
/// chromium, driven headless by Playwright, to open the console as each of them.
/// </summary>
public sealed class ConsoleFixture : StackFixture
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string ModelA = "CNC-5X";
    public const string ModelB = "LATHE-2";

    private long nextSeq;
    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    public Dictionary<string, ConsoleMember> Members { get; } = [];

    public ConsoleMember Operator => Members["operator"];

    public ConsoleMember Oem => Members["oem"];

    public ConsoleMember Customer => Members["customer"];

    public ConsoleMember OtherCustomer => Members["other-customer"];

    public ConsoleMember Maintainer => Members["maintainer"];

    public Guid MachineA { get; private set; }

    public Guid MachineB { get; private set; }

    public EthECKey Device { get; } = EthECKey.GenerateKey();

    /// <summary>Where every page's screenshot goes: <c>.maas/test/console-screenshots/&lt;page&gt;-&lt;role&gt;.png</c> under the checkout.</summary>
    public static string ScreenshotDirectory => Path.Combine(Repository.Root, ".maas", "test", "console-screenshots");

    protected override void Configure(Dictionary<string, string?> settings)
    {
        SealAndAnchorWithinSeconds(settings, 20);
        // Machine A bills every minute, so its first invoice is issued and verified while the tests run.
        settings["Machines:MinBillingPeriodSeconds"] = "60";
        settings["Invoicing:Grace"] = "00:00:03";
    }

    public override async Task InitializeAsync()
    {
        // The browser first: if it cannot start, every test fails at once saying why, rather than after the stack is up.
        Browser = await LaunchChromiumAsync();
        Assertions.SetDefaultExpectTimeout(90_000);
        Directory.CreateDirectory(ScreenshotDirectory);

        await base.InitializeAsync();
        var operatorMe = await Client.WaitForAsync("/api/machines/members/me", _ => true, "the operator to be seeded");
        Members["operator"] = new ConsoleMember("operator", operatorMe.GetProperty("name").GetString()!, operatorMe.GetProperty("id").GetGuid(), Environment.OperatorApiKey, Client);
        var joined = await Task.WhenAll(
            JoinAsync("oem", "oem", "Acme Machines"), JoinAsync("customer", "customer", "Factory Co"),
            JoinAsync("other-customer", "customer", "Mill Works"), JoinAsync("maintainer", "maintainer", "FixIt Ltd"));
        foreach (var member in joined) Members[member.Role] = member;

        var accredited = AccreditAsync();
        var machines = await Task.WhenAll(ProvisionAsync(Customer, ModelA, start: true), ProvisionAsync(OtherCustomer, ModelB, start: false));
        (MachineA, MachineB) = (machines[0], machines[1]);
        await accredited;
    }

    private async Task<IBrowser> LaunchChromiumAsync()
    {
        try
        {
            playwright = await Playwright.CreateAsync();
            return await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
        }
        catch (Exception ex) when (ex is PlaywrightException or InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException(
                $"The console tests need Debian's chromium at {ChromiumPath}, driven by Playwright ({ex.GetType().Name}: {ex.Message}). " +
                "Install it with `apt-get install -y chromium` (./maas setup does). The tests fail rather than skip without it.", ex);
        }
    }

    private async Task<ConsoleMember> JoinAsync(string key, string role, string name)
    {
        var invitation = await Client.PostAcceptedAsync("/api/machines/members/invitations", new { name, roles = new[] { role }, expiresInHours = 1 });
        await WaitForFinalAsync(Client, invitation.GetProperty("operationId").GetGuid());
        var redemption = await Anonymous.PostAcceptedAsync("/api/machines/members/redemptions", new { code = invitation.GetProperty("code").GetString(), name });
        var apiKey = redemption.GetProperty("apiKey").GetString()!;
        var client = ClientWithKey(apiKey);
        await WaitForFinalAsync(client, redemption.GetProperty("operationId").GetGuid());
        await client.WaitForAsync("/api/machines/members/me", me => me.GetProperty("status").GetString() == "active", $"{name} to be active");
        return new ConsoleMember(key, name, redemption.GetProperty("memberId").GetGuid(), apiKey, client);
    }

    private async Task AccreditAsync()
    {
        var accreditation = await Oem.Client.PostAcceptedAsync("/api/machines/accreditations", new { maintainerId = Maintainer.MemberId, model = ModelA });
        await WaitForFinalAsync(Oem.Client, accreditation.GetProperty("id").GetGuid());
    }

    private async Task<Guid> ProvisionAsync(ConsoleMember customer, string model, bool start)
    {
        var registration = await Oem.Client.PostAcceptedAsync("/api/machines", new
        {
            customerId = customer.MemberId, model, region = 7, deviceAddress = start ? Device.GetPublicAddress() : EthECKey.GenerateKey().GetPublicAddress(),
            telemetryIntervalSeconds = 60,
            specDocument = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{model}, serial {Guid.NewGuid():N}")),
            terms = MaaS.OffChain.Invoicing.PricingTerms.Example.ToJson(), billingPeriodSeconds = start ? 60 : 24 * 3600,
        });
        var machineId = Guid.Parse(registration.GetProperty("subject").GetString()!);
        await WaitForFinalAsync(Oem.Client, registration.GetProperty("id").GetGuid());
        var machine = await customer.Client.WaitForAsync($"/api/machines/{machineId}",
            m => m.TryGetProperty("latestTermsVersion", out var v) && v.ValueKind == JsonValueKind.Number, "the machine's terms");
        if (!start) return machineId;
        var accepted = await customer.Client.PostAcceptedAsync($"/api/machines/{machineId}/accept", new { termsVersion = machine.GetProperty("latestTermsVersion").GetInt32() });
        await WaitForFinalAsync(customer.Client, accepted.GetProperty("id").GetGuid());
        await customer.Client.WaitForAsync($"/api/machines/{machineId}", m => m.GetProperty("finalState").GetString() == "Accepted", "the machine accepted");
        var started = await customer.Client.PostAcceptedAsync($"/api/machines/{machineId}/start", null);
        await WaitForFinalAsync(customer.Client, started.GetProperty("id").GetGuid());
        await customer.Client.WaitForAsync($"/api/telemetry/machines/{machineId}/status", s => s.GetProperty("executing").GetBoolean(), "telemetry to know the machine runs");
        return machineId;
    }

    private static Task WaitForFinalAsync(HttpClient client, Guid operationId) =>
        client.WaitForAsync($"/api/machines/operations/{operationId}", o => o.GetProperty("status").GetString() switch
        {
            "Final" => true,
            "Failed" => throw new InvalidOperationException($"operation {operationId} failed: {o}"),
            _ => false,
        }, $"operation {operationId} to be final");

    /// <summary>
    /// Machine A's IoT box posts <paramref name="count"/> signed readings (stamped now) through the gateway; their
    /// <c>spindle_rpm</c> is 5,000 + seq, so the last value drawn tells which reading the chart reached. Returns the last seq.
    /// </summary>
    public async Task<long> PostReadingsAsync(int count = 10)
    {
        var first = Interlocked.Add(ref nextSeq, count) - count + 1;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var readings = Enumerable.Range(0, count).Select(i => first + i).Select(seq => new Reading(MachineA, seq, now - (count - (seq - first)) * 100,
            ReadingStatus.Running, 3, seq % 5 == 0 ? 1 : 0, new Dictionary<string, long> { ["spindle_rpm"] = SpindleRpm(seq), ["temp_mc"] = 21_000 + seq })).ToList();
        var body = DeviceRequests.Body(MachineA, readings, Device);
        using var response = await Anonymous.PostAsync("/api/telemetry/readings", new StringContent(body, Encoding.UTF8, "application/json"));
        if (response.StatusCode != HttpStatusCode.Accepted)
            throw new InvalidOperationException($"readings refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return first + count - 1;
    }

    public static long SpindleRpm(long seq) => 5_000 + seq;

    /// <summary>A fresh browser context (its own sessionStorage) with the console open and signed in as <paramref name="member"/>.</summary>
    public async Task<IPage> OpenConsoleAsync(ConsoleMember member, string? hash = null, Func<IBrowserContext, Task>? prepare = null)
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1360, Height = 900 }, BaseURL = Gateway.Address.ToString() });
        if (prepare is not null) await prepare(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/console/");
        await page.Locator("#api-key").FillAsync(member.ApiKey);
        await page.Locator("#login-button").ClickAsync();
        await Assertions.Expect(page.Locator("#member-name")).ToHaveTextAsync(member.Name);
        if (hash is not null) await page.GotoAsync("/console/" + hash);
        return page;
    }

    public static Task ScreenshotAsync(IPage page, string name, string role) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, $"{name}-{role}.png"), FullPage = true });

    public override async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        playwright?.Dispose();
        await base.DisposeAsync();
    }

    public static string Seq(long seq) => seq.ToString(CultureInfo.InvariantCulture);
}
