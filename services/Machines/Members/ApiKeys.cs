using System.Security.Cryptography;
using System.Text;
using MaaS.ServiceDefaults.Identity;

namespace MaaS.Machines.Members;

/// <summary>
/// An API key, stored only as its SHA-256 (the key itself is shown once, when it is issued). A rotated key stays valid
/// until <see cref="ExpiresAt"/>, so a member can roll its new key out before the old one stops working.
/// </summary>
public sealed record ApiKeyDocument(string Id, Guid MemberId, KeyScope Scope, DateTimeOffset IssuedAt, DateTimeOffset? RevokedAt,
    string? Name = null, DateTimeOffset? ExpiresAt = null)
{
    public bool IsValidAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

public sealed class ApiKeyOptions
{
    public const string Section = "ApiKeys";

    /// <summary>How long a rotated key keeps working when the rotation does not say.</summary>
    public TimeSpan DefaultRotationOverlap { get; set; } = TimeSpan.FromHours(24);

    public TimeSpan MaxRotationOverlap { get; set; } = TimeSpan.FromDays(30);
}

public static class ApiKeys
{
    public const string Prefix = "maas_";

    public static string Generate() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Lower-case hex SHA-256 of the whole key: what the gateway sends to resolve a caller.</summary>
    public static string Hash(string apiKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));

    /// <summary>
    /// How a key is named in the API: the first 16 hex digits of its hash. It identifies the key to its owner without
    /// revealing it (the hash of 256 random bits gives nothing away).
    /// </summary>
    public static string IdOf(string hash) => hash[..16];
}
