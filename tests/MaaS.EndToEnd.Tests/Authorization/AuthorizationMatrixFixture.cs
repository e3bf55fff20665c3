using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using MaaS.OffChain.Telemetry;
using MaaS.Testing;
using Nethereum.Signer;
using Shouldly;

namespace MaaS.EndToEnd.Tests.Authorization;

/// <summary>
/// The parties of the authorisation matrix, made through the gateway the way real ones are. Owned: OEM A's machine,
/// rented to customer A, accepted and started on chain, with signed readings anchored, a ticket open, and a read-only API
/// key of OEM A. Strangers: OEM B, customer B and a maintainer no OEM accredited. Beside them a maintainer OEM A accredited
/// for the machine's model and region, who may read the machine and its ticket.
/// </summary>
public sealed class AuthorizationMatrixFixture : StackFixture
{
    private readonly string suffix = Guid.NewGuid().ToString("N")[..6];

    public StackMember OemA { get; private set; } = null!;

    public StackMember CustomerA { get; private set; } = null!;

    public StackMember OemB { get; private set; } = null!;

    public StackMember CustomerB { get; private set; } = null!;

    public StackMember Maintainer { get; private set; } = null!;

    public StackMember AccreditedMaintainer { get; private set; } = null!;

    /// <summary>OEM A's read-only key, and a client presenting it.</summary>
    public (string KeyId, HttpClient Client) OemAReadOnly { get; private set; }

    public EthECKey Device { get; } = EthECKey.GenerateKey();

    public Guid MachineId { get; private set; }

    /// <summary>OEM A's registration of the machine (an operation of the Machines service).</summary>
    public Guid RegistrationId { get; private set; }

    public Guid TicketId { get; private set; }

    protected override void Configure(Dictionary<string, string?> settings)
    {
        SealAndAnchorWithinSeconds(settings, 5);
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var members = await Task.WhenAll(JoinAsync("oem", $"OEM A {suffix}"), JoinAsync("customer", $"Customer A {suffix}"),
            JoinAsync("oem", $"OEM B {suffix}"), JoinAsync("customer", $"Customer B {suffix}"), JoinAsync("maintainer", $"Maintainer {suffix}"),
            JoinAsync("maintainer", $"Accredited Maintainer {suffix}"));
        (OemA, CustomerA, OemB, CustomerB, Maintainer, AccreditedMaintainer) = (members[0], members[1], members[2], members[3], members[4], members[5]);
        (MachineId, RegistrationId) = await ProvisionAsync(OemA.Client, CustomerA.Client, CustomerA.MemberId, Device.GetPublicAddress());

        using (var issued = await OemA.Client.PostAsJsonAsync("/api/machines/members/me/keys", new { scope = "read", name = "reporting" }))
        {
            var key = await issued.ReadAsync<JsonObject>(HttpStatusCode.Created);
            OemAReadOnly = (key["keyId"]!.GetValue<string>(), ClientWithKey(key["apiKey"]!.GetValue<string>()));
        }

        using (var sent = await Anonymous.PostAsync("/api/telemetry/readings", new StringContent(SignedReadings(1, 5), Encoding.UTF8, "application/json")))
            sent.StatusCode.ShouldBe(HttpStatusCode.Accepted, await sent.Content.ReadAsStringAsync());

        var opened = await CustomerA.Client.PostAcceptedAsync("/api/maintenance/tickets",
            new { machineId = MachineId, kind = "repair", mode = "fcfs", description = "Spindle stalls under load; error E42." });
        TicketId = Guid.Parse(opened.GetProperty("subject").GetString()!);
        await WaitForFinalAsync(CustomerA.Client, opened.GetProperty("id").GetGuid(), "maintenance");
        var accredited = await OemA.Client.PostAcceptedAsync("/api/machines/accreditations", new { maintainerId = AccreditedMaintainer.MemberId, model = "CNC-5X", region = 7 });
        await WaitForFinalAsync(OemA.Client, accredited.GetProperty("id").GetGuid());
        await AccreditedMaintainer.Client.WaitForAsync($"/api/maintenance/tickets/{TicketId}", _ => true, "Maintenance to hear of the accreditation");
        await CustomerA.Client.WaitForAsync($"/api/anchoring/machines/{MachineId}/batches/1", b => b.GetProperty("status").GetString() == "Anchored",
            "the first batch to be anchored");
    }

    /// <summary>Readings <paramref name="first"/>..<paramref name="last"/> as the machine's IoT box signs them (EIP-191 over the canonical bytes).</summary>
    public string SignedReadings(long first, long last)
    {
        var readings = Enumerable.Range((int)first, (int)(last - first + 1)).Select(seq => new Reading(MachineId, seq, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ReadingStatus.Running, 3, 0, new Dictionary<string, long> { ["spindle_rpm"] = 1_200 + seq })).ToList();
        return DeviceRequests.Body(MachineId, readings, Device);
    }

    public override async Task DisposeAsync()
    {
        OemAReadOnly.Client?.Dispose();
        await base.DisposeAsync();
    }
}
