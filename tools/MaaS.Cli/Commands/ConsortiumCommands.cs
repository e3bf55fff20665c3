using System.CommandLine;
using System.Text.Json;
using MaaS.Cli.Gateway;

namespace MaaS.Cli.Commands;

/// <summary>One member of the dev consortium, as <c>consortium bootstrap</c> writes them.</summary>
public sealed record DevMember(string Name, string Role, Guid MemberId, string Account, string ApiKey);

public sealed record DevConsortium(string Gateway, string Model, IReadOnlyList<DevMember> Members)
{
    public DevMember One(string role, int index = 0) => Members.Where(m => m.Role == role).ElementAt(index);

    public static DevConsortium Load(string path) => JsonSerializer.Deserialize<DevConsortium>(File.ReadAllText(path), Json.Indented)
        ?? throw new InvalidOperationException($"{path} is empty.");
}

/// <summary>
/// <c>consortium bootstrap</c>: the dev consortium of <c>./maas up</c> — an OEM, a customer and two maintainers, each invited by
/// the operator and redeemed through the public API like a real newcomer, and both maintainers accredited by the OEM.
/// </summary>
public static class ConsortiumCommands
{
    private static readonly (string Role, string Name)[] Cast =
    [
        ("oem", "Acme Machines (OEM)"), ("customer", "Factory Co (customer)"),
        ("maintainer", "FixIt Ltd (maintainer)"), ("maintainer", "RepairPro (maintainer)"),
    ];

    public static Command Create()
    {
        var gateway = new Option<string>("--gateway") { DefaultValueFactory = _ => "http://127.0.0.1:5100" };
        var operatorKey = new Option<string>("--operator-api-key") { Required = true };
        var output = new Option<string>("--out") { Required = true, Description = "Where to write the members and their API keys (mode 0600)" };
        var model = new Option<string>("--model") { DefaultValueFactory = _ => "CNC-5X" };
        var bootstrap = new Command("bootstrap", "Create the dev consortium through the gateway (reuses it when the file's keys still work)")
        {
            gateway, operatorKey, output, model,
        };
        bootstrap.SetAction(async (result, ct) =>
        {
            var path = result.GetValue(output)!;
            var api = new Uri(result.GetValue(gateway)!);
            if (File.Exists(path) && await StillValidAsync(api, DevConsortium.Load(path), ct))
            {
                Console.WriteLine($"    ✓ dev consortium already set up ({path})");
                return 0;
            }
            var consortium = await BootstrapAsync(api, result.GetValue(operatorKey)!, result.GetValue(model)!, ct);
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(consortium, Json.Indented), ct);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Console.WriteLine($"    API keys (shown once; kept in {path}):");
            foreach (var m in consortium.Members) Console.WriteLine($"      {m.Role,-10} {m.Name,-26} {m.ApiKey}");
            return 0;
        });
        return new Command("consortium", "The dev consortium") { bootstrap };
    }

    private static async Task<bool> StillValidAsync(Uri gateway, DevConsortium consortium, CancellationToken ct)
    {
        foreach (var member in consortium.Members)
        {
            using var client = new GatewayClient(gateway, member.ApiKey);
            try
            {
                if ((await client.GetAsync("/api/machines/members/me", ct))["status"]?.GetValue<string>() != "active") return false;
            }
            catch (GatewayException)
            {
                return false;
            }
        }
        return true;
    }

    public static async Task<DevConsortium> BootstrapAsync(Uri gateway, string operatorApiKey, string model, CancellationToken ct)
    {
        using var operatorClient = new GatewayClient(gateway, operatorApiKey);
        using var anonymous = new GatewayClient(gateway, null);
        var members = new List<DevMember>();
        foreach (var (role, name) in Cast)
        {
            var invitation = await operatorClient.PostAsync("/api/machines/members/invitations", new { name, roles = new[] { role } }, ct);
            await operatorClient.WaitForOperationAsync(invitation["operation"]!.GetValue<string>(), untilFinal: true, TimeSpan.FromSeconds(60), ct);
            var redeemed = await anonymous.PostAsync("/api/machines/members/redemptions", new { code = invitation["code"]!.GetValue<string>(), name }, ct);
            var member = new DevMember(name, role, redeemed["memberId"]!.GetValue<Guid>(), redeemed["account"]!.GetValue<string>(), redeemed["apiKey"]!.GetValue<string>());
            using var asMember = new GatewayClient(gateway, member.ApiKey);
            await asMember.WaitForOperationAsync(redeemed["operation"]!.GetValue<string>(), untilFinal: true, TimeSpan.FromSeconds(60), ct);
            await asMember.WaitForAsync("/api/machines/members/me", m => m["status"]?.GetValue<string>() == "active", TimeSpan.FromSeconds(30), ct);
            Console.WriteLine($"    ✓ {role,-10} {name,-26} member {member.MemberId}  account {member.Account}");
            members.Add(member);
        }
        using var oem = new GatewayClient(gateway, members.First(m => m.Role == "oem").ApiKey);
        foreach (var maintainer in members.Where(m => m.Role == "maintainer"))
        {
            var accredited = await oem.PostAsync("/api/machines/accreditations", new { maintainerId = maintainer.MemberId, model }, ct);
            await oem.WaitForOperationAsync(accredited["operation"]?.GetValue<string>() ?? $"/api/machines/operations/{accredited["id"]}", untilFinal: true, TimeSpan.FromSeconds(60), ct);
            Console.WriteLine($"    ✓ OEM accredited {maintainer.Name} for model {model} in every region");
        }
        return new DevConsortium(gateway.ToString(), model, members);
    }

}
