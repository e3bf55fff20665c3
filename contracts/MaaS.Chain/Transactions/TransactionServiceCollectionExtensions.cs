using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MaaS.Chain.Transactions;

public static class TransactionServiceCollectionExtensions
{
    /// <summary>
    /// The transaction writer, its PostgreSQL ledger (connection <c>ConnectionStrings:Postgres</c>, schema
    /// <c>Chain:Transactions:Schema</c>) and its monitor. Signing keys come from <c>Chain:SigningKeys</c> unless an
    /// <see cref="ISigningKeys"/> is registered first.
    /// </summary>
    public static IServiceCollection AddTransactionWriter(this IServiceCollection services, IConfiguration configuration, bool runMonitor = true)
    {
        services.AddOptions<TransactionWriterOptions>().Bind(configuration.GetSection(TransactionWriterOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton(LedgerDataSource, (_, _) => NpgsqlDataSource.Create(
            configuration.GetConnectionString("Postgres") ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured.")));
        services.AddSingleton(sp => new PostgresKeyStore(sp.GetRequiredKeyedService<NpgsqlDataSource>(LedgerDataSource),
            sp.GetRequiredService<IOptions<TransactionWriterOptions>>().Value.Schema, KeyEncryptionKey(configuration)));
        services.TryAddSingleton<ISigningKeys>(sp => new CompositeSigningKeys(
            new InMemorySigningKeys(configuration.GetSection("Chain:SigningKeys").Get<string[]>()), sp.GetRequiredService<PostgresKeyStore>()));
        services.AddSingleton(sp => new TransactionLedger(sp.GetRequiredKeyedService<NpgsqlDataSource>(LedgerDataSource),
            sp.GetRequiredService<IOptions<TransactionWriterOptions>>().Value.Schema));
        services.AddSingleton<ITransactionWriter, TransactionWriter>();
        if (runMonitor) services.AddHostedService<TransactionMonitor>();
        return services;
    }

    /// <summary>The service key of the data source behind the ledger and the key store.</summary>
    public const string LedgerDataSource = "maas-chain-ledger";

    private static byte[] KeyEncryptionKey(IConfiguration configuration)
    {
        var value = configuration["Chain:KeyEncryptionKey"];
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidOperationException("Chain:KeyEncryptionKey is not configured (base64 of 32 random bytes; it seals the members' signing keys).");
        var key = Convert.FromBase64String(value);
        return key.Length == 32 ? key : throw new InvalidOperationException("Chain:KeyEncryptionKey must be 32 bytes.");
    }
}
