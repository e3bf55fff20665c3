using System.Globalization;
using System.Numerics;
using MaaS.Chain.Artifacts;
using MaaS.Chain.Contracts;
using MaaS.Chain.Transactions;
using Nethereum.Contracts;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using ConsortiumAbi = MaaS.Chain.Contracts.Generated.Consortium;
using InvoicingAbi = MaaS.Chain.Contracts.Generated.Invoicing;
using MaintenanceAbi = MaaS.Chain.Contracts.Generated.Maintenance;
using RegistryAbi = MaaS.Chain.Contracts.Generated.MachineRegistry;
using TelemetryAnchorAbi = MaaS.Chain.Contracts.Generated.TelemetryAnchor;

namespace MaaS.Chain.Deployment;

public sealed class DeploymentOptions
{
    /// <summary>Faucet balance to reach (the deployer sends what is missing); 0 leaves the faucet alone.</summary>
    public BigInteger FaucetWei { get; init; }

    /// <summary>The members' gas allowance to set; null leaves it alone.</summary>
    public BigInteger? GasAllowanceWei { get; init; }

    /// <summary>Headroom on every gas estimate, in percent.</summary>
    public int GasHeadroomPercent { get; init; } = 20;

    /// <summary>Largest single off-chain object; a bigger standard-JSON input is published per source (tests lower it).</summary>
    public int? MaxSourceObjectLength { get; init; }
}

/// <summary>One thing the deployer did (or found already done, <see cref="Skipped"/>).</summary>
public sealed record DeploymentStep(string Action, string? Contract = null, string? Address = null, string? TransactionHash = null, long? GasUsed = null,
    bool Skipped = false, string? Detail = null)
{
    public override string ToString()
    {
        var parts = new List<string> { Action };
        if (Contract is not null) parts.Add(Contract);
        if (Address is not null) parts.Add(Address);
        if (Skipped) parts.Add("(already done)");
        if (GasUsed is { } gas) parts.Add(string.Create(CultureInfo.InvariantCulture, $"gas {gas:N0}"));
        if (TransactionHash is not null) parts.Add($"tx {TransactionHash}");
        if (Detail is not null) parts.Add(Detail);
        return string.Join("  ", parts);
    }
}

/// <summary>
/// Deploys the five contracts with the operator's key (the account of <paramref name="web3"/>'s transaction manager),
/// wires them, publishes the source bundle to the off-chain store and records it in the Consortium directory, and
/// optionally funds the faucet and sets the gas allowance. Every transaction has an explicit gas limit (estimate plus
/// headroom) and is awaited before the next. Each step first looks at the chain, so running it again with the
/// deployment it returned (or a partial one saved by <c>checkpoint</c>) only does what is missing.
/// </summary>
public sealed class ContractDeployer(IWeb3 web3, ISourceStore store, IProgress<DeploymentStep>? progress = null)
{
    private static readonly string[] Order = [.. ContractArtifact.ContractNames];

    public string Operator => web3.TransactionManager.Account?.Address.ToLowerInvariant()
        ?? throw new InvalidOperationException("The deployer needs a Web3 with the operator's account.");

    public async Task<ChainDeployment> DeployAsync(
        ReadOnlyMemory<byte> standardInput,
        DeploymentOptions options,
        ChainDeployment? previous = null,
        Func<ChainDeployment, CancellationToken, Task>? checkpoint = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var chainId = (long)(await web3.Eth.ChainId.SendRequestAsync()).Value;
        var @operator = Operator;
        if (previous is not null && (previous.ChainId != chainId || !previous.Operator.Equals(@operator, StringComparison.OrdinalIgnoreCase)))
        {
            Report(new DeploymentStep("ignore previous deployment", Detail: $"it is for chain {previous.ChainId}, operator {previous.Operator}"));
            previous = null;
        }

        var publication = ArtifactPublication.Load();
        var source = await SourcePublication.PublishAsync(store, standardInput, options.MaxSourceObjectLength, ct);
        var whole = standardInput.Length <= (options.MaxSourceObjectLength ?? store.MaxObjectLength);
        if (whole && !source.Digest.AsSpan().SequenceEqual(publication.SourceDigest))
            throw new InvalidOperationException(
                $"The standard-JSON input (CID {source.Cid}) is not the one this build's contracts were compiled from ({publication.SourceCidV0}); run compile.mjs and rebuild.");
        Report(new DeploymentStep("publish source", Detail: $"{source.Cid} ({standardInput.Length:N0} bytes{(whole ? "" : ", per-source manifest")})"));

        var deployment = new ChainDeployment(chainId, @operator, 0, false, []);
        async Task Save()
        {
            if (checkpoint is not null) await checkpoint(deployment, ct);
        }

        var settingsHash = Bytes32.ToHex(publication.CompilerSettingsHash);
        var digest = Bytes32.ToHex(source.Digest);
        var consortium = await EnsureDeployedAsync("Consortium", previous, options, new ConsortiumAbi.ConsortiumDeployment(),
            async a => Same(await Query<ConsortiumAbi.OperatorFunction>(a), @operator), ct);
        deployment = deployment.With(consortium.Record(source.Cid, digest, settingsHash));
        await Save();

        var registry = await EnsureDeployedAsync("MachineRegistry", previous, options, new RegistryAbi.MachineRegistryDeployment { Consortium = consortium.Address },
            async a => Same(await Query<RegistryAbi.ConsortiumFunction>(a), consortium.Address), ct);
        deployment = deployment.With(registry.Record(source.Cid, digest, settingsHash));
        await Save();

        var invoicing = await EnsureDeployedAsync("Invoicing", previous, options, new InvoicingAbi.InvoicingDeployment { Registry = registry.Address },
            async a => Same(await Query<InvoicingAbi.RegistryFunction>(a), registry.Address), ct);
        deployment = deployment.With(invoicing.Record(source.Cid, digest, settingsHash));
        await Save();

        var maintenance = await EnsureDeployedAsync("Maintenance", previous, options,
            new MaintenanceAbi.MaintenanceDeployment { Consortium = consortium.Address, Registry = registry.Address },
            async a => Same(await Query<MaintenanceAbi.ConsortiumFunction>(a), consortium.Address) && Same(await Query<MaintenanceAbi.RegistryFunction>(a), registry.Address), ct);
        deployment = deployment.With(maintenance.Record(source.Cid, digest, settingsHash));
        await Save();

        var anchor = await EnsureDeployedAsync("TelemetryAnchor", previous, options, new TelemetryAnchorAbi.TelemetryAnchorDeployment { Consortium = consortium.Address },
            async a => Same(await Query<TelemetryAnchorAbi.ConsortiumFunction>(a), consortium.Address), ct);
        deployment = deployment.With(anchor.Record(source.Cid, digest, settingsHash));
        await Save();

        var registryContract = new MachineRegistryContract(registry.Address, web3);
        var wiring = await registryContract.WiringAsync(ct);
        if (Same(wiring.Invoicing, invoicing.Address) && Same(wiring.Maintenance, maintenance.Address))
        {
            Report(new DeploymentStep("wire", "MachineRegistry", registry.Address, Skipped: true));
        }
        else if (IsZero(wiring.Invoicing) && IsZero(wiring.Maintenance))
        {
            var receipt = await SendAsync(registryContract.SetModules("deploy/setModules", @operator, invoicing.Address, maintenance.Address), options, ct);
            Report(new DeploymentStep("wire", "MachineRegistry", registry.Address, receipt.TransactionHash, Gas(receipt), Detail: "setModules(Invoicing, Maintenance)"));
        }
        else
        {
            throw new InvalidOperationException($"MachineRegistry {registry.Address} is already wired to Invoicing {wiring.Invoicing} and Maintenance {wiring.Maintenance}.");
        }

        var directory = new ConsortiumContract(consortium.Address, web3);
        foreach (var contract in deployment.Contracts)
        {
            var entry = await directory.PublishedContractAsync(contract.Name, ct);
            if (entry is not null && Same(entry.Address, contract.Address) && entry.SourceCid.AsSpan().SequenceEqual(source.Digest)
                && entry.CompilerSettingsHash.AsSpan().SequenceEqual(publication.CompilerSettingsHash))
            {
                Report(new DeploymentStep("publish", contract.Name, contract.Address, Skipped: true, Detail: source.Cid));
                continue;
            }
            var receipt = await SendAsync(directory.PublishContract($"deploy/publish/{contract.Name}", @operator, contract.Name, contract.Address, source.Digest,
                publication.CompilerSettingsHash), options, ct);
            Report(new DeploymentStep("publish", contract.Name, contract.Address, receipt.TransactionHash, Gas(receipt), Detail: source.Cid));
        }

        if (options.FaucetWei > 0)
        {
            var balance = (await web3.Eth.GetBalance.SendRequestAsync(consortium.Address)).Value;
            if (balance >= options.FaucetWei)
            {
                Report(new DeploymentStep("fund faucet", "Consortium", consortium.Address, Skipped: true, Detail: $"balance {balance} wei"));
            }
            else
            {
                var receipt = await SendAsync(directory.FundFaucet("deploy/faucet", @operator, options.FaucetWei - balance), options, ct);
                Report(new DeploymentStep("fund faucet", "Consortium", consortium.Address, receipt.TransactionHash, Gas(receipt), Detail: $"+{options.FaucetWei - balance} wei"));
            }
        }

        if (options.GasAllowanceWei is { } allowance)
        {
            if (await directory.GasAllowanceAsync(ct) == allowance)
            {
                Report(new DeploymentStep("gas allowance", "Consortium", consortium.Address, Skipped: true, Detail: $"{allowance} wei"));
            }
            else
            {
                var receipt = await SendAsync(directory.SetGasAllowance("deploy/allowance", @operator, allowance), options, ct);
                Report(new DeploymentStep("gas allowance", "Consortium", consortium.Address, receipt.TransactionHash, Gas(receipt), Detail: $"{allowance} wei"));
            }
        }

        deployment = deployment with { Complete = true };
        await Save();
        return deployment;

        async Task<string> Query<TFunction>(string address)
            where TFunction : FunctionMessage, new() =>
            await web3.Eth.GetContractQueryHandler<TFunction>().QueryAsync<string>(address, new TFunction(), BlockParameter.CreateLatest());
    }

    /// <summary>
    /// Whether <paramref name="deployment"/> is complete and live on the chain <paramref name="web3"/> talks to: the
    /// same chain id, and code at every address that looks like this build's artifact of that contract.
    /// </summary>
    public static async Task<(bool Live, string Reason)> IsLiveAsync(IWeb3 web3, ChainDeployment deployment, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(web3);
        ArgumentNullException.ThrowIfNull(deployment);
        var chainId = (long)(await web3.Eth.ChainId.SendRequestAsync().WaitAsync(ct)).Value;
        if (chainId != deployment.ChainId) return (false, $"it is for chain {deployment.ChainId}, the node is chain {chainId}");
        if (!deployment.Complete) return (false, "it is incomplete");
        foreach (var name in Order)
        {
            if (deployment.Find(name) is not { } contract) return (false, $"it has no {name}");
            var code = (await web3.Eth.GetCode.SendRequestAsync(contract.Address).WaitAsync(ct)).HexToByteArray();
            if (!RuntimeCode.ResemblesArtifact(ContractArtifact.Load(name).DeployedBytecode.HexToByteArray(), code))
                return (false, code.Length == 0 ? $"{name} has no code at {contract.Address}" : $"the code at {contract.Address} is not this build's {name}");
        }
        return (true, $"{deployment.Contracts.Count} contracts with code on chain {chainId}");
    }

    private async Task<Deployed> EnsureDeployedAsync<TDeployment>(string name, ChainDeployment? previous, DeploymentOptions options, TDeployment message, Func<string, Task<bool>> wiredAsExpected,
        CancellationToken ct)
        where TDeployment : ContractDeploymentMessage, new()
    {
        if (previous?.Find(name) is { } earlier)
        {
            var code = (await web3.Eth.GetCode.SendRequestAsync(earlier.Address).WaitAsync(ct)).HexToByteArray();
            if (RuntimeCode.ResemblesArtifact(ContractArtifact.Load(name).DeployedBytecode.HexToByteArray(), code) && await wiredAsExpected(earlier.Address))
            {
                Report(new DeploymentStep("deploy", name, earlier.Address, earlier.TransactionHash, earlier.GasUsed, Skipped: true));
                return new Deployed(name, earlier.Address.ToLowerInvariant(), earlier.TransactionHash, earlier.BlockNumber, earlier.GasUsed);
            }
        }

        var handler = web3.Eth.GetContractDeploymentHandler<TDeployment>();
        message.FromAddress = Operator;
        TransactionInput input;
        try
        {
            input = await handler.CreateTransactionInputEstimatingGasAsync(message).WaitAsync(ct);
        }
        catch (Exception ex) when (RevertDecoder.RevertDataOf(ex) is { } data)
        {
            throw RevertDecoder.Decode(data);
        }
        input.Gas = new HexBigInteger(WithHeadroom(input.Gas.Value, options.GasHeadroomPercent));
        var receipt = await web3.TransactionManager.SendTransactionAndWaitForReceiptAsync(input, ct);
        await EnsureSucceededAsync(receipt, $"deploying {name}");
        var address = receipt.ContractAddress.ToLowerInvariant();
        Report(new DeploymentStep("deploy", name, address, receipt.TransactionHash, Gas(receipt)));
        return new Deployed(name, address, receipt.TransactionHash, (long)receipt.BlockNumber.Value, Gas(receipt));
    }

    private async Task<TransactionReceipt> SendAsync(TransactionRequest request, DeploymentOptions options, CancellationToken ct)
    {
        var call = new CallInput(request.Data, request.To, new HexBigInteger(request.Value)) { From = request.From };
        BigInteger estimate;
        try
        {
            estimate = (await web3.TransactionManager.EstimateGasAsync(call).WaitAsync(ct)).Value;
        }
        catch (Exception ex) when (RevertDecoder.RevertDataOf(ex) is { } data)
        {
            throw RevertDecoder.Decode(data);
        }
        var input = new TransactionInput
        {
            From = request.From,
            To = request.To,
            Data = request.Data,
            Value = new HexBigInteger(request.Value),
            Gas = new HexBigInteger(WithHeadroom(estimate, options.GasHeadroomPercent)),
        };
        var receipt = await web3.TransactionManager.SendTransactionAndWaitForReceiptAsync(input, ct);
        await EnsureSucceededAsync(receipt, request.IdempotencyKey);
        return receipt;
    }

    private async Task EnsureSucceededAsync(TransactionReceipt receipt, string what)
    {
        if (receipt.Status?.Value == 1) return;
        string reason;
        try
        {
            reason = await web3.Eth.GetContractTransactionErrorReason.SendRequestAsync(receipt.TransactionHash);
        }
        catch (Exception ex) when (RevertDecoder.RevertDataOf(ex) is { } data)
        {
            reason = RevertDecoder.Decode(data, receipt.TransactionHash).Description;
        }
        throw new InvalidOperationException($"Transaction {receipt.TransactionHash} ({what}) failed in block {receipt.BlockNumber?.Value}: {reason}");
    }

    private void Report(DeploymentStep step) => progress?.Report(step);

    private static BigInteger WithHeadroom(BigInteger estimate, int percent) => estimate + estimate * percent / 100;

    private static long Gas(TransactionReceipt receipt) => (long)(receipt.GasUsed?.Value ?? 0);

    private static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static bool IsZero(string? address) => string.IsNullOrEmpty(address) || address.HexToByteArray().All(b => b == 0);

    private sealed record Deployed(string Name, string Address, string TransactionHash, long BlockNumber, long GasUsed)
    {
        public DeployedContract Record(string sourceCid, string sourceDigest, string settingsHash) =>
            new(Name, Address, TransactionHash, BlockNumber, GasUsed, sourceCid, sourceDigest, settingsHash);
    }
}
