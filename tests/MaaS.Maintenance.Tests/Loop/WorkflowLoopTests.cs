using MaaS.Cli.Commands;
using MaaS.Gateway;
using MaaS.Machines;
using MaaS.Telemetry;
using Nethereum.Signer;
using Shouldly;

namespace MaaS.Maintenance.Tests.Loop;

/// <summary>
/// Telemetry, Machines and Maintenance together behind the gateway, on the shared test node and a fresh deployment: the
/// services' own consumers close the loop, nothing is done for them. Each service sees its own copy of every message on
/// the environment's virtual host.
/// </summary>
public sealed class LoopFixture : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> hosts = [];

    public IsolatedEnvironment Environment { get; private set; } = null!;

    public ServiceHost<GatewayApi> Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Environment = await IsolatedEnvironment.CreateAsync("maintenance-loop");
        var settings = Environment.ServiceSettings();
        settings["Maintenance:Watchdogs:PollInterval"] = "00:00:00.100";
        var machines = new ServiceHost<MachinesApi>(settings);
        var telemetry = new ServiceHost<TelemetryApi>(settings);
        var maintenance = new ServiceHost<MaintenanceApi>(settings);
        hosts.AddRange([machines, telemetry, maintenance]);
        Gateway = new ServiceHost<GatewayApi>(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Identity:SigningKey"] = Environment.Identity.SigningKey,
            ["ReverseProxy:Clusters:machines:Destinations:d1:Address"] = machines.Address.ToString(),
            ["ReverseProxy:Clusters:telemetry:Destinations:d1:Address"] = telemetry.Address.ToString(),
            ["ReverseProxy:Clusters:maintenance:Destinations:d1:Address"] = maintenance.Address.ToString(),
        });
        _ = Gateway.Address;
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        foreach (var host in hosts) await host.DisposeAsync();
        await Environment.DisposeAsync();
    }
}

[Trait("Category", "Integration")]
public sealed class WorkflowLoopTests(LoopFixture stack) : IClassFixture<LoopFixture>
{
    [Fact]
    public async Task TheDemoLoop_FailureToRestart_RunsTwiceThroughTheGateway()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        var consortium = await ConsortiumCommands.BootstrapAsync(stack.Gateway.Address, stack.Environment.OperatorApiKey, "LOOP-1", ct);
        var device = EthECKey.GenerateKey();
        var machineId = await DemoCommands.ProvisionQuietlyAsync(consortium, device.GetPublicAddress(), ct);
        await WorkflowLoop.EnableWatchdogsAsync(consortium, ct);
        using var loop = new WorkflowLoop(consortium, machineId, device);

        // Twice: the second failure must open a new ticket, and telemetry must report the machine running again each time.
        var cycles = new[] { await loop.RunCycleAsync(1, null, ct), await loop.RunCycleAsync(2, null, ct) };

        cycles.Select(c => c.TicketId).Distinct().Count().ShouldBe(2);
        var maintainers = consortium.Members.Where(m => m.Role == "maintainer").Select(m => m.Name).ToList();
        foreach (var cycle in cycles)
        {
            cycle.Winner.ShouldBeOneOf([.. maintainers]);
            cycle.ResolutionSource.ShouldBeOneOf("telemetry", "chain");
            var succeeded = cycle.Samples.Where(s => s.Succeeded).ToList();
            succeeded.Select(s => s.Operation).ShouldBe(
                ["openTicket", "acceptTicket (winner)", "completeTicket", "closeTicket", "stop", "reset", "start"], ignoreOrder: true);
            succeeded.ShouldAllBe(s => s.Gas > 21_000 && s.TransactionHash != null && s.FinalMs != null);
            // A loser's acceptance, when it reached the chain at all, failed there.
            cycle.Samples.Where(s => !s.Succeeded).ShouldAllBe(s => s.Operation == "acceptTicket (lost race)");
        }
        var stats = LoopStats.Of(cycles.SelectMany(c => c.Samples));
        stats.Single(s => s.Operation == "openTicket").Count.ShouldBe(2);
    }
}
