using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MaaS.Contracts.Machines;
using MaaS.ServiceDefaults.Identity;
using MaaS.Testing;
using MassTransit;

namespace MaaS.Telemetry.Tests.Infrastructure;

/// <summary>
/// One environment (own database and virtual host on the real servers) with a Telemetry host, a broker log of what it
/// publishes, and machines fed to it as the Machines service would: its integration events published on the bus, each
/// with its own message id.
/// </summary>
public abstract class TelemetryEnvironment : IAsyncLifetime
{
    private long block = 100;

    public IsolatedEnvironment Environment { get; private set; } = null!;

    public ServiceHost<TelemetryApi> Host { get; private set; } = null!;

    public MessageLog Messages { get; private set; } = null!;

    /// <summary>Anonymous, like an IoT box.</summary>
    public HttpClient Devices { get; private set; } = null!;

    /// <summary>The consortium operator, who may read every machine.</summary>
    public HttpClient Operator { get; private set; } = null!;

    protected virtual string Purpose => GetType().Name;

    /// <summary>Settings of this class's hosts, on top of the environment's.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public Dictionary<string, string?> HostSettings(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = Environment.ServiceSettings();
        settings["Telemetry:PublishPollInterval"] = "00:00:00.200";
        settings["Telemetry:GapCheckInterval"] = "00:00:00.200";
        settings["Telemetry:Sealing:CheckInterval"] = "00:00:00.100";
        foreach (var (key, value) in Settings) settings[key] = value;
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        return settings;
    }

    public ServiceHost<TelemetryApi> CreateHost(IReadOnlyDictionary<string, string?>? overrides = null) => new(HostSettings(overrides));

    public virtual async Task InitializeAsync()
    {
        Environment = await IsolatedEnvironment.CreateAsync(Purpose, deploy: false);
        Messages = await MessageLog.StartAsync(Environment);
        Host = CreateHost();
        Devices = Environment.ClientFor(Host.Address, null);
        Operator = Environment.ClientFor(Host.Address, TestMembers.Operator);
    }

    public virtual async Task DisposeAsync()
    {
        Devices.Dispose();
        Operator.Dispose();
        await Host.DisposeAsync();
        await Messages.DisposeAsync();
        await Environment.DisposeAsync();
    }

    public static MemberIdentity Member(string account, MemberRoles roles) =>
        new(MemberIds.For(account), "member " + account[..8], roles, account, KeyScope.Read);

    public static string NewAccount() => Nethereum.Signer.EthECKey.GenerateKey().GetPublicAddress().ToLowerInvariant();

    /// <summary>Registers (and by default starts) a machine, then waits until telemetry's view shows it.</summary>
    public async Task<TestDevice> RegisterMachineAsync(bool start = true, uint intervalSeconds = 3_600, string? oem = null, string? customer = null)
    {
        var device = new TestDevice(Guid.CreateVersion7());
        await PublishAsync(new MachineRegistered(device.MachineId, oem ?? NewAccount(), customer ?? NewAccount(), "M-1", 1, device.Address, intervalSeconds,
            "Qm", "0x", "0xregister", NextBlock(), DateTimeOffset.UtcNow));
        if (start) await StartMachineAsync(device);
        else await WaitForStatusAsync(device, s => s.GetProperty("device").GetString() == device.Address, "registered");
        return device;
    }

    public async Task StartMachineAsync(TestDevice device)
    {
        await PublishAsync(new MachineStarted(device.MachineId, "0xstart", NextBlock(), DateTimeOffset.UtcNow));
        await WaitForStatusAsync(device, s => s.GetProperty("executing").GetBoolean() && s.GetProperty("device").GetString() == device.Address, "executing");
    }

    public long NextBlock() => Interlocked.Increment(ref block);

    public Task PublishAsync<T>(T message, Guid? messageId = null) where T : class =>
        Messages.Publisher.Publish(message, context => context.MessageId = messageId ?? Guid.NewGuid());

    public async Task<JsonElement> StatusAsync(TestDevice device, HttpClient? client = null)
    {
        using var response = await (client ?? Operator).GetAsync($"/api/telemetry/machines/{device.MachineId}/status");
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"status {(int)response.StatusCode}: {body}");
        return TestDevice.Parse(body);
    }

    public async Task<JsonElement> WaitForStatusAsync(TestDevice device, Func<JsonElement, bool> condition, string what, TimeSpan? timeout = null) =>
        (JsonElement)await Eventually.GetAsync<object>(async () =>
        {
            var status = await StatusAsync(device);
            return condition(status) ? status : null;
        }, $"machine {device.MachineId} to be {what}", timeout);

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string body, HttpClient? client = null)
    {
        using var response = await (client ?? Devices).PostAsync("/api/telemetry/readings", TestDevice.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : TestDevice.Parse(text));
    }

    public async Task<JsonElement> PostAcceptedAsync(string body, HttpClient? client = null)
    {
        var (status, json) = await PostAsync(body, client);
        if (status != HttpStatusCode.Accepted) throw new InvalidOperationException($"expected 202, got {(int)status}: {json}");
        return json;
    }

    public async Task<List<JsonElement>> AllReadingsAsync(TestDevice device, HttpClient? client = null)
    {
        var result = new List<JsonElement>();
        string? next = $"/api/telemetry/machines/{device.MachineId}/readings?pageSize=5000";
        while (next is not null)
        {
            var page = await (client ?? Operator).GetFromJsonAsync<JsonElement>(next);
            result.AddRange(page.GetProperty("readings").EnumerateArray());
            next = page.GetProperty("next").GetString();
        }
        return result;
    }
}
