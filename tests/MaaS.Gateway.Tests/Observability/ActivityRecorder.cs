using System.Collections.Concurrent;
using System.Diagnostics;

namespace MaaS.Gateway.Tests.Observability;

/// <summary>Every activity the hosts in this test process finish (gateway, services, MassTransit), as a collector would receive them.</summary>
public sealed class ActivityRecorder : IDisposable
{
    private readonly ActivityListener listener;
    private readonly ConcurrentQueue<Activity> finished = new();

    public ActivityRecorder()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = finished.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
    }

    public IReadOnlyList<Activity> Of(ActivityTraceId trace) => [.. finished.Where(a => a.TraceId == trace)];

    public void Dispose() => listener.Dispose();
}
