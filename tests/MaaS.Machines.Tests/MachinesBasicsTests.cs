
namespace MaaS.Machines.Tests;

public sealed class MachinesFixture : ServiceFixture<MachinesApi>
{
    public override string ServiceName => "machines";
}

public sealed class MachinesBasicsTests(MachinesFixture fixture) : ServiceBasicsTests<MachinesApi, MachinesFixture>(fixture);
