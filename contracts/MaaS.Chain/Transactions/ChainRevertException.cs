namespace MaaS.Chain.Transactions;

/// <summary>
/// The contract refused: <see cref="ErrorName"/> is the Solidity custom error (or <c>Error</c>/<c>Panic</c>),
/// decoded from the revert data with the ABIs of every MaaS contract.
/// </summary>
public sealed class ChainRevertException(string errorName, IReadOnlyDictionary<string, string> arguments, string revertData, string? transactionHash = null)
    : Exception($"The contract reverted with {Describe(errorName, arguments)}" + (transactionHash is null ? "" : $" (transaction {transactionHash})"))
{
    public string ErrorName { get; } = errorName;

    public IReadOnlyDictionary<string, string> Arguments { get; } = arguments;

    public string RevertData { get; } = revertData;

    public string? TransactionHash { get; } = transactionHash;

    /// <summary><c>NotCustomer(caller=0xabc…)</c>.</summary>
    public string Description => Describe(ErrorName, Arguments);

    private static string Describe(string name, IReadOnlyDictionary<string, string> arguments) =>
        arguments.Count == 0 ? name : $"{name}({string.Join(", ", arguments.Select(a => $"{a.Key}={a.Value}"))})";
}
