using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MaaS.OffChain.Telemetry;
using MaaS.ServiceDefaults.Identity;
using MaaS.Telemetry.Tests.Infrastructure;
using Shouldly;

namespace MaaS.Telemetry.Tests;

public sealed class QueryEnvironment : TelemetryEnvironment;

[Trait("Category", "Integration")]
public sealed class QueryTests(QueryEnvironment environment) : IClassFixture<QueryEnvironment>
{
    private const long Minute = 60_000;

    [Fact]
    public async Task Readings_ArePagedBySeq_NewestLast_WithinTheTimeWindow()
    {
        var device = await environment.RegisterMachineAsync();
        var t0 = TestDevice.NowMs - 100 * Minute;
        var readings = Enumerable.Range(1, 25).Select(i => device.Reading(i, ts: t0 + i * Minute)).ToList();
        await environment.PostAcceptedAsync(device.Body(readings.AsEnumerable().Reverse()));

        var seqs = new List<long>();
        var pages = 0;
        string? next = $"/api/telemetry/machines/{device.MachineId}/readings?pageSize=10";
        while (next is not null)
        {
            var page = await environment.Operator.GetFromJsonAsync<JsonElement>(next);
            pages++;
            seqs.AddRange(page.GetProperty("readings").EnumerateArray().Select(r => r.GetProperty("seq").GetInt64()));
            next = page.GetProperty("next").GetString();
        }
        pages.ShouldBe(3);
        seqs.ShouldBe(Enumerable.Range(1, 25).Select(i => (long)i));

        var from = DateTimeOffset.FromUnixTimeMilliseconds(t0 + 5 * Minute).ToString("O");
        var window = await environment.Operator.GetFromJsonAsync<JsonElement>(
            $"/api/telemetry/machines/{device.MachineId}/readings?from={Uri.EscapeDataString(from)}&to={t0 + 9 * Minute}&after=6");
        window.GetProperty("readings").EnumerateArray().Select(r => r.GetProperty("seq").GetInt64()).ShouldBe([7L, 8L]);
        window.GetProperty("next").ValueKind.ShouldBe(JsonValueKind.Null);
        window.GetProperty("readings")[0].GetRawText().ShouldBe(System.Text.Encoding.UTF8.GetString(readings[6].Canonical()));
    }

    [Fact]
    public async Task Status_ShowsTheLastReadingAndWhenItWasSeen()
    {
        var device = await environment.RegisterMachineAsync();
        var empty = await environment.StatusAsync(device);
        empty.GetProperty("readingCount").GetInt64().ShouldBe(0);
        empty.GetProperty("status").ValueKind.ShouldBe(JsonValueKind.Null);

        var before = DateTimeOffset.UtcNow;
        await environment.PostAcceptedAsync(device.Body([device.Reading(2, ReadingStatus.Idle), device.Reading(3, ReadingStatus.Maintenance), device.Reading(1)]));
        var status = await environment.StatusAsync(device);
        status.GetProperty("executing").GetBoolean().ShouldBeTrue();
        status.GetProperty("lastSeq").GetInt64().ShouldBe(3);
        status.GetProperty("status").GetString().ShouldBe("maintenance");
        status.GetProperty("lastReading").GetProperty("seq").GetInt64().ShouldBe(3);
        status.GetProperty("lastSeenAt").GetDateTimeOffset().ShouldBeGreaterThanOrEqualTo(before.AddSeconds(-1));
        status.GetProperty("gap").GetProperty("open").GetBoolean().ShouldBeFalse();
        status.GetProperty("readingCount").GetInt64().ShouldBe(3);
    }

    /// <summary>
    /// Window [t0, t0+60 min), ideal rate 720/h. Statuses: malfunctioning from t0−5 (in force at t0) until t0+5, running to +30,
    /// idle to +40, maintenance to +50, running to the end. Running 35 min, maintenance 10: planned 50 → availability 7000;
    /// produced 350 (100 + 200 + 50; the readings before and after the window do not count), ideal 720 × 35/60 = 420 →
    /// performance 8333; rejected 15 → quality 335/350 = 9571; OEE 7000 × 8333 × 9571 / 10⁸ = 5582.
    /// </summary>
    [Fact]
    public async Task Oee_MatchesTheHandComputedFigures()
    {
        var device = await environment.RegisterMachineAsync();
        var t0 = (TestDevice.NowMs - 3 * 60 * Minute) / Minute * Minute;
        await environment.PostAcceptedAsync(device.Body(
        [
            device.Reading(1, ReadingStatus.Malfunctioning, produced: 7, ts: t0 - 5 * Minute),
            device.Reading(2, ReadingStatus.Running, produced: 100, ts: t0 + 5 * Minute),
            device.Reading(3, ReadingStatus.Running, produced: 200, rejected: 10, ts: t0 + 20 * Minute),
            device.Reading(4, ReadingStatus.Idle, produced: 0, ts: t0 + 30 * Minute),
            device.Reading(5, ReadingStatus.Maintenance, produced: 0, ts: t0 + 40 * Minute),
            device.Reading(6, ReadingStatus.Running, produced: 50, rejected: 5, ts: t0 + 50 * Minute),
            device.Reading(7, ReadingStatus.Idle, produced: 999, ts: t0 + 65 * Minute),
        ]));

        var oee = await environment.Operator.GetFromJsonAsync<JsonElement>(
            $"/api/telemetry/machines/{device.MachineId}/oee?from={t0}&to={t0 + 60 * Minute}&idealRatePerHour=720");

        oee.GetProperty("runningMs").GetInt64().ShouldBe(35 * Minute);
        oee.GetProperty("malfunctioningMs").GetInt64().ShouldBe(5 * Minute);
        oee.GetProperty("idleMs").GetInt64().ShouldBe(10 * Minute);
        oee.GetProperty("maintenanceMs").GetInt64().ShouldBe(10 * Minute);
        oee.GetProperty("plannedMs").GetInt64().ShouldBe(50 * Minute);
        oee.GetProperty("produced").GetInt64().ShouldBe(350);
        oee.GetProperty("rejected").GetInt64().ShouldBe(15);
        oee.GetProperty("availabilityBp").GetInt64().ShouldBe(7000);
        oee.GetProperty("performanceBp").GetInt64().ShouldBe(8333);
        oee.GetProperty("qualityBp").GetInt64().ShouldBe(9571);
        oee.GetProperty("oeeBp").GetInt64().ShouldBe(5582);

        // Ten minutes earlier: five of them before any reading (unknown), planned 60 → availability 35/60.
        var wider = await environment.Operator.GetFromJsonAsync<JsonElement>(
            $"/api/telemetry/machines/{device.MachineId}/oee?from={t0 - 10 * Minute}&to={t0 + 60 * Minute}&idealRatePerHour=720");
        wider.GetProperty("unknownMs").GetInt64().ShouldBe(5 * Minute);
        wider.GetProperty("malfunctioningMs").GetInt64().ShouldBe(10 * Minute);
        wider.GetProperty("produced").GetInt64().ShouldBe(357);
        wider.GetProperty("availabilityBp").GetInt64().ShouldBe(5833);
    }

    [Fact]
    public async Task Oee_WithoutReadings_HasNoRatios()
    {
        var device = await environment.RegisterMachineAsync();
        var oee = await environment.Operator.GetFromJsonAsync<JsonElement>($"/api/telemetry/machines/{device.MachineId}/oee");
        oee.GetProperty("availabilityBp").GetInt64().ShouldBe(0);
        oee.GetProperty("unknownMs").GetInt64().ShouldBe(24 * 60 * Minute);
        oee.GetProperty("performanceBp").ValueKind.ShouldBe(JsonValueKind.Null);
        oee.GetProperty("qualityBp").ValueKind.ShouldBe(JsonValueKind.Null);
        oee.GetProperty("oeeBp").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task ReadSide_IsForTheOemTheCustomerAndTheOperator_OthersGet404()
    {
        var (oem, customer, stranger) = (TelemetryEnvironment.NewAccount(), TelemetryEnvironment.NewAccount(), TelemetryEnvironment.NewAccount());
        var device = await environment.RegisterMachineAsync(oem: oem, customer: customer);
        await environment.PostAcceptedAsync(device.Body([device.Reading(1)]));

        foreach (var path in new[] { "readings", "status", "oee" })
        {
            var url = $"/api/telemetry/machines/{device.MachineId}/{path}";
            foreach (var (member, expected) in new[]
            {
                (TelemetryEnvironment.Member(oem.ToUpperInvariant().Replace("0X", "0x", StringComparison.Ordinal), MemberRoles.Oem), HttpStatusCode.OK),
                (TelemetryEnvironment.Member(customer, MemberRoles.Customer), HttpStatusCode.OK),
                (TelemetryEnvironment.Member(stranger, MemberRoles.Customer | MemberRoles.Oem | MemberRoles.Maintainer), HttpStatusCode.NotFound),
            })
            {
                using var client = environment.Environment.ClientFor(environment.Host.Address, member);
                using var response = await client.GetAsync(url);
                response.StatusCode.ShouldBe(expected, $"{member.Roles} on {path}");
            }
            using var anonymous = await environment.Devices.GetAsync(url);
            anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            using var unknown = await environment.Operator.GetAsync($"/api/telemetry/machines/{Guid.NewGuid()}/{path}");
            unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }
    }
}
