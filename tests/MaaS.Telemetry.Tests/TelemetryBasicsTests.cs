using MaaS.Testing;

namespace MaaS.Telemetry.Tests;

public sealed class TelemetryFixture : ServiceFixture<TelemetryApi>
{
    public override string ServiceName => "telemetry";
}

public sealed class TelemetryBasicsTests(TelemetryFixture fixture) : ServiceBasicsTests<TelemetryApi, TelemetryFixture>(fixture);
