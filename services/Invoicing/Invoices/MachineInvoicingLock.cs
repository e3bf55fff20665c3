using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace MaaS.Invoicing.Invoices;

/// <summary>
/// One machine's invoicing computations, one at a time across every instance of the service: the run's next period and a
/// dispute answer's recomputation each read which readings the machine's other invoices bill, so two computing at once
/// could both bill a late batch (docs/invoicing.md §3). A PostgreSQL session advisory lock per machine, held from reading
/// the invoices until the computed revision is recorded (its <see cref="InvoiceComputed"/>).
/// </summary>
public sealed class MachineInvoicingLock(IConfiguration configuration)
{
    private readonly string connectionString = configuration.GetConnectionString("Postgres")
        ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured.");

    public async Task<IAsyncDisposable> AcquireAsync(Guid machine, CancellationToken ct)
    {
        var key = KeyOf(machine);
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("select pg_advisory_lock($1)", connection) { Parameters = { new() { Value = key } } };
            await command.ExecuteNonQueryAsync(ct);
            return new Held(connection, key);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A key of its own per machine, the same in every process; the database is shared by every service's schema.</summary>
    public static long KeyOf(Guid machine) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes($"invoicing/machine/{machine:D}")), 0);

    private sealed class Held(NpgsqlConnection connection, long key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var command = new NpgsqlCommand("select pg_advisory_unlock($1)", connection) { Parameters = { new() { Value = key } } };
                await command.ExecuteNonQueryAsync();
            }
            finally
            {
                // Should the unlock itself fail: Npgsql resets a pooled connection's session (DISCARD ALL) when it is returned, which releases the lock too.
                await connection.DisposeAsync();
            }
        }
    }
}
