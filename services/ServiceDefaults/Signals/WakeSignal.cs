using System.Threading.Channels;

namespace MaaS.ServiceDefaults.Signals;

/// <summary>
/// Wakes a polling loop of this instance as soon as there is work for it, so the work does not wait for the next poll.
/// Wakes coalesce (one pending at most); the poll stays as the fallback for work another instance left.
/// </summary>
public abstract class WakeSignal
{
    private readonly Channel<bool> channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => channel.Writer.TryWrite(true);

    /// <summary>Returns when woken or after <paramref name="timeout"/>, whichever is first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await channel.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Timed out: poll.
        }
    }
}

/// <summary>This instance's chain follower committed new facts (applied, finalized or retracted logs).</summary>
public sealed class ChainFactsCommitted : WakeSignal;
