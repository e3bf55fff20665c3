using System.Collections.Concurrent;
using System.Security.Cryptography;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Signer;
using Npgsql;

namespace MaaS.Chain.Transactions;

/// <summary>The private keys this deployment signs with, by address. In production this is a KMS or an HSM.</summary>
public interface ISigningKeys
{
    Task<EthECKey?> FindAsync(string address, CancellationToken ct = default);
}

/// <summary>Keys held in memory: from configuration (<c>Chain:SigningKeys</c>, hex private keys) or added at run time.</summary>
public sealed class InMemorySigningKeys : ISigningKeys
{
    private readonly ConcurrentDictionary<string, EthECKey> keys = new(StringComparer.OrdinalIgnoreCase);

    public InMemorySigningKeys(IEnumerable<string>? privateKeys = null)
    {
        foreach (var privateKey in privateKeys ?? []) Add(privateKey);
    }

    /// <returns>The address of the key.</returns>
    public string Add(string privateKeyHex)
    {
        var key = new EthECKey(privateKeyHex);
        var address = key.GetPublicAddress();
        keys[address] = key;
        return address;
    }

    public Task<EthECKey?> FindAsync(string address, CancellationToken ct = default) =>
        Task.FromResult(keys.TryGetValue(address, out var key) ? key : null);
}

/// <summary>
/// Member keys shared by every service of one deployment (a maintainer's key signs in Maintenance, its membership
/// was redeemed in Machines): stored in the chain schema, each private key sealed with AES-256-GCM under the
/// deployment's key-encryption key (<c>Chain:KeyEncryptionKey</c>), so a database dump alone signs nothing.
/// </summary>
public sealed class PostgresKeyStore(NpgsqlDataSource dataSource, string schema, byte[] keyEncryptionKey) : ISigningKeys
{
    private readonly ConcurrentDictionary<string, EthECKey> cache = new(StringComparer.OrdinalIgnoreCase);
    private volatile bool created;

    /// <summary>Creates a fresh key, stores it sealed and returns its address.</summary>
    public async Task<string> CreateAsync(string label, CancellationToken ct = default)
    {
        var key = EthECKey.GenerateKey();
        await StoreAsync(key, label, ct);
        return key.GetPublicAddress();
    }

    /// <summary>Stores an existing key (the operator's, say); storing the same key again changes nothing.</summary>
    public async Task<string> ImportAsync(string privateKeyHex, string label, CancellationToken ct = default)
    {
        var key = new EthECKey(privateKeyHex);
        await StoreAsync(key, label, ct);
        return key.GetPublicAddress();
    }

    public async Task<EthECKey?> FindAsync(string address, CancellationToken ct = default)
    {
        if (cache.TryGetValue(address, out var cached)) return cached;
        await EnsureCreatedAsync(ct);
        await using var command = dataSource.CreateCommand($"SELECT nonce, sealed FROM {schema}.signing_keys WHERE address = $1");
        command.Parameters.AddWithValue(address.ToLowerInvariant());
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var nonce = reader.GetFieldValue<byte[]>(0);
        var sealedKey = reader.GetFieldValue<byte[]>(1);
        var plain = new byte[32];
        using (var aes = new AesGcm(keyEncryptionKey, 16))
            aes.Decrypt(nonce, sealedKey[..32], sealedKey[32..], plain, address.ToLowerInvariant().HexToByteArray());
        var key = new EthECKey(plain, true);
        cache[address] = key;
        return key;
    }

    private async Task StoreAsync(EthECKey key, string label, CancellationToken ct)
    {
        await EnsureCreatedAsync(ct);
        var address = key.GetPublicAddress().ToLowerInvariant();
        var nonce = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[32];
        var tag = new byte[16];
        using (var aes = new AesGcm(keyEncryptionKey, 16))
            aes.Encrypt(nonce, key.GetPrivateKeyAsBytes(), cipher, tag, address.HexToByteArray());
        await using var command = dataSource.CreateCommand(
            $"INSERT INTO {schema}.signing_keys (address, label, nonce, sealed, created_at) VALUES ($1, $2, $3, $4, now()) ON CONFLICT (address) DO NOTHING");
        command.Parameters.AddWithValue(address);
        command.Parameters.AddWithValue(label);
        command.Parameters.AddWithValue(nonce);
        command.Parameters.AddWithValue(cipher.Concat(tag).ToArray());
        await command.ExecuteNonQueryAsync(ct);
        cache[address] = key;
    }

    private async Task EnsureCreatedAsync(CancellationToken ct)
    {
        if (created) return;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('maas.chain.schema'))", connection, tx))
            await lockCommand.ExecuteNonQueryAsync(ct);
        await using (var ddl = new NpgsqlCommand($"""
            CREATE SCHEMA IF NOT EXISTS {schema};
            CREATE TABLE IF NOT EXISTS {schema}.signing_keys (
              address text PRIMARY KEY, label text NOT NULL, nonce bytea NOT NULL, sealed bytea NOT NULL, created_at timestamptz NOT NULL);
            """, connection, tx))
            await ddl.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        created = true;
    }
}

/// <summary>Looks in each store in turn (configuration keys first, then the shared store).</summary>
public sealed class CompositeSigningKeys(params ISigningKeys[] stores) : ISigningKeys
{
    public async Task<EthECKey?> FindAsync(string address, CancellationToken ct = default)
    {
        foreach (var store in stores)
            if (await store.FindAsync(address, ct) is { } key) return key;
        return null;
    }
}
