using System.Security.Cryptography;
using MaaS.Chain.Transactions;
using Nethereum.Hex.HexConvertors.Extensions;
using Shouldly;

namespace MaaS.Chain.Tests.Transactions;

[Trait("Category", "Integration")]
public sealed class KeyStoreTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    private static readonly byte[] Kek = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public async Task CreatedKey_IsFoundByAnotherInstance_AndSignsForItsAddress()
    {
        var address = await new PostgresKeyStore(fixture.DataSource, "chain", Kek).CreateAsync("maintainer one");

        var key = await new PostgresKeyStore(fixture.DataSource, "chain", Kek).FindAsync(address);

        key.ShouldNotBeNull().GetPublicAddress().ShouldBe(address);
    }

    [Fact]
    public async Task StoredKey_IsSealed_AndUselessWithoutTheKeyEncryptionKey()
    {
        var store = new PostgresKeyStore(fixture.DataSource, "chain", Kek);
        var address = await store.CreateAsync("customer");
        var privateKey = (await store.FindAsync(address))!.GetPrivateKeyAsBytes();

        await using var command = fixture.DataSource.CreateCommand("SELECT sealed FROM chain.signing_keys WHERE address = $1");
        command.Parameters.AddWithValue(address.ToLowerInvariant());
        var stored = (byte[])(await command.ExecuteScalarAsync())!;
        stored.ToHex().ShouldNotContain(privateKey.ToHex());

        var intruder = new PostgresKeyStore(fixture.DataSource, "chain", RandomNumberGenerator.GetBytes(32));
        await Should.ThrowAsync<AuthenticationTagMismatchException>(() => intruder.FindAsync(address));
    }

    [Fact]
    public async Task UnknownAddress_IsNotFound()
    {
        (await new PostgresKeyStore(fixture.DataSource, "chain", Kek).FindAsync("0x00000000000000000000000000000000000000ff")).ShouldBeNull();
    }
}
