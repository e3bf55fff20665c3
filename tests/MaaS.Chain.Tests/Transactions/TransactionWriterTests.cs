using System.Diagnostics;
using System.Text.Json;
using MaaS.Chain.Transactions;
using MaaS.Testing;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Shouldly;

namespace MaaS.Chain.Tests.Transactions;

[Trait("Category", "Integration")]
public sealed class TransactionWriterTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    private static readonly string Burn = "0x000000000000000000000000000000000000dEaD";

    private Uri Rpc => fixture.Environment.RpcUrl;

    [Fact]
    public async Task Send_AfterTheNonceReconciliationFailed_ReconcilesAgain_AndSends()
    {
        await using var relay = await RpcRelay.StartAsync(Rpc);
        var (keys, address, _) = await LedgerFixture.FundedKeyAsync(Rpc);
        var writer = LedgerFixture.Writer(fixture.Ledger(), keys, relay.Address);

        // The first send of a key reconciles its nonce with the node; that call fails once.
        relay.FailNext("eth_getTransactionCount", 1);
        await Should.ThrowAsync<Exception>(() => writer.SendAsync(new TransactionRequest($"reconcile-{Guid.NewGuid()}", address, Burn, "0x") { Value = 1 }));

        // A failed reconciliation is not remembered: the next send reconciles again and goes through.
        var sent = await writer.SendAsync(new TransactionRequest($"reconcile-{Guid.NewGuid()}", address, Burn, "0x") { Value = 1 });
        var mined = await writer.WaitAsync(sent.IdempotencyKey, untilFinal: true, TimeSpan.FromSeconds(30));
        mined.Status.ShouldBe(TransactionStatus.Final);
        mined.Nonce.ShouldBe(0);
    }

    [Fact]
    public async Task Send_UsesConsecutiveNonces_AndEachTransactionBecomesFinal()
    {
        var (keys, address, _) = await LedgerFixture.FundedKeyAsync(Rpc);
        var writer = LedgerFixture.Writer(fixture.Ledger(), keys, Rpc);

        var sent = new List<TransactionRecord>();
        for (var i = 0; i < 5; i++) sent.Add(await writer.SendAsync(new TransactionRequest($"consecutive/{address}/{i}", address, Burn, "0x") { Value = 1 }));

        sent.Select(r => r.Nonce).ShouldBe([0, 1, 2, 3, 4]);
        foreach (var record in sent)
        {
            var final = await writer.WaitAsync(record.IdempotencyKey, untilFinal: true);
            final.Status.ShouldBe(TransactionStatus.Final);
            final.BlockNumber.ShouldNotBeNull();
            final.GasUsed.ShouldBe(21_000);
        }
        (await LedgerFixture.ChainNonceAsync(Rpc, address)).ShouldBe(5);
    }

    [Fact]
    public async Task Send_SameIdempotencyKey_ReturnsTheFirstTransaction_AndSendsNothingTwice()
    {
        var (keys, address, _) = await LedgerFixture.FundedKeyAsync(Rpc);
        var writer = LedgerFixture.Writer(fixture.Ledger(), keys, Rpc);
        var request = new TransactionRequest($"once/{address}", address, Burn, "0x") { Value = 7 };

        var first = await writer.SendAsync(request);
        var again = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => writer.SendAsync(request)));

        again.ShouldAllBe(r => r.Id == first.Id && r.Hash == first.Hash);
        await writer.WaitAsync(request.IdempotencyKey, untilFinal: true);
        (await LedgerFixture.ChainNonceAsync(Rpc, address)).ShouldBe(1);
    }

    [Fact]
    public async Task Send_WhenTheContractRefuses_ThrowsTheNamedCustomError_AndSpendsNoNonce()
    {
        var (keys, address, privateKey) = await LedgerFixture.FundedKeyAsync(Rpc);
        var anchor = await LedgerFixture.DeployAnchorAsync(Rpc, privateKey);
        var writer = LedgerFixture.Writer(fixture.Ledger(), keys, Rpc);
        var nonceBefore = await LedgerFixture.ChainNonceAsync(Rpc, address);

        var refusal = await Should.ThrowAsync<ChainRevertException>(() => writer.SendAsync(
            new TransactionRequest($"refused/{address}", address, anchor, LedgerFixture.CommitRoundCall(Hash(1), 3, Hash(2)))));

        refusal.ErrorName.ShouldBe("NotAnchorer");
        refusal.Arguments["account"].ShouldBe(address, StringCompareShould.IgnoreCase);
        (await writer.FindAsync($"refused/{address}")).ShouldBeNull();
        (await LedgerFixture.ChainNonceAsync(Rpc, address)).ShouldBe(nonceBefore);
    }

    [Fact]
    public async Task MinedRevert_IsRecordedAsFailed_WithTheDecodedError()
    {
        var (keys, address, privateKey) = await LedgerFixture.FundedKeyAsync(Rpc);
        var anchor = await LedgerFixture.DeployAnchorAsync(Rpc, privateKey);
        var writer = LedgerFixture.Writer(fixture.Ledger(), keys, Rpc);

        var sent = await writer.SendAsync(new TransactionRequest($"mined-revert/{address}", address, anchor,
            LedgerFixture.CommitRoundCall(Hash(1), 3, Hash(2))) { SkipSimulation = true, Gas = 200_000 });
        var done = await writer.WaitAsync(sent.IdempotencyKey, untilFinal: true);

        done.Status.ShouldBe(TransactionStatus.Failed);
        done.BlockNumber.ShouldNotBeNull();
        done.Error.ShouldNotBeNull().ShouldStartWith("NotAnchorer(");
    }

    [Fact]
    public async Task StuckTransaction_IsResentWithAHigherFee_AndMinedOnce()
    {
        await using var node = await PrivateAnvil.StartAsync("--no-mining");
        var (keys, address, _) = await LedgerFixture.FundedKeyAsync(node.RpcUrl);
        var writer = LedgerFixture.Writer(fixture.Ledger(), keys, node.RpcUrl, new TransactionWriterOptions { StuckAfter = TimeSpan.Zero });

        var sent = await writer.SendAsync(new TransactionRequest($"stuck/{address}", address, Burn, "0x") { Value = 1 });
        sent.Status.ShouldBe(TransactionStatus.Submitted);
        var replaced = await writer.RefreshAsync(sent);

        replaced.Attempts.ShouldBe(2);
        replaced.Hashes.Count.ShouldBe(2);
        replaced.MaxFeePerGas.ShouldBeGreaterThan(sent.MaxFeePerGas * 110 / 100);
        await node.Web3().Client.SendRequestAsync<object>("evm_mine");
        var mined = await writer.WaitAsync(sent.IdempotencyKey, untilFinal: true);

        mined.Status.ShouldBe(TransactionStatus.Final);
        mined.Hash.ShouldBe(replaced.Hash);
        mined.Nonce.ShouldBe(sent.Nonce);
        (await LedgerFixture.ChainNonceAsync(node.RpcUrl, address)).ShouldBe(1);
    }

    [Fact]
    public async Task SignedButNeverBroadcast_IsBroadcastByTheNextRefresh()
    {
        var (keys, address, privateKey) = await LedgerFixture.FundedKeyAsync(Rpc);
        var ledger = fixture.Ledger();
        await ledger.EnsureCreatedAsync(default);
        await ledger.ReconcileNonceAsync(TestServers.ChainId, address, 0, default);
        // Signed and stored, then the process "dies" before broadcasting: nothing reached the node.
        var request = new TransactionRequest($"orphan/{address}", address, Burn, "0x") { Value = 1 };
        var (orphan, created) = await ledger.ReserveAsync(TestServers.ChainId, request, nonce =>
        {
            var tx = new Nethereum.Model.Transaction1559(TestServers.ChainId, nonce, 1_000_000_000, 100_000_000_000, 21_000, Burn, 1, "0x", null);
            var raw = new Nethereum.Signer.Transaction1559Signer().SignTransaction(new Nethereum.Signer.EthECKey(privateKey), tx).EnsureHexPrefix();
            return (raw, Nethereum.Util.Sha3Keccack.Current.CalculateHash(raw.HexToByteArray()).ToHex(true), 21_000, 100_000_000_000, 1_000_000_000);
        }, DateTimeOffset.UtcNow, default);
        created.ShouldBeTrue();
        (await LedgerFixture.ChainNonceAsync(Rpc, address)).ShouldBe(0);

        var writer = LedgerFixture.Writer(ledger, keys, Rpc, new TransactionWriterOptions { RebroadcastSignedAfter = TimeSpan.Zero });
        var final = await writer.WaitAsync(orphan.IdempotencyKey, untilFinal: true);

        final.Status.ShouldBe(TransactionStatus.Final);
        final.Hash.ShouldBe(orphan.Hash);
        (await LedgerFixture.ChainNonceAsync(Rpc, address)).ShouldBe(1);
    }

    [Fact]
    public async Task Reorg_RemovesAMinedTransaction_ItIsSentAgainAndMinedOnce()
    {
        await using var node = await PrivateAnvil.StartAsync();
        var (keys, address, _) = await LedgerFixture.FundedKeyAsync(node.RpcUrl);
        var writer = LedgerFixture.Writer(fixture.Ledger(), keys, node.RpcUrl, confirmations: 3);

        var sent = await writer.SendAsync(new TransactionRequest($"reorg/{address}", address, Burn, "0x") { Value = 1 });
        var mined = await writer.WaitAsync(sent.IdempotencyKey);
        mined.Status.ShouldBe(TransactionStatus.Mined);

        await node.Web3().Client.SendRequestAsync<object>("anvil_reorg", null, 1, Array.Empty<object>());
        var afterReorg = await writer.RefreshAsync(mined);
        afterReorg.Status.ShouldBe(TransactionStatus.Submitted);

        await node.Web3().Client.SendRequestAsync<object>("anvil_mine", null, new HexBigInteger(4).HexValue);
        var final = await writer.WaitAsync(sent.IdempotencyKey, untilFinal: true);
        final.Status.ShouldBe(TransactionStatus.Final);
        final.BlockHash.ShouldNotBe(mined.BlockHash);
        (await LedgerFixture.ChainNonceAsync(node.RpcUrl, address)).ShouldBe(1);
    }

    [Fact]
    public async Task ThousandConcurrentSends_FromTwoProcesses_UseEveryNonceExactlyOnce()
    {
        await using var node = await PrivateAnvil.StartAsync();
        var (_, address, privateKey) = await LedgerFixture.FundedKeyAsync(node.RpcUrl);

        var runs = await Task.WhenAll(
            Flood(node.RpcUrl, privateKey, "first", 500),
            Flood(node.RpcUrl, privateKey, "second", 500));

        runs.ShouldAllBe(r => r.ExitCode == 0);
        var nonces = runs.SelectMany(r => r.Nonces).Order().ToArray();
        nonces.ShouldBe(Enumerable.Range(0, 1000).Select(i => (long)i).ToArray());
        var web3 = node.Web3();
        await Eventually.TrueAsync(async () =>
            (await web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(address, BlockParameter.CreateLatest())).Value == 1000,
            "all 1,000 transactions to be mined");
    }

    private async Task<(int ExitCode, long[] Nonces)> Flood(Uri rpc, string privateKey, string prefix, int count)
    {
        var cli = Path.Combine(Repository.Root, "tools/MaaS.Cli/bin/Debug/net10.0/MaaS.Cli.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { cli, "chain", "flood", "--rpc", rpc.ToString(), "--postgres", fixture.Environment.Postgres, "--key", privateKey,
            "--count", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "--prefix", prefix })
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout;
        process.ExitCode.ShouldBe(0, await stderr);
        using var summary = JsonDocument.Parse(output);
        return (process.ExitCode, summary.RootElement.GetProperty("nonces").EnumerateArray().Select(n => n.GetInt64()).ToArray());
    }

    private static byte[] Hash(int seed) => System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(seed));

    [Fact]
    public void RevertDecoder_NamesCustomErrorsOfEveryContract()
    {
        // NotAnchorer(address) of TelemetryAnchor, with its argument.
        var selector = Nethereum.Util.Sha3Keccack.Current.CalculateHash("NotAnchorer(address)")[..8];
        var data = "0x" + selector + "000000000000000000000000" + "00000000000000000000000000000000000000aa";
        var decoded = RevertDecoder.Decode(data);
        decoded.ErrorName.ShouldBe("NotAnchorer");
        decoded.Arguments["account"].ShouldBe("0x00000000000000000000000000000000000000aa", StringCompareShould.IgnoreCase);
        RevertDecoder.Decode("0xdeadbeef").ErrorName.ShouldBe("0xdeadbeef");
    }
}
