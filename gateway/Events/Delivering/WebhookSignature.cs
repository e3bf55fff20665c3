using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MaaS.Gateway.Events.Delivering;

/// <summary>
/// <c>X-MaaS-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "&lt;t&gt;.&lt;body&gt;")&gt;</c>. The key is the secret
/// string as shown (UTF-8), the body the exact bytes posted. The time inside the signed text lets a receiver refuse
/// replays older than it tolerates; <c>v1</c> names the scheme so that a second one can be added beside it later.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-MaaS-Signature";

    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var t = unixSeconds.ToString(CultureInfo.InvariantCulture);
        var prefix = Encoding.UTF8.GetBytes(t + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return $"t={t},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed))}";
    }
}
