using MaaS.Chain.Artifacts;
using MaaS.Chain.Transactions;
using Nethereum.Contracts;
using Nethereum.Hex.HexTypes;
using Newtonsoft.Json.Linq;
using Shouldly;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>
/// One deployed contract driven through Nethereum's dynamic API (no generated bindings): every send carries an
/// explicit gas limit, refusals are read from <c>eth_estimateGas</c> or from the replay of a mined failed transaction.
/// </summary>
public sealed class ChainContract(string name, string address, ChainWorld world)
{
    /// <summary>Gas limit of sends that must not be simulated first (mined refusals, same-block races).</summary>
    public const long UnsimulatedGas = 500_000;

    public string Name { get; } = name;

    public string Address { get; } = address.ToLowerInvariant();

    public ContractArtifact Artifact => ContractArtifact.Load(Name);

    public Contract Nethereum() => world.Reader.Eth.GetContract(Artifact.AbiJson, Address);

    public Function Function(ChainActor actor, string function) => actor.Web3.Eth.GetContract(Artifact.AbiJson, Address).GetFunction(function);

    /// <summary>Sends a call that must succeed: simulated first (a refusal fails the test with the error's name), then mined.</summary>
    public async Task<Tx> SendAsync(ChainActor from, string function, params object[] args)
    {
        var fn = Function(from, function);
        HexBigInteger estimate;
        try
        {
            estimate = await fn.EstimateGasAsync(from.Account.Address, null, null, args);
        }
        catch (Exception ex) when (RevertDecoder.RevertDataOf(ex) is { } data)
        {
            throw new ShouldAssertException($"{Name}.{function} by {from} was refused: {Describe(RevertDecoder.Decode(data))}", ex);
        }
        var tx = await SendUnsimulatedAsync(from, function, (long)estimate.Value * 5 / 4 + 20_000, args);
        tx.Succeeded.ShouldBeTrue($"{Name}.{function} by {from} was mined as failed");
        return tx;
    }

    /// <summary>Signs and sends with an explicit gas limit, without any simulation, and waits for the receipt.</summary>
    public async Task<Tx> SendUnsimulatedAsync(ChainActor from, string function, long gas, params object[] args)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var receipt = await Function(from, function).SendTransactionAndWaitForReceiptAsync(
            from.Account.Address, new HexBigInteger(gas), new HexBigInteger(0), timeout.Token, args);
        return new Tx(receipt);
    }

    /// <summary>Signs and submits with an explicit gas limit; returns the hash without waiting (for blocks mined by hand).</summary>
    public Task<string> SubmitAsync(ChainActor from, string function, long gas, params object[] args) =>
        Function(from, function).SendTransactionAsync(from.Account.Address, new HexBigInteger(gas), new HexBigInteger(0), args);

    /// <summary>The custom error with which the node refuses the call in simulation (<c>eth_estimateGas</c>).</summary>
    public async Task<ChainRevertException> RefusalAsync(ChainActor from, string function, params object[] args)
    {
        try
        {
            var gas = await Function(from, function).EstimateGasAsync(from.Account.Address, null, null, args);
            throw new ShouldAssertException($"{Name}.{function} by {from} was expected to be refused but would use {gas.Value} gas");
        }
        catch (Exception ex) when (ex is not ShouldAssertException)
        {
            var data = RevertDecoder.RevertDataOf(ex) ?? throw new ShouldAssertException($"{Name}.{function} by {from} failed without revert data: {ex.Message}", ex);
            return RevertDecoder.Decode(data);
        }
    }

    /// <summary>
    /// Mines the call as a transaction with an explicit gas limit (no simulation): it must fail on chain (status 0, no
    /// logs). The error is read back by replaying the mined transaction in its block (<c>debug_traceTransaction</c>).
    /// </summary>
    public async Task<(Tx Tx, ChainRevertException Error)> MinedRefusalAsync(ChainActor from, string function, params object[] args)
    {
        var tx = await SendUnsimulatedAsync(from, function, UnsimulatedGas, args);
        tx.Succeeded.ShouldBeFalse($"{Name}.{function} by {from} was expected to fail on chain");
        tx.LogCount.ShouldBe(0);
        return (tx, await world.ReplayRevertAsync(tx.Receipt.TransactionHash));
    }

    public async Task<Values> ViewAsync(string function, params object[] args) =>
        new(await Nethereum().GetFunction(function).CallDecodingToDefaultAsync(args));

    /// <summary><c>Name(arg1, arg2)</c> with the argument values only (addresses and hex in lower case).</summary>
    public static string Describe(ChainRevertException error) =>
        error.Arguments.Count == 0 ? error.ErrorName : $"{error.ErrorName}({string.Join(", ", error.Arguments.Values.Select(v => v.ToLowerInvariant()))})";

    public override string ToString() => $"{Name}@{Address}";

    internal static string? OutputOf(JObject trace) => trace["output"]?.Value<string>();
}
