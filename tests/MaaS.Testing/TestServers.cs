using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace MaaS.Testing;

/// <summary>
/// The real servers the tests talk to. <c>./maas test</c> starts them and passes their addresses in
/// environment variables; where those are absent and a Docker engine is reachable, Testcontainers starts them;
/// otherwise tests fail with a message that says how to run them.
/// </summary>
public sealed record TestServers(string Postgres, Uri RabbitMq, Uri RabbitMqManagement, Uri RpcUrl)
{
    public const string PostgresVariable = "MAAS_TEST_POSTGRES";
    public const string RabbitMqVariable = "MAAS_TEST_RABBITMQ";
    public const string RabbitMqManagementVariable = "MAAS_TEST_RABBITMQ_MANAGEMENT";
    public const string RpcUrlVariable = "MAAS_TEST_RPC_URL";
    public const long ChainId = 31337;

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static TestServers? current;
    private static readonly List<IContainer> Containers = [];

    public static async Task<TestServers> AcquireAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return current ??= FromEnvironment() ?? await FromContainersAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static TestServers? FromEnvironment()
    {
        string? Get(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
        var postgres = Get(PostgresVariable);
        var rabbit = Get(RabbitMqVariable);
        var management = Get(RabbitMqManagementVariable);
        var rpc = Get(RpcUrlVariable);
        if (postgres is null && rabbit is null && rpc is null) return null;
        if (postgres is null || rabbit is null || management is null || rpc is null)
            throw new InvalidOperationException(
                $"Some test server variables are set and others not ({PostgresVariable}, {RabbitMqVariable}, {RabbitMqManagementVariable}, {RpcUrlVariable}). Run the suite with ./maas test.");
        return new TestServers(postgres, new Uri(rabbit), new Uri(management), new Uri(rpc));
    }

    private static async Task<TestServers> FromContainersAsync()
    {
        try
        {
            var postgres = new PostgreSqlBuilder("postgres:15-alpine").WithUsername("maas").WithPassword("maas").WithDatabase("postgres").Build();
            var rabbit = new RabbitMqBuilder("rabbitmq:3.13-management").WithUsername("guest").WithPassword("guest").WithPortBinding(15672, true).Build();
            var anvil = new ContainerBuilder("ghcr.io/foundry-rs/foundry:v1.7.1")
                .WithEntrypoint("anvil").WithCommand("--host", "0.0.0.0", "--accounts", "20", "--balance", "100000")
                .WithPortBinding(8545, true)
                .WithWaitStrategy(Wait.ForUnixContainer().UntilInternalTcpPortIsAvailable(8545))
                .Build();
            Containers.AddRange([postgres, rabbit, anvil]);
            await Task.WhenAll(postgres.StartAsync(), rabbit.StartAsync(), anvil.StartAsync());
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Task.WhenAll(Containers.Select(c => c.DisposeAsync().AsTask())).GetAwaiter().GetResult();
            return new TestServers(
                postgres.GetConnectionString(),
                new Uri(rabbit.GetConnectionString()),
                new Uri($"http://guest:guest@{rabbit.Hostname}:{rabbit.GetMappedPublicPort(15672)}/"),
                new Uri($"http://{anvil.Hostname}:{anvil.GetMappedPublicPort(8545)}"));
        }
        catch (DockerUnavailableException ex)
        {
            throw new InvalidOperationException(
                "No test servers: the environment variables that ./maas test sets are missing and no Docker engine is reachable " +
                $"for Testcontainers ({ex.Message}). Run the tests with ./maas test, which starts PostgreSQL, RabbitMQ and anvil.", ex);
        }
    }
}
