using System.Diagnostics.Metrics;

namespace MaaS.ServiceDefaults.Observability;

/// <summary>The system's own instruments (meter <c>MaaS</c>), beside what ASP.NET Core, HttpClient and MassTransit report.</summary>
public sealed class MaaSMetrics
{
    public const string MeterName = "MaaS";

    public static readonly Meter Meter = new(MeterName);

    /// <summary>Requests to <c>POST /api/telemetry/readings</c> through the gateway, by status (rate() gives the ingest rate).</summary>
    public static readonly Counter<long> IngestRequests = Meter.CreateCounter<long>("maas.ingest.requests", "{request}", "Telemetry ingest requests through the gateway");

    /// <summary>From a transaction's submission to mined, and to final, per service and operation kind.</summary>
    public static readonly Histogram<double> TransactionLatency = Meter.CreateHistogram<double>("maas.transaction.latency", "s",
        "Time from a transaction's submission until it is mined (stage=mined) or final (stage=final)");
}
