using System.Security.Cryptography;
using System.Text;
using MaaS.ServiceDefaults.Identity;

namespace MaaS.Machines.Members;

/// <summary>An API key, stored only as its SHA-256 (the key itself is shown once, when it is issued).</summary>
public sealed record ApiKeyDocument(string Id, Guid MemberId, KeyScope Scope, DateTimeOffset IssuedAt, DateTimeOffset? RevokedAt);

public static class ApiKeys
{
    public const string Prefix = "maas_";

    public static string Generate() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Lower-case hex SHA-256 of the whole key: what the gateway sends to resolve a caller.</summary>
    public static string Hash(string apiKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
}
