namespace MaaS.ServiceDefaults.Diagnostics;

/// <summary>This service sent a ping to every other service.</summary>
public sealed record DiagnosticPingSent(Guid PingId, string Service, string Note, DateTimeOffset At);

/// <summary>This service heard a ping sent by <paramref name="FromService"/>.</summary>
public sealed record DiagnosticPingReceived(Guid PingId, string FromService, string Note, string ByService, DateTimeOffset At);

/// <summary>Inline projection of one ping's stream in this service's store: who sent it, who heard it.</summary>
public sealed record PingLog(Guid Id, string Origin, string Note, DateTimeOffset? SentAt, IReadOnlyList<string> HeardBy)
{
    public static PingLog Create(DiagnosticPingSent e) => new(e.PingId, e.Service, e.Note, e.At, []);

    public static PingLog Create(DiagnosticPingReceived e) => new(e.PingId, e.FromService, e.Note, null, [e.ByService]);

    public PingLog Apply(DiagnosticPingReceived e) => HeardBy.Contains(e.ByService) ? this : this with { HeardBy = [.. HeardBy, e.ByService] };
}
