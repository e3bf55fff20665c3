using System.Numerics;
using MaaS.Chain.Contracts.Generated.Consortium;
using MaaS.Chain.Deployment;
using MaaS.Chain.Transactions;
using Nethereum.Web3;

namespace MaaS.Chain.Contracts;

public sealed class ConsortiumContract(string address, IWeb3 web3) : ContractBinding(address, web3), IConsortium
{
    /// <summary>The Consortium contract of <paramref name="deployment"/>.</summary>
    public ConsortiumContract(ChainDeployment deployment, IWeb3 web3)
        : this((deployment ?? throw new ArgumentNullException(nameof(deployment)))["Consortium"].Address, web3)
    {
    }

    public TransactionRequest CreateInvitation(string idempotencyKey, string from, string inviteId, MemberRoles roles, DateTimeOffset expiresAt) =>
        Request(idempotencyKey, from, new CreateInvitationFunction
        {
            InviteId = RequireAddress(inviteId, nameof(inviteId)),
            Roles = (byte)roles,
            ExpiresAt = checked((ulong)expiresAt.ToUnixTimeSeconds()),
        });

    public TransactionRequest CancelInvitation(string idempotencyKey, string from, string inviteId) =>
        Request(idempotencyKey, from, new CancelInvitationFunction { InviteId = RequireAddress(inviteId, nameof(inviteId)) });

    public TransactionRequest SetMemberRoles(string idempotencyKey, string from, string member, MemberRoles roles) =>
        Request(idempotencyKey, from, new SetMemberRolesFunction { Member = RequireAddress(member, nameof(member)), Roles = (byte)roles });

    public TransactionRequest RevokeMember(string idempotencyKey, string from, string member) =>
        Request(idempotencyKey, from, new RevokeMemberFunction { Member = RequireAddress(member, nameof(member)) });

    public TransactionRequest SetGasAllowance(string idempotencyKey, string from, BigInteger allowanceWei) =>
        Request(idempotencyKey, from, new SetGasAllowanceFunction { Allowance = NonNegative(allowanceWei, nameof(allowanceWei)) });

    public TransactionRequest TopUp(string idempotencyKey, string from, string member) =>
        Request(idempotencyKey, from, new TopUpFunction { Member = RequireAddress(member, nameof(member)) });

    public TransactionRequest WithdrawFaucet(string idempotencyKey, string from, string to, BigInteger amountWei) =>
        Request(idempotencyKey, from, new WithdrawFaucetFunction { To = RequireAddress(to, nameof(to)), Amount = NonNegative(amountWei, nameof(amountWei)) });

    public TransactionRequest FundFaucet(string idempotencyKey, string from, BigInteger amountWei)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        return new TransactionRequest(idempotencyKey, RequireAddress(from, nameof(from)), Address, "0x") { Value = NonNegative(amountWei, nameof(amountWei)) };
    }

    public TransactionRequest PublishContract(string idempotencyKey, string from, string name, string contractAddress, byte[] sourceCid, byte[] compilerSettingsHash) =>
        Request(idempotencyKey, from, new PublishContractFunction
        {
            Name = Bytes32.FromAscii(name),
            Addr = RequireAddress(contractAddress, nameof(contractAddress)),
            SourceCid = Id(sourceCid, nameof(sourceCid)),
            CompilerSettingsHash = Id(compilerSettingsHash, nameof(compilerSettingsHash)),
        });

    public TransactionRequest TransferOperator(string idempotencyKey, string from, string newOperator) =>
        Request(idempotencyKey, from, new TransferOperatorFunction { NewOperator = RequireAddress(newOperator, nameof(newOperator)) });

    public TransactionRequest AcceptOperator(string idempotencyKey, string from) => Request(idempotencyKey, from, new AcceptOperatorFunction());

    public TransactionRequest RedeemInvitation(string idempotencyKey, string from, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        if (signature.Length != 65) throw new ArgumentException("An invitation signature is 65 bytes (r, s, v).", nameof(signature));
        return Request(idempotencyKey, from, new RedeemInvitationFunction { Signature = signature });
    }

    public TransactionRequest Accredit(string idempotencyKey, string from, byte[] model, ushort region, string maintainer) =>
        Request(idempotencyKey, from, new AccreditFunction { Model = Id(model, nameof(model)), Region = region, Maintainer = RequireAddress(maintainer, nameof(maintainer)) });

    public TransactionRequest WithdrawAccreditation(string idempotencyKey, string from, byte[] model, ushort region, string maintainer) =>
        Request(idempotencyKey, from, new WithdrawAccreditationFunction { Model = Id(model, nameof(model)), Region = region, Maintainer = RequireAddress(maintainer, nameof(maintainer)) });

    public async Task<string> OperatorAsync(CancellationToken ct = default) =>
        Normalize(await QueryAsync<OperatorFunction, string>(new OperatorFunction(), ct));

    public async Task<string?> PendingOperatorAsync(CancellationToken ct = default)
    {
        var pending = await QueryAsync<PendingOperatorFunction, string>(new PendingOperatorFunction(), ct);
        return IsZeroAddress(pending) ? null : Normalize(pending);
    }

    public async Task<MemberOnChain?> MemberAsync(string account, CancellationToken ct = default)
    {
        var info = await CallAsync<MemberInfoFunction, MemberInfoOutputDTO>(new MemberInfoFunction { Account = RequireAddress(account, nameof(account)) }, ct);
        return info.Roles == 0 ? null : new MemberOnChain(Normalize(account), (MemberRoles)info.Roles, DateTimeOffset.FromUnixTimeSeconds((long)info.Since));
    }

    public Task<bool> HasRoleAsync(string account, MemberRoles roles, CancellationToken ct = default) =>
        roles == MemberRoles.None
            ? throw new ArgumentException("Ask for at least one role.", nameof(roles))
            : QueryAsync<HasRoleFunction, bool>(new HasRoleFunction { Account = RequireAddress(account, nameof(account)), Role = (byte)roles }, ct);

    public Task<bool> IsAccreditedAsync(string oem, byte[] model, ushort region, string maintainer, CancellationToken ct = default) =>
        QueryAsync<IsAccreditedFunction, bool>(new IsAccreditedFunction
        {
            Oem = RequireAddress(oem, nameof(oem)),
            Model = Id(model, nameof(model)),
            Region = region,
            Maintainer = RequireAddress(maintainer, nameof(maintainer)),
        }, ct);

    public async Task<InvitationOnChain?> InvitationAsync(string inviteId, CancellationToken ct = default)
    {
        var info = await CallAsync<InvitationInfoFunction, InvitationInfoOutputDTO>(new InvitationInfoFunction { InviteId = RequireAddress(inviteId, nameof(inviteId)) }, ct);
        return info.Roles == 0 ? null : new InvitationOnChain(Normalize(inviteId), (MemberRoles)info.Roles, DateTimeOffset.FromUnixTimeSeconds((long)info.ExpiresAt));
    }

    public Task<byte[]> RedemptionHashAsync(string redeemer, CancellationToken ct = default) =>
        QueryAsync<RedemptionHashFunction, byte[]>(new RedemptionHashFunction { Redeemer = RequireAddress(redeemer, nameof(redeemer)) }, ct);

    public Task<BigInteger> GasAllowanceAsync(CancellationToken ct = default) =>
        QueryAsync<GasAllowanceFunction, BigInteger>(new GasAllowanceFunction(), ct);

    public async Task<PublishedContractOnChain?> PublishedContractAsync(string name, CancellationToken ct = default)
    {
        var entry = await CallAsync<PublishedContractFunction, PublishedContractOutputDTO>(new PublishedContractFunction { Name = Bytes32.FromAscii(name) }, ct);
        return IsZeroAddress(entry.Addr)
            ? null
            : new PublishedContractOnChain(name, Normalize(entry.Addr), entry.SourceCid, entry.CompilerSettingsHash, (long)entry.BlockNumber);
    }
}
