using System.Security.Cryptography;
using System.Text;

namespace MaaS.Gateway.Events.Subscribing;

/// <summary>
/// Webhook secrets at rest. The gateway must sign with a secret, so it cannot keep only a hash, as it does for API keys;
/// it keeps the secret sealed with AES-256-GCM under <c>Gateway:Events:SecretsKey</c>, bound to its subscription's id, so a
/// database dump alone signs nothing and a sealed secret copied to another subscription does not open. Without a key
/// (a gateway configured before there was one) secrets are kept as given, and a stored plain secret is still read.
/// </summary>
public sealed class WebhookSecrets(byte[]? key)
{
    private const string Prefix = "aesgcm1:";
    private const int NonceBytes = 12, TagBytes = 16;

    public bool Sealing => key is not null;

    public static WebhookSecrets From(string? base64Key)
    {
        if (string.IsNullOrWhiteSpace(base64Key)) return new WebhookSecrets(null);
        var key = Convert.FromBase64String(base64Key);
        return key.Length == 32 ? new WebhookSecrets(key) : throw new InvalidOperationException("Gateway:Events:SecretsKey must be base64 of 32 bytes.");
    }

    public string Seal(string secret, Guid subscriptionId)
    {
        if (key is null) return secret;
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), subscriptionId.ToByteArray());
        return Prefix + Convert.ToBase64String(sealedBytes);
    }

    public string Open(string stored, Guid subscriptionId)
    {
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal)) return stored;
        if (key is null) throw new InvalidOperationException("A webhook secret is sealed, and Gateway:Events:SecretsKey is not configured.");
        var sealedBytes = Convert.FromBase64String(stored[Prefix.Length..]);
        var plain = new byte[sealedBytes.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), plain,
            subscriptionId.ToByteArray());
        return Encoding.UTF8.GetString(plain);
    }
}
