namespace MaaS.Chain.Deployment;

/// <summary>Compares runtime code from the chain with compiled runtime code.</summary>
public static class RuntimeCode
{
    /// <summary>
    /// Equal when both have the same length and the same bytes everywhere but in <paramref name="immutables"/>, the
    /// ranges the constructor fills in (addresses of other contracts here; the views that read them are checked apart).
    /// </summary>
    public static CodeComparison Compare(ReadOnlySpan<byte> compiled, ReadOnlySpan<byte> onChain, IReadOnlyList<CodeRange> immutables)
    {
        ArgumentNullException.ThrowIfNull(immutables);
        if (onChain.IsEmpty) return new CodeComparison(false, "no code at the address");
        if (compiled.Length != onChain.Length)
            return new CodeComparison(false, $"runtime code is {onChain.Length:N0} bytes, the compiled code {compiled.Length:N0}");
        var masked = new bool[compiled.Length];
        foreach (var range in immutables)
        {
            if (range.Start < 0 || range.Length < 0 || range.Start + range.Length > compiled.Length)
                return new CodeComparison(false, $"immutable reference {range.Start}+{range.Length} lies outside the code");
            masked.AsSpan(range.Start, range.Length).Fill(true);
        }
        for (var i = 0; i < compiled.Length; i++)
        {
            if (!masked[i] && compiled[i] != onChain[i])
                return new CodeComparison(false, $"runtime code differs from the compiled code at byte {i:N0}");
        }
        return new CodeComparison(true, immutables.Count == 0 ? "identical" : $"identical outside {immutables.Count} immutable reference(s)");
    }

    /// <summary>
    /// A weaker check that needs no compiler output: equal length, and equal wherever the compiled code is not zero
    /// (solc leaves immutables as zeros in <c>deployedBytecode</c>). Used to recognise our own contracts on a restart.
    /// </summary>
    public static bool ResemblesArtifact(ReadOnlySpan<byte> artifactRuntime, ReadOnlySpan<byte> onChain)
    {
        if (artifactRuntime.Length != onChain.Length || onChain.IsEmpty) return false;
        for (var i = 0; i < artifactRuntime.Length; i++)
        {
            if (artifactRuntime[i] != 0 && artifactRuntime[i] != onChain[i]) return false;
        }
        return true;
    }
}

public sealed record CodeComparison(bool Matches, string Detail);
