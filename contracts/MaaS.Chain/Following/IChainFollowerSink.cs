namespace MaaS.Chain.Following;

/// <summary>
/// Where a follower keeps its progress and what it does with logs. The follower reads; the sink applies. A step is
/// committed atomically (all of it or nothing), so a crash between reading and committing loses nothing and applies
/// nothing twice: the next run reads again from the checkpoint it finds.
/// </summary>
public interface IChainFollowerSink
{
    /// <summary>The last committed checkpoint of this follower, or null before its first step.</summary>
    Task<FollowerCheckpoint?> LoadCheckpointAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Commits one step, in this order: retract every applied log above <see cref="FollowerStep.RetractAbove"/> (newest
    /// first), apply <see cref="FollowerStep.Applied"/> (chain order), finalize every applied log at or below
    /// <see cref="FollowerCheckpoint.Finalized"/> of the new checkpoint, store the new checkpoint. Must refuse (throw) when
    /// the stored checkpoint is no longer <see cref="FollowerStep.Previous"/>: another instance got there first.
    /// </summary>
    Task CommitAsync(FollowerStep step, CancellationToken cancellationToken);
}

/// <summary>A block the follower has seen, by number and hash.</summary>
public sealed record BlockRef(long Number, string Hash);

/// <summary>
/// How far a follower got: every block up to <see cref="Tip"/> was read; logs up to <see cref="Finalized"/> are final.
/// <see cref="RecentBlocks"/> (ascending) are hashes the follower verified when it read them — the tip, every block with
/// an applied log that is not final yet, and the newest final one — against which a reorg is detected and located.
/// </summary>
public sealed record FollowerCheckpoint(long Tip, long Finalized, IReadOnlyList<BlockRef> RecentBlocks)
{
    /// <summary>Nothing read yet: the next block to read is <paramref name="startBlock"/>.</summary>
    public static FollowerCheckpoint Initial(long startBlock) => new(startBlock - 1, startBlock - 1, []);
}

/// <summary>
/// One atomic step of a follower.
/// </summary>
/// <param name="Previous">The checkpoint the step was computed from (what the sink must still hold).</param>
/// <param name="Next">The checkpoint after the step, with the new finalized block number.</param>
/// <param name="RetractAbove">After a reorg: every log applied in a block above this number was orphaned and is retracted.</param>
/// <param name="Applied">Logs read in this step, in chain order (block number, log index), in canonical blocks.</param>
public sealed record FollowerStep(FollowerCheckpoint Previous, FollowerCheckpoint Next, long? RetractAbove, IReadOnlyList<ChainLog> Applied);
