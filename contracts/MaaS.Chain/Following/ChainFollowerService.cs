using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MaaS.Chain.Following;

/// <summary>
/// Runs a <see cref="ChainFollower"/> for the life of the host: polls at once while behind, every
/// <see cref="FollowerOptions.PollInterval"/> once caught up, and on failure (node or database down, a sink error, a
/// reorg beyond finality) logs the error and backs off up to <see cref="FollowerOptions.MaxBackoff"/> without stopping the host.
/// </summary>
public sealed class ChainFollowerService : BackgroundService
{
    private readonly FollowerOptions options;
    private readonly Func<CancellationToken, Task<ChainFollower>> start;
    private readonly ILogger<ChainFollowerService> logger;

    /// <param name="options">The follower's options (its name and timings).</param>
    /// <param name="start">Creates the follower; retried with back-off while it fails (e.g. the deployment file is not written yet).</param>
    public ChainFollowerService(FollowerOptions options, Func<CancellationToken, Task<ChainFollower>> start, ILogger<ChainFollowerService> logger)
    {
        this.options = options;
        this.start = start;
        this.logger = logger;
    }

    public ChainFollowerService(ChainFollower follower, ILogger<ChainFollowerService> logger)
        : this(follower.Options, _ => Task.FromResult(follower), logger)
    {
    }

    /// <summary>The last poll's outcome, for health checks and diagnostics.</summary>
    public FollowerPollResult? LastPoll { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ChainFollower? follower = null;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                follower ??= await start(stoppingToken);
                var result = await follower.PollOnceAsync(stoppingToken);
                LastPoll = result;
                if (failures > 0) logger.LogInformation("Follower {Follower} recovered after {Failures} failed polls", options.Name, failures);
                failures = 0;
                if (result.CaughtUp) await Task.Delay(follower.Options.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                var pause = Backoff(failures);
                logger.LogError(ex, "Follower {Follower} failed ({Failures} in a row); next try in {Pause}", options.Name, failures, pause);
                try
                {
                    await Task.Delay(pause, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var pause = options.PollInterval * Math.Pow(2, Math.Min(failures, 16));
        return pause < options.MaxBackoff ? pause : options.MaxBackoff;
    }
}
