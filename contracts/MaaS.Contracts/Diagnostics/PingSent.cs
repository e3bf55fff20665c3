namespace MaaS.Contracts.Diagnostics;

/// <summary>
/// A smoke message: one service says it is alive; every other service records that it heard it.
/// Used by <c>./maas demo</c> and the end-to-end tests to prove the bus works across services.
/// </summary>
public sealed record PingSent(Guid PingId, string FromService, string Note, DateTimeOffset SentAt);
