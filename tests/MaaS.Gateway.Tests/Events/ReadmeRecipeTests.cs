using System.Diagnostics;
using System.Text.Json;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Gateway.Tests.Events;

/// <summary>The README's partner-queue recipe, run as written (only the gateway's address is this test's), with curl, jq and amqp-consume.</summary>
[Collection(EventsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ReadmeRecipeTests(EventsFixture fixture)
{
    private const string Section = "## Receiving events in your own systems";
    private const string ReadmeGateway = "http://127.0.0.1:5100";

    [Fact]
    public async Task TheReadmesAmqpRecipe_SubscribesAQueue_AndAmqpConsumePrintsTheCustomersEvents()
    {
        var (subscribe, consume) = Recipe();
        var directory = Directory.CreateTempSubdirectory("maas-readme-amqp-");
        try
        {
            var gateway = fixture.Gateway.Address.ToString().TrimEnd('/');
            using (var curl = Bash(subscribe.Replace(ReadmeGateway, gateway, StringComparison.Ordinal), directory.FullName))
            {
                await curl.WaitForExitAsync();
                curl.ExitCode.ShouldBe(0, await curl.StandardError.ReadToEndAsync());
            }
            var created = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory.FullName, "amqp.json"))).RootElement;
            created.GetProperty("amqp").GetProperty("queue").GetString().ShouldNotBeNullOrEmpty(created.ToString());

            using var consumer = Bash(consume, directory.FullName);
            try
            {
                var machine = await fixture.ProvisionAsync(fixture.Customer);
                var lines = new List<string>();
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
                while (!lines.Any(l => l.Contains(machine.ToString(), StringComparison.Ordinal)))
                {
                    var line = await consumer.StandardOutput.ReadLineAsync(deadline.Token)
                        ?? throw new ShouldAssertException($"amqp-consume ended: {await consumer.StandardError.ReadToEndAsync()}");
                    if (line.Length > 0) lines.Add(line);
                }
                var accepted = JsonDocument.Parse(lines.Single(l => l.Contains(machine.ToString(), StringComparison.Ordinal))).RootElement;
                accepted.GetProperty("type").GetString().ShouldBe("services.maas.machine.accepted.v1");
                accepted.GetProperty("subject").GetString().ShouldBe(machine.ToString());
                accepted.GetProperty("specversion").GetString().ShouldBe("1.0");
            }
            finally
            {
                consumer.Kill(entireProcessTree: true);
            }
            using var client = fixture.As(fixture.Customer);
            (await client.DeleteAsync($"/api/subscriptions/{created.GetProperty("id").GetGuid()}")).EnsureSuccessStatusCode();
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The recipe's subscribe command (curl, with its continuation line) and its consume command, from the README.</summary>
    private static (string Subscribe, string Consume) Recipe()
    {
        var readme = File.ReadAllLines(Path.Combine(Repository.Root, "README.md"));
        var block = readme.SkipWhile(l => l != Section).SkipWhile(l => l != "```sh").Skip(1).TakeWhile(l => l != "```").ToList();
        var curl = block.FindIndex(l => l.StartsWith("curl ", StringComparison.Ordinal));
        curl.ShouldBeGreaterThanOrEqualTo(0, "the README's recipe has no curl command");
        var subscribe = string.Join('\n', block.Skip(curl).TakeWhile((l, i) => i == 0 || block[curl + i - 1].EndsWith('\\')));
        var consume = block.Single(l => l.StartsWith("amqp-consume ", StringComparison.Ordinal));
        return (subscribe, consume);
    }

    private Process Bash(string script, string directory)
    {
        var start = new ProcessStartInfo("bash", ["-c", script])
        {
            WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["KEY"] = fixture.Customer.ApiKey;
        return Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
    }
}
