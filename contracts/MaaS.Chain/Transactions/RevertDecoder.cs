using System.Globalization;
using System.Numerics;
using MaaS.Chain.Artifacts;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.Model;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.JsonRpc.Client;

namespace MaaS.Chain.Transactions;

/// <summary>Turns revert data into the name of the custom error that caused it, using every MaaS contract's ABI.</summary>
public static class RevertDecoder
{
    private const string ErrorStringSelector = "08c379a0";
    private const string PanicSelector = "4e487b71";

    private static readonly Lazy<IReadOnlyDictionary<string, ErrorABI>> Errors = new(() =>
    {
        var errors = new Dictionary<string, ErrorABI>(StringComparer.OrdinalIgnoreCase);
        foreach (var artifact in ContractArtifact.All())
            foreach (var error in artifact.Abi.Errors)
                errors.TryAdd(error.Sha3Signature.RemoveHexPrefix()[..8], error);
        return errors;
    });

    public static ChainRevertException Decode(string? revertData, string? transactionHash = null)
    {
        var data = (revertData ?? "").RemoveHexPrefix();
        if (data.Length < 8) return new ChainRevertException("UnknownRevert", new Dictionary<string, string>(), "0x" + data, transactionHash);
        var selector = data[..8];
        var body = data[8..];
        try
        {
            if (selector.Equals(ErrorStringSelector, StringComparison.OrdinalIgnoreCase))
                return Named("Error", [new Parameter("string", "reason", 1)], body, data, transactionHash);
            if (selector.Equals(PanicSelector, StringComparison.OrdinalIgnoreCase))
                return Named("Panic", [new Parameter("uint256", "code", 1)], body, data, transactionHash);
            if (Errors.Value.TryGetValue(selector, out var error))
                return Named(error.Name, error.InputParameters, body, data, transactionHash);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IndexOutOfRangeException)
        {
            // Malformed arguments: still name the error by its selector below.
        }
        return new ChainRevertException($"0x{selector}", new Dictionary<string, string>(), "0x" + data, transactionHash);
    }

    /// <summary>Revert data carried by a JSON-RPC error (eth_call, eth_estimateGas, eth_sendRawTransaction), if any.</summary>
    public static string? RevertDataOf(Exception exception) => exception switch
    {
        Nethereum.Contracts.SmartContractCustomErrorRevertException custom => custom.ExceptionEncodedData,
        RpcResponseException rpc when rpc.RpcError?.Data is not null => ExtractHex(rpc.RpcError.GetDataAsString()),
        _ when exception.InnerException is not null => RevertDataOf(exception.InnerException),
        _ => null,
    };

    private static string? ExtractHex(string? data)
    {
        if (string.IsNullOrWhiteSpace(data)) return null;
        var trimmed = data.Trim().Trim('"');
        return trimmed.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? trimmed : null;
    }

    private static ChainRevertException Named(string name, Parameter[] parameters, string body, string data, string? transactionHash)
    {
        var outputs = new ParameterDecoder().DecodeDefaultData(body, parameters);
        var arguments = outputs.ToDictionary(o => string.IsNullOrEmpty(o.Parameter.Name) ? $"arg{o.Parameter.Order}" : o.Parameter.Name, o => Format(o.Result));
        return new ChainRevertException(name, arguments, "0x" + data, transactionHash);
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        byte[] bytes => bytes.ToHex(true),
        BigInteger n => n.ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
