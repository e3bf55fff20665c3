using MaaS.Chain.Node;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MaaS.Chain.Transactions;

/// <summary>
/// Keeps every unfinished transaction moving: broadcasts what was signed but never sent, records receipts, re-sends
/// stuck transactions with a higher fee, notices when a block is reorged away and marks finality. Several instances
/// may run: every ledger update is conditional on the state it saw.
/// </summary>
public sealed class TransactionMonitor(
    TransactionLedger ledger, ITransactionWriter writer, IOptions<ChainOptions> chain, IOptions<TransactionWriterOptions> options,
    ILogger<TransactionMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ledger.EnsureCreatedAsync(stoppingToken);
                foreach (var record in await ledger.OpenAsync(chain.Value.ChainId, 500, stoppingToken))
                    await writer.RefreshAsync(record, stoppingToken);
                failures = 0;
                await Task.Delay(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                logger.LogWarning(ex, "Transaction monitor sweep failed ({Failures} in a row)", failures);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(10_000, 200 * Math.Pow(2, Math.Min(failures, 6)))), stoppingToken);
            }
        }
    }
}
