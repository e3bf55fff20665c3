namespace MaaS.Chain.Following;

/// <summary>
/// A block the follower already treated as final is no longer on the canonical chain. Final logs cannot be retracted,
/// so the follower stops making progress until an operator raises the confirmation depth and rebuilds the projections.
/// </summary>
public sealed class ChainReorgBeyondFinalityException(string follower, long block, string storedHash, string? canonicalHash)
    : Exception($"Chain follower '{follower}': final block {block} was {storedHash} but the node now has {canonicalHash ?? "no such block"}. " +
                "The reorg is deeper than the confirmation depth; final logs cannot be retracted.")
{
    public string Follower { get; } = follower;

    public long Block { get; } = block;
}

/// <summary>The stored checkpoint changed under a commit: another instance of the same follower committed first.</summary>
public sealed class FollowerCheckpointConflictException(string follower, string detail, Exception? innerException = null)
    : Exception($"Chain follower '{follower}': the checkpoint moved under this step ({detail}); another instance is following too.", innerException)
{
    public string Follower { get; } = follower;
}
