using System.Numerics;
using MaaS.Chain.Transactions;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Util;
using Nethereum.Web3;

namespace MaaS.Chain.Contracts;

/// <summary>
/// What the five contract bindings share: write methods build a <see cref="TransactionRequest"/> for
/// <see cref="ITransactionWriter"/>; view methods run an <c>eth_call</c> against the latest block, and a revert
/// surfaces as <see cref="ChainRevertException"/> with the custom error's name.
/// </summary>
public abstract class ContractBinding
{
    protected ContractBinding(string address, IWeb3 web3)
    {
        ArgumentNullException.ThrowIfNull(web3);
        Address = RequireAddress(address, nameof(address)).ToLowerInvariant();
        Web3 = web3;
    }

    /// <summary>The contract's address (lower case).</summary>
    public string Address { get; }

    protected IWeb3 Web3 { get; }

    /// <remarks>
    /// The key may be empty when a caller only takes <see cref="TransactionRequest.Data"/> (an operation runner that keys
    /// each step itself); a request sent through <see cref="ITransactionWriter"/> needs a real key.
    /// </remarks>
    protected TransactionRequest Request<TFunction>(string idempotencyKey, string from, TFunction message)
        where TFunction : FunctionMessage, new()
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        RequireAddress(from, nameof(from));
        return new TransactionRequest(idempotencyKey, from, Address, message.GetCallData().ToHex(true)) { Value = message.AmountToSend };
    }

    protected async Task<TOutput> CallAsync<TFunction, TOutput>(TFunction message, CancellationToken ct)
        where TFunction : FunctionMessage, new()
        where TOutput : IFunctionOutputDTO, new()
    {
        try
        {
            return await Web3.Eth.GetContractQueryHandler<TFunction>()
                .QueryDeserializingToObjectAsync<TOutput>(message, Address, BlockParameter.CreateLatest()).WaitAsync(ct);
        }
        catch (Exception ex) when (RevertDecoder.RevertDataOf(ex) is { } data)
        {
            throw RevertDecoder.Decode(data);
        }
    }

    protected async Task<TReturn> QueryAsync<TFunction, TReturn>(TFunction message, CancellationToken ct)
        where TFunction : FunctionMessage, new()
    {
        try
        {
            return await Web3.Eth.GetContractQueryHandler<TFunction>().QueryAsync<TReturn>(Address, message, BlockParameter.CreateLatest()).WaitAsync(ct);
        }
        catch (Exception ex) when (RevertDecoder.RevertDataOf(ex) is { } data)
        {
            throw RevertDecoder.Decode(data);
        }
    }

    protected static byte[] Id(byte[] value, string name) => Bytes32.Require(value, name);

    protected static string Normalize(string address) => address.ToLowerInvariant();

    protected static bool IsZeroAddress(string? address) => string.IsNullOrEmpty(address) || address.RemoveHexPrefix().All(c => c == '0');

    protected static BigInteger NonNegative(BigInteger value, string name) =>
        value.Sign >= 0 ? value : throw new ArgumentOutOfRangeException(name, value, "must not be negative");

    internal static string RequireAddress(string address, string name)
    {
        ArgumentNullException.ThrowIfNull(address, name);
        return AddressUtil.Current.IsValidEthereumAddressHexFormat(address)
            ? address
            : throw new ArgumentException($"'{address}' is not an address (0x and 40 hex digits).", name);
    }
}
