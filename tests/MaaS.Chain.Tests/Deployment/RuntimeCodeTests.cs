using MaaS.Chain.Deployment;
using Shouldly;

namespace MaaS.Chain.Tests.Deployment;

public sealed class RuntimeCodeTests
{
    private static readonly byte[] Compiled = [0x60, 0x80, 0, 0, 0, 0, 0x56, 0x5b];

    [Fact]
    public void Compare_DifferencesInsideImmutableRanges_Match()
    {
        byte[] onChain = [0x60, 0x80, 0xaa, 0xbb, 0xcc, 0xdd, 0x56, 0x5b];

        RuntimeCode.Compare(Compiled, onChain, [new CodeRange(2, 4)]).Matches.ShouldBeTrue();
    }

    [Fact]
    public void Compare_DifferenceOutsideImmutableRanges_DoesNotMatch()
    {
        byte[] onChain = [0x60, 0x80, 0xaa, 0xbb, 0xcc, 0xdd, 0x56, 0x5c];

        var comparison = RuntimeCode.Compare(Compiled, onChain, [new CodeRange(2, 4)]);

        comparison.Matches.ShouldBeFalse();
        comparison.Detail.ShouldContain("at byte 7");
    }

    [Fact]
    public void Compare_WithoutImmutables_TheFilledInBytesDoNotMatch()
    {
        byte[] onChain = [0x60, 0x80, 0xaa, 0xbb, 0xcc, 0xdd, 0x56, 0x5b];

        RuntimeCode.Compare(Compiled, onChain, []).Matches.ShouldBeFalse();
    }

    [Fact]
    public void Compare_OtherLengthOrNoCode_DoesNotMatch()
    {
        RuntimeCode.Compare(Compiled, Compiled[..7], []).Matches.ShouldBeFalse();
        RuntimeCode.Compare(Compiled, [], []).Detail.ShouldBe("no code at the address");
    }

    [Fact]
    public void ResemblesArtifact_IgnoresOnlyTheZeroPlaceholders()
    {
        RuntimeCode.ResemblesArtifact(Compiled, [0x60, 0x80, 1, 2, 3, 4, 0x56, 0x5b]).ShouldBeTrue();
        RuntimeCode.ResemblesArtifact(Compiled, [0x61, 0x80, 1, 2, 3, 4, 0x56, 0x5b]).ShouldBeFalse();
    }
}
