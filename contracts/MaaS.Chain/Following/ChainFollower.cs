using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.JsonRpc.Client;
using Nethereum.Web3;

namespace MaaS.Chain.Following;

/// <summary>What one poll did.</summary>
/// <param name="Head">The node's head block when the poll started.</param>
/// <param name="Checkpoint">The checkpoint after the poll (unchanged when nothing was committed).</param>
/// <param name="Applied">Logs applied by the committed step.</param>
/// <param name="RetractedAbove">Set when a reorg was found: logs above this block were retracted.</param>
/// <param name="Committed">Whether a step was committed (false when nothing changed or the chain kept moving under the read).</param>
/// <param name="CaughtUp">
/// False when there is more to do at once (behind the head, or another instance committed first): poll again without
/// waiting. True when caught up with the head, or when the chain kept moving under every read of this poll.
/// </param>
public sealed record FollowerPollResult(long Head, FollowerCheckpoint Checkpoint, int Applied, long? RetractedAbove, bool Committed, bool CaughtUp);

/// <summary>
/// Follows the logs of some contracts from a durable checkpoint and hands them to a sink one atomic step at a time:
/// logs of canonical blocks are applied once, logs of orphaned blocks are retracted, logs k blocks deep are finalized.
/// <para>
/// Each poll: read the head; verify, in one batch request, the remembered hashes of the blocks that are not final yet
/// (and of the newest final one); on a mismatch rewind to the newest remembered block that is still canonical and retract
/// everything above it; read the logs of the next range; check that the range's last block did not change while reading
/// and that every log's block hash is canonical (else read again); commit. An idle poll costs <c>eth_blockNumber</c> and
/// one batch of at most k + 1 headers; an empty range adds one header, <c>eth_getLogs</c> and one batch.
/// </para>
/// Not thread-safe: one follower instance polls at a time. Several instances with the same name (several service
/// replicas) stay correct because the sink refuses a step whose starting checkpoint is no longer the stored one.
/// </summary>
public sealed class ChainFollower
{
    private const int MaxReadAttempts = 3;
    private readonly ChainReader chain;
    private readonly IChainFollowerSink sink;
    private readonly ILogger logger;
    private readonly string[] addresses;
    private readonly HashSet<string> followed;
    private FollowerCheckpoint? checkpoint;
    private int rangeLimit;

    public ChainFollower(IWeb3 web3, IChainFollowerSink sink, FollowerOptions options, ILogger<ChainFollower>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(web3);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        chain = new ChainReader(web3);
        this.sink = sink;
        Options = options;
        this.logger = logger ?? NullLogger<ChainFollower>.Instance;
        addresses = options.Addresses.Select(a => a.ToLowerInvariant()).Distinct().ToArray();
        followed = new HashSet<string>(addresses, StringComparer.Ordinal);
        rangeLimit = options.MaxBlockRange;
    }

    public FollowerOptions Options { get; }

    public string Name => Options.Name;

    /// <summary>Reads at most one range and commits at most one step.</summary>
    public async Task<FollowerPollResult> PollOnceAsync(CancellationToken cancellationToken = default)
    {
        var previous = checkpoint ??= await sink.LoadCheckpointAsync(cancellationToken) ?? FollowerCheckpoint.Initial(Options.StartBlock);
        var head = previous.Tip;
        for (var attempt = 1; attempt <= MaxReadAttempts; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            (head, var step) = await ReadStepAsync(previous);
            if (step is null)
            {
                logger.LogDebug("Follower {Follower}: the chain moved while reading (attempt {Attempt}); reading again", Name, attempt);
                continue;
            }

            var next = step.Next;
            var caughtUp = next.Tip >= head;
            if (step.RetractAbove is null && step.Applied.Count == 0 && next.Tip == previous.Tip && next.Finalized == previous.Finalized)
                return new FollowerPollResult(head, previous, 0, null, Committed: false, caughtUp);

            try
            {
                await sink.CommitAsync(step, cancellationToken);
            }
            catch (FollowerCheckpointConflictException ex)
            {
                // Another instance of this follower committed first: its step stands, ours is void. Reload and go on.
                checkpoint = null;
                logger.LogDebug(ex, "Follower {Follower}: another instance committed first; reloading the checkpoint", Name);
                return new FollowerPollResult(head, previous, 0, null, Committed: false, CaughtUp: false);
            }
            catch
            {
                // The stored checkpoint is the truth; reload it rather than trust what this instance thought it was.
                checkpoint = null;
                throw;
            }
            checkpoint = next;
            if (step.RetractAbove is { } forkBase)
                logger.LogWarning("Follower {Follower}: reorg — retracted logs above block {Block}; tip {Tip}, final {Finalized}", Name, forkBase, next.Tip, next.Finalized);
            logger.LogDebug("Follower {Follower}: applied {Count} logs up to block {Tip} (head {Head}, final {Finalized})", Name, step.Applied.Count, next.Tip, head, next.Finalized);
            return new FollowerPollResult(head, next, step.Applied.Count, step.RetractAbove, Committed: true, caughtUp);
        }
        // Not caught up, but polling again at once would spin if the node keeps answering inconsistently (e.g. a load
        // balancer over nodes at different heads): wait the poll interval.
        logger.LogInformation("Follower {Follower}: the chain kept moving under {Attempts} reads; trying again next poll", Name, MaxReadAttempts);
        return new FollowerPollResult(head, previous, 0, null, Committed: false, CaughtUp: true);
    }

    /// <summary>Computes the next step from <paramref name="previous"/>, or null when the chain changed under the read.</summary>
    private async Task<(long Head, FollowerStep? Step)> ReadStepAsync(FollowerCheckpoint previous)
    {
        var head = await chain.HeadAsync();

        // The blocks whose hashes can still change under us (not final), plus the newest final one as an anchor.
        var anchor = previous.RecentBlocks.LastOrDefault(b => b.Number <= previous.Finalized);
        var watched = previous.RecentBlocks.Where(b => b.Number > previous.Finalized).ToList();
        if (anchor is not null) watched.Insert(0, anchor);

        // Fetch the end of the next range in the same batch, assuming no reorg (the common case).
        var guessedTo = Math.Min(head, previous.Tip + rangeLimit);
        var numbers = watched.Select(b => b.Number).Where(n => n <= head).ToList();
        if (guessedTo > previous.Tip) numbers.Add(guessedTo);
        var canonical = await chain.BlockHashesAsync(numbers);

        var baseBlock = previous.Tip;
        long? retractAbove = null;
        var kept = previous.RecentBlocks;
        for (var i = 0; i < watched.Count; i++)
        {
            var stored = watched[i];
            var now = stored.Number <= head ? canonical.GetValueOrDefault(stored.Number) : null;
            if (now == stored.Hash) continue;
            if (stored.Number <= previous.Finalized) throw new ChainReorgBeyondFinalityException(Name, stored.Number, stored.Hash, now);
            // Everything at or below the newest block still canonical (and everything final) stays; the rest is orphaned.
            baseBlock = Math.Max(i > 0 ? watched[i - 1].Number : previous.Finalized, previous.Finalized);
            retractAbove = baseBlock;
            kept = previous.RecentBlocks.Where(b => b.Number <= baseBlock).ToList();
            break;
        }
        var keptWatched = kept.Where(b => b.Number > previous.Finalized || b == anchor).ToList();

        var from = baseBlock + 1;
        IReadOnlyList<ChainLog> logs = [];
        var tip = baseBlock;
        var blocks = kept.ToList();
        if (from <= head)
        {
            var to = Math.Min(head, baseBlock + rangeLimit);
            var toHash = canonical.GetValueOrDefault(to) ?? (await chain.BlockHashesAsync([to])).GetValueOrDefault(to);
            if (toHash is null) return (head, null);

            try
            {
                logs = (await chain.LogsAsync(addresses, from, to)).Where(l => followed.Contains(l.Address)).ToList();
            }
            catch (RpcResponseException ex) when (to > from)
            {
                // Nodes cap eth_getLogs by range or result size: halve the range, and grow it back after each good read.
                rangeLimit = Math.Max(1, (int)((to - from + 1) / 2));
                logger.LogWarning(ex, "Follower {Follower}: eth_getLogs over {From}..{To} refused; reading at most {Range} blocks at a time", Name, from, to, rangeLimit);
                return (head, null);
            }
            rangeLimit = (int)Math.Min(Options.MaxBlockRange, 2L * rangeLimit);

            // The range's last block unchanged since before the read means nothing under it changed either; every log must
            // come from a canonical block; the remembered blocks we keep must still be canonical.
            var after = await chain.BlockHashesAsync(logs.Select(l => l.BlockNumber).Append(to).Concat(keptWatched.Select(b => b.Number)));
            if (after.GetValueOrDefault(to) != toHash) return (head, null);
            if (logs.Any(l => after.GetValueOrDefault(l.BlockNumber) != l.BlockHash)) return (head, null);
            if (keptWatched.Any(b => after.GetValueOrDefault(b.Number) != b.Hash)) return (head, null);

            blocks.AddRange(logs.Select(l => new BlockRef(l.BlockNumber, l.BlockHash)));
            blocks.Add(new BlockRef(to, toHash));
            tip = to;
        }

        var finalized = Math.Max(previous.Finalized, Math.Min(head - Options.Confirmations, tip));
        var next = new FollowerCheckpoint(tip, finalized, Remember(blocks, finalized));
        return (head, new FollowerStep(previous, next, retractAbove, logs));
    }

    /// <summary>Every block above <paramref name="finalized"/> (at most k), and the newest final ones up to the configured count.</summary>
    private List<BlockRef> Remember(List<BlockRef> blocks, long finalized)
    {
        var distinct = blocks.GroupBy(b => b.Number).Select(g => g.Last()).OrderBy(b => b.Number).ToList();
        var open = distinct.Where(b => b.Number > finalized).ToList();
        var final = distinct.Where(b => b.Number <= finalized).ToList();
        var room = Math.Max(1, Options.RecentBlockHashes - open.Count);
        return [.. final.Skip(Math.Max(0, final.Count - room)), .. open];
    }
}
