using MaaS.Testing;

namespace MaaS.Anchoring.Tests;

public sealed class AnchoringFixture : ServiceFixture<AnchoringApi>
{
    public override string ServiceName => "anchoring";
}

public sealed class AnchoringBasicsTests(AnchoringFixture fixture) : ServiceBasicsTests<AnchoringApi, AnchoringFixture>(fixture);
