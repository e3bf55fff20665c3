
namespace MaaS.Maintenance.Tests;

public sealed class MaintenanceFixture : ServiceFixture<MaintenanceApi>
{
    public override string ServiceName => "maintenance";
}

public sealed class MaintenanceBasicsTests(MaintenanceFixture fixture) : ServiceBasicsTests<MaintenanceApi, MaintenanceFixture>(fixture);
