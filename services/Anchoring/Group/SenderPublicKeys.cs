using MaaS.Chain.Node;
using Microsoft.Extensions.Options;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Model;
using Nethereum.Signer;
using Nethereum.Web3;

namespace MaaS.Anchoring.Group;

/// <summary>
/// Recovers the public key of a transaction's sender from its signature (v, r, s over the transaction's signing hash), as
/// any node's <c>eth_getTransactionByHash</c> gives it. The transaction is rebuilt from those fields and must hash to the
/// hash asked for, so a node cannot hand over another transaction's signature.
/// </summary>
public sealed class SenderPublicKeys(IWeb3 web3, IOptions<ChainOptions> chain)
{
    /// <returns>The uncompressed public key (65 bytes, 04 ‖ X ‖ Y) of <paramref name="expectedSender"/>.</returns>
    public async Task<byte[]> RecoverAsync(string transactionHash, string expectedSender, CancellationToken ct)
    {
        var tx = await web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(transactionHash).WaitAsync(ct)
            ?? throw new InvalidOperationException($"The node does not know transaction {transactionHash}.");
        var accessList = tx.AccessList?.Select(a => new AccessListItem(a.Address, [.. a.StorageKeys.Select(k => k.HexToByteArray())])).ToList() ?? [];
        var signed = TransactionFactory.CreateTransaction(chain.Value.ChainId, (byte?)(tx.Type?.Value ?? 0), tx.Nonce?.Value, tx.MaxPriorityFeePerGas?.Value,
            tx.MaxFeePerGas?.Value, tx.GasPrice?.Value, tx.Gas?.Value, tx.To, tx.Value?.Value, tx.Input, accessList, null, tx.R, tx.S, tx.V);
        if (!string.Equals(signed.Hash.ToHex(true), transactionHash, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"Transaction {transactionHash} as the node describes it hashes to {signed.Hash.ToHex(true)}; its signature cannot be checked.");
        var publicKey = TransactionVerificationAndRecovery.GetPublicKey(signed);
        var sender = new EthECKey(publicKey, false).GetPublicAddress();
        if (!string.Equals(sender, expectedSender, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"Transaction {transactionHash} was signed by {sender}, not by {expectedSender}.");
        return publicKey;
    }
}
