namespace MaaS.Contracts.Machines;

/// <summary>Role bits as on chain: 1 OEM, 2 Customer, 4 Maintainer.</summary>
public sealed record MemberJoined(Guid MemberId, string Account, int Roles, string TransactionHash, long Block, DateTimeOffset At);

public sealed record MemberRevoked(Guid MemberId, string Account, string TransactionHash, long Block, DateTimeOffset At);

/// <summary>Region 65535 means every region.</summary>
public sealed record MaintainerAccredited(string Oem, string Maintainer, Guid MaintainerId, string Model, ushort Region, string TransactionHash, long Block, DateTimeOffset At);

public sealed record MaintainerAccreditationWithdrawn(string Oem, string Maintainer, Guid MaintainerId, string Model, ushort Region, string TransactionHash, long Block, DateTimeOffset At);

/// <summary>An API key stopped (revoked, or rotated without overlap); off chain, published as soon as it is stored. Key id = first 16 hex digits of the hash.</summary>
public sealed record ApiKeyRevoked(Guid MemberId, string KeyHash, DateTimeOffset At);
