using System.Text;
using System.Text.Json.Nodes;
using Nethereum.Web3;
using Shouldly;
using Xunit.Abstractions;

namespace MaaS.EndToEnd.Tests.Authorization;

/// <summary>
/// Every operation of the gateway's OpenAPI document, called as every kind of caller, against what the document declares
/// (<c>x-maas-authorization</c>): anonymous callers 401, read-only keys 403 on writes, other roles 403, strangers 403 or
/// 404 without a trace of the owned resources in the answer, owners' reads 2xx; and afterwards the owned machine, ticket,
/// key, batch and every member's chain nonce are as before. Allowed writes by the owners are not sent (they would change
/// the resources the matrix probes); allowed writes that only create the caller's own things are not sent either.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AuthorizationMatrixTests(AuthorizationMatrixFixture stack, ITestOutputHelper output) : IClassFixture<AuthorizationMatrixFixture>
{
    private enum Kind { Anonymous, Operator, Owner, Stranger, Accredited }

    private sealed record Caller(string Column, HttpClient Client, string? Role, Kind Kind, bool ReadOnly = false);

    /// <summary>Which resource a path parameter names, who owns it, and whether it exists.</summary>
    private sealed record Resource(string Value, string? OwnedBy, bool Absent = false);

    private const string Machine = "machine", Key = "key", Operation = "operation";

    /// <summary>What an accredited maintainer must be able to read (it may read more: Telemetry's, Anchoring's views are recorded).</summary>
    private static readonly HashSet<string> AccreditedReads =
    [
        "GET /api/machines/{machineId}", "GET /api/machines/{machineId}/at", "GET /api/maintenance/tickets/{ticketId}",
    ];

    /// <summary>Reads of the caller's own things that answer 404 until the caller makes one (the matrix makes none).</summary>
    private static readonly Dictionary<string, string> OwnNotYetMade = new()
    {
        ["GET /api/maintenance/watchdogs/me"] = "the maintainer has configured no watchdog",
    };

    [Fact]
    public async Task EveryRole_AgainstEveryOperation_GetsWhatTheDocumentDeclares_AndNothingLeaks()
    {
        var document = JsonNode.Parse(await stack.Anonymous.GetStringAsync("/openapi/v1.json"))!.AsObject();
        document["x-missing-services"].ShouldBeNull("every service's document is merged");
        Caller[] callers =
        [
            new("anon", stack.Anonymous, null, Kind.Anonymous),
            new("operator", stack.Client, "operator", Kind.Operator),
            new("oemA", stack.OemA.Client, "oem", Kind.Owner),
            new("custA", stack.CustomerA.Client, "customer", Kind.Owner),
            new("oemA-ro", stack.OemAReadOnly.Client, "oem", Kind.Owner, ReadOnly: true),
            new("oemB", stack.OemB.Client, "oem", Kind.Stranger),
            new("custB", stack.CustomerB.Client, "customer", Kind.Stranger),
            new("maint", stack.Maintainer.Client, "maintainer", Kind.Stranger),
            new("maint+", stack.AccreditedMaintainer.Client, "maintainer", Kind.Accredited),
        ];
        var before = await SnapshotAsync();

        var failures = new List<string>();
        var rows = new List<(string Operation, string[] Cells)>();
        foreach (var (path, item) in document["paths"]!.AsObject().OrderBy(p => p.Key, StringComparer.Ordinal))
        foreach (var (method, node) in item!.AsObject().Where(o => o.Value is JsonObject && o.Key is not "parameters" and not "summary" and not "description"))
        {
            var operation = node!.AsObject();
            var name = $"{method.ToUpperInvariant()} {path}";
            if (operation["x-maas-authorization"] is not JsonObject declared)
            {
                failures.Add($"{name}: no x-maas-authorization");
                continue;
            }
            var cells = new string[callers.Length];
            for (var i = 0; i < callers.Length; i++)
            {
                try
                {
                    cells[i] = await ProbeAsync(name, method, path, operation, declared, callers[i], failures);
                }
                catch (UnknownParameterException unknown)
                {
                    failures.Add($"{name}: {unknown.Message}");
                    cells[i] = "?";
                }
            }
            rows.Add((name, cells));
        }
        Print(callers, rows);

        var after = await SnapshotAsync();
        after.ShouldBe(before, "a refused call changed something");
        failures.ShouldBeEmpty(string.Join("\n", failures));
        rows.Count.ShouldBeGreaterThan(40, "the document lists every service's operations");
    }

    /// <summary>Sends one call (unless it is an allowed write that would change the resources) and checks the answer; returns the matrix cell.</summary>
    private async Task<string> ProbeAsync(string name, string method, string path, JsonObject operation, JsonObject declared, Caller caller, List<string> failures)
    {
        var anonymousOperation = declared["anonymous"]!.GetValue<bool>();
        var roles = declared["roles"]!.AsArray().Select(r => r!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        var isGet = method == "get";
        var resources = Parameters(path, operation);
        var owned = resources.Values.Where(r => r.OwnedBy is not null).ToList();
        var absent = resources.Values.Any(r => r.Absent);
        var owner = owned.All(r => Owns(caller, r.OwnedBy!));
        var body = Body(operation, out var bodyNamesOwned);
        var allowed = anonymousOperation || (caller.Role is not null && roles.Contains(caller.Role));

        // What this caller must get (an allowed write that is not sent returns early).
        Func<int, bool> expected;
        string expectation;
        var leakCheck = false;
        if (anonymousOperation)
        {
            (expected, expectation) = (s => s < 500, "no server error");
        }
        else if (caller.Kind == Kind.Anonymous)
        {
            (expected, expectation) = (s => s == 401, "401");
        }
        else if (caller.ReadOnly && !isGet)
        {
            (expected, expectation) = (s => s == 403, "403 (read-only credential)");
        }
        else if (!allowed)
        {
            (expected, expectation) = (s => s == 403, $"403 (role {caller.Role} not in {string.Join(",", roles)})");
        }
        else if (!isGet && (caller.Kind is Kind.Operator or Kind.Owner or Kind.Accredited || (owned.Count == 0 && !bodyNamesOwned)))
        {
            return "-";   // an allowed write: it would change the owned resources, or only make the caller's own things
        }
        else if (!isGet)
        {
            // A body the service finds invalid is refused before any resource is read (400): nothing is learnt or changed.
            (expected, expectation, leakCheck) = (s => s is 400 or 403 or 404, "403 or 404 (not a party), or 400 (the example body is invalid)", true);
        }
        else if (caller.Kind == Kind.Accredited && owned.Count > 0 && owned.All(r => r.OwnedBy == Machine) && !absent)
        {
            if (AccreditedReads.Contains(name)) (expected, expectation) = (s => s is >= 200 and < 300, "2xx (accredited for the machine)");
            else (expected, expectation) = (s => s < 500, "no server error");
        }
        else if (owned.Count > 0 && !owner)
        {
            (expected, expectation, leakCheck) = (s => s is 403 or 404, "403 or 404 (not a party)", true);
        }
        else if (absent)
        {
            (expected, expectation, leakCheck) = (s => s == 404, "404 (no such resource)", caller.Kind == Kind.Stranger);
        }
        else if (caller.Kind == Kind.Operator)
        {
            (expected, expectation) = (s => s < 500, "no server error");
        }
        else if (OwnNotYetMade.TryGetValue(name, out var why))
        {
            (expected, expectation) = (s => s is (>= 200 and < 300) or 404, $"2xx, or 404 ({why})");
        }
        else
        {
            // An owner's read, or a read that names no owned resource (lists, the caller's own things).
            (expected, expectation, leakCheck) = (s => s is >= 200 and < 300, "2xx", caller.Kind == Kind.Stranger);
        }

        var target = resources.Aggregate(path, (p, r) => p.Replace("{" + r.Key + "}", Uri.EscapeDataString(r.Value.Value), StringComparison.Ordinal)) + Query(operation);
        using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), target);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await caller.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var status = (int)response.StatusCode;
        // A server-sent event stream (/api/events) never ends: its status and headers are the answer.
        var text = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? "" : await response.Content.ReadAsStringAsync();
        var mark = "";
        if (status == 400 && !text.Contains("/problems/validation", StringComparison.Ordinal) && !anonymousOperation)
        {
            failures.Add($"{name} as {caller.Column}: 400 that is not a validation problem: {Shorten(text)}");
            mark = "!";
        }
        if (!expected(status))
        {
            failures.Add($"{name} as {caller.Column}: {status}, expected {expectation}: {Shorten(text)}");
            mark = "!";
        }
        if (status >= 400 && !string.IsNullOrEmpty(text) && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            failures.Add($"{name} as {caller.Column}: {status} is not a problem ({response.Content.Headers.ContentType})");
            mark = "!";
        }
        if (leakCheck && Leaks(text, target + "\n" + body).ToList() is { Count: > 0 } leaked)
        {
            failures.Add($"{name} as {caller.Column}: the answer ({status}) names {string.Join(", ", leaked)}: {Shorten(text)}");
            mark = "!";
        }
        return status.ToString(System.Globalization.CultureInfo.InvariantCulture) + mark;
    }

    private static bool Owns(Caller caller, string resource) => resource switch
    {
        Machine => caller.Kind is Kind.Operator || caller.Column is "oemA" or "custA" or "oemA-ro",
        Key => caller.Column is "oemA" or "oemA-ro",
        Operation => caller.Kind is Kind.Operator || caller.Column is "oemA" or "oemA-ro",
        _ => false,
    };

    /// <summary>Path parameters filled with the owned resources' ids (or ids of nothing, where none exists).</summary>
    private Dictionary<string, Resource> Parameters(string path, JsonObject operation)
    {
        var service = path.Split('/')[2];
        var resources = new Dictionary<string, Resource>();
        foreach (var parameter in (operation["parameters"] as JsonArray ?? []).OfType<JsonObject>().Where(p => p["in"]?.GetValue<string>() == "path"))
        {
            var name = parameter["name"]!.GetValue<string>();
            resources[name] = name switch
            {
                "machineId" => new(stack.MachineId.ToString(), Machine),
                "ticketId" => new(stack.TicketId.ToString(), Machine),
                // No period has ended: the machine's first invoice does not exist yet.
                "invoiceId" => new($"{stack.MachineId}.0", Machine, Absent: true),
                "version" => new("1", null),
                "keyId" => new(stack.OemAReadOnly.KeyId, Key),
                "operationId" => service == "machines" ? new(stack.RegistrationId.ToString(), Operation) : new(Guid.NewGuid().ToString(), null, Absent: true),
                "pingId" => new(Guid.NewGuid().ToString(), null, Absent: true),
                // The member directory and track records are the consortium's: any member reads them.
                "memberId" or "maintainerId" => new(stack.Maintainer.MemberId.ToString(), null),
                "seq" or "batchSeq" => new("1", null),
                // The gateway's partner subscriptions: none is made, so every caller's is absent.
                "subscriptionId" or "deliveryId" => new(Guid.NewGuid().ToString(), null, Absent: true),
                _ => throw new UnknownParameterException($"no value for the path parameter '{name}': say which resource it names"),
            };
        }
        return resources;
    }

    private static string Query(JsonObject operation)
    {
        var required = (operation["parameters"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(p => p["in"]?.GetValue<string>() == "query" && p["required"]?.GetValue<bool>() == true)
            .Select(p => p["name"]!.GetValue<string>() + "=" + Uri.EscapeDataString(p["schema"]?["format"]?.GetValue<string>() == "date-time" ? DateTimeOffset.UtcNow.ToString("O") : "1"))
            .ToList();
        return required.Count == 0 ? "" : "?" + string.Join("&", required);
    }

    /// <summary>The operation's example body with the owned machine and ticket put in; whether it names one of them.</summary>
    private string? Body(JsonObject operation, out bool namesOwned)
    {
        namesOwned = false;
        if (operation["requestBody"] is not JsonObject requestBody) return null;
        if (requestBody["content"]?["application/json"]?["example"] is not { } example) return "{}";
        var body = example.DeepClone();
        var found = false;
        void Fill(JsonNode? node)
        {
            if (node is JsonObject o)
            {
                foreach (var (key, value) in o.ToList())
                {
                    if (key.Equals("machineId", StringComparison.OrdinalIgnoreCase)) { o[key] = stack.MachineId.ToString(); found = true; }
                    else if (key.Equals("ticketId", StringComparison.OrdinalIgnoreCase)) { o[key] = stack.TicketId.ToString(); found = true; }
                    else Fill(value);
                }
            }
            else if (node is JsonArray a)
            {
                foreach (var child in a) Fill(child);
            }
        }
        Fill(body);
        namesOwned = found;
        return body.ToJsonString();
    }

    /// <summary>The owned resources' identifying values in an answer, leaving out those the request itself carried.</summary>
    private IEnumerable<string> Leaks(string answer, string request)
    {
        var values = new Dictionary<string, string>
        {
            ["machine id"] = stack.MachineId.ToString(),
            ["machine id (hex)"] = stack.MachineId.ToString("N"),
            ["ticket id"] = stack.TicketId.ToString(),
            ["ticket id (hex)"] = stack.TicketId.ToString("N"),
            ["OEM A's account"] = stack.OemA.Account,
            ["OEM A's account (hex)"] = stack.OemA.Account[2..],
            ["customer A's account"] = stack.CustomerA.Account,
            ["customer A's account (hex)"] = stack.CustomerA.Account[2..],
            ["the device's address"] = stack.Device.GetPublicAddress(),
            ["the device's address (hex)"] = stack.Device.GetPublicAddress()[2..],
            ["OEM A's name"] = stack.OemA.Name,
            ["customer A's name"] = stack.CustomerA.Name,
            ["OEM A's key id"] = stack.OemAReadOnly.KeyId,
            ["OEM A's registration"] = stack.RegistrationId.ToString(),
        };
        foreach (var (what, value) in values)
            if (answer.Contains(value, StringComparison.OrdinalIgnoreCase) && !request.Contains(value, StringComparison.OrdinalIgnoreCase)) yield return what;
    }

    /// <summary>What no refused call may change: the machine's and the ticket's streams, the read-only key, the batch's key, every member's nonce.</summary>
    private async Task<string> SnapshotAsync()
    {
        var lines = new List<string>();
        using (var machine = await stack.Client.GetAsync($"/api/machines/{stack.MachineId}"))
        {
            var json = JsonNode.Parse(await machine.Content.ReadAsStringAsync())!;
            lines.Add($"machine {(int)machine.StatusCode} etag {machine.Headers.ETag} state {json["state"]} final {json["finalState"]} history {json["history"]?.AsArray().Count}");
        }
        using (var ticket = await stack.CustomerA.Client.GetAsync($"/api/maintenance/tickets/{stack.TicketId}"))
        {
            var json = JsonNode.Parse(await ticket.Content.ReadAsStringAsync())!;
            lines.Add($"ticket {(int)ticket.StatusCode} etag {ticket.Headers.ETag} status {json["status"]} assignee {json["assignee"]}");
        }
        var keys = JsonNode.Parse(await stack.OemA.Client.GetStringAsync("/api/machines/members/me/keys"))!.AsArray();
        lines.Add("read-only key " + keys.Single(k => k!["keyId"]?.GetValue<string>() == stack.OemAReadOnly.KeyId)!["status"]);
        using (var readings = await stack.CustomerA.Client.GetAsync($"/api/anchoring/machines/{stack.MachineId}/batches/1/readings"))
            lines.Add($"batch 1 readings {(int)readings.StatusCode}");
        var web3 = new Web3(stack.Environment.RpcUrl.ToString());
        foreach (var member in new[] { stack.OemA, stack.CustomerA, stack.OemB, stack.CustomerB, stack.Maintainer, stack.AccreditedMaintainer })
            lines.Add($"{member.Name} nonce {(await web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(member.Account, Nethereum.RPC.Eth.DTOs.BlockParameter.CreatePending())).Value}");
        return string.Join("\n", lines);
    }

    private void Print(Caller[] callers, List<(string Operation, string[] Cells)> rows)
    {
        var width = rows.Max(r => r.Operation.Length);
        var text = new StringBuilder();
        text.AppendLine("operation".PadRight(width) + string.Concat(callers.Select(c => c.Column.PadLeft(9))));
        foreach (var (operation, cells) in rows)
            text.AppendLine(operation.PadRight(width) + string.Concat(cells.Select(c => c.PadLeft(9))));
        text.AppendLine("- : an allowed write not sent (it would change the owned resources, or only make the caller's own); ! : unexpected");
        output.WriteLine(text.ToString());
        // Also beside the test assembly, for a reader of a run that did not show test output.
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "authorization-matrix.txt"), text.ToString());
    }

    private static string Shorten(string text) => text.Length <= 400 ? text : text[..400] + "…";

    private sealed class UnknownParameterException(string message) : Exception(message);
}
