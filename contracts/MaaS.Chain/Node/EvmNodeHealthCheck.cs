using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Nethereum.Web3;

namespace MaaS.Chain.Node;

/// <summary>Ready only when the node answers and is the chain we were configured for.</summary>
public sealed class EvmNodeHealthCheck(IWeb3 web3, IOptions<ChainOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var chainId = (long)(await web3.Eth.ChainId.SendRequestAsync()).Value;
            var block = (long)(await web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;
            var data = new Dictionary<string, object> { ["chainId"] = chainId, ["block"] = block, ["rpc"] = options.Value.RpcUrl.ToString() };
            return chainId == options.Value.ChainId
                ? HealthCheckResult.Healthy($"chain {chainId} at block {block}", data)
                : HealthCheckResult.Unhealthy($"node reports chain {chainId}, expected {options.Value.ChainId}", data: data);
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy($"EVM node at {options.Value.RpcUrl} does not answer: {ex.Message}");
        }
    }
}
