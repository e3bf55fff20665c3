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
        services.TryAddSingleton<ISigningKeys>(_ => new InMemorySigningKeys(configuration.GetSection("Chain:SigningKeys").Get<string[]>()));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var connection = configuration.GetConnectionString("Postgres") ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured.");
            return new TransactionLedger(NpgsqlDataSource.Create(connection), sp.GetRequiredService<IOptions<TransactionWriterOptions>>().Value.Schema);
        });
        services.AddSingleton<ITransactionWriter, TransactionWriter>();
        if (runMonitor) services.AddHostedService<TransactionMonitor>();
        return services;
    }
}
