using System.Numerics;
using MaaS.Chain.Transactions;

namespace MaaS.Chain.Contracts;

/// <summary>
/// The Consortium contract: operator, members and roles, invitations, OEM accreditations of maintainers, the gas
/// faucet and the directory of published contracts. Write methods build the transaction for
/// <see cref="ITransactionWriter"/> (<c>from</c> signs; the contract checks its role).
/// </summary>
public interface IConsortium
{
    string Address { get; }

    // ---- operator
    TransactionRequest CreateInvitation(string idempotencyKey, string from, string inviteId, MemberRoles roles, DateTimeOffset expiresAt);

    TransactionRequest CancelInvitation(string idempotencyKey, string from, string inviteId);

    TransactionRequest SetMemberRoles(string idempotencyKey, string from, string member, MemberRoles roles);

    TransactionRequest RevokeMember(string idempotencyKey, string from, string member);

    TransactionRequest SetGasAllowance(string idempotencyKey, string from, BigInteger allowanceWei);

    /// <summary>Sends <c>member</c> what it lacks up to the gas allowance, from the faucet.</summary>
    TransactionRequest TopUp(string idempotencyKey, string from, string member);

    TransactionRequest WithdrawFaucet(string idempotencyKey, string from, string to, BigInteger amountWei);

    /// <summary>A plain ether transfer to the contract (its <c>receive</c>), which funds the faucet. Anybody may fund it.</summary>
    TransactionRequest FundFaucet(string idempotencyKey, string from, BigInteger amountWei);

    TransactionRequest PublishContract(string idempotencyKey, string from, string name, string contractAddress, byte[] sourceCid, byte[] compilerSettingsHash);

    TransactionRequest TransferOperator(string idempotencyKey, string from, string newOperator);

    TransactionRequest AcceptOperator(string idempotencyKey, string from);

    // ---- members
    /// <summary>Redeems an invitation for <paramref name="from"/>: <paramref name="signature"/> is the invitation key's EIP-191 signature of <see cref="RedemptionHashAsync"/>.</summary>
    TransactionRequest RedeemInvitation(string idempotencyKey, string from, byte[] signature);

    /// <summary>An OEM (<paramref name="from"/>) accredits a maintainer for its machines of a model in a region (or <see cref="Regions.All"/>).</summary>
    TransactionRequest Accredit(string idempotencyKey, string from, byte[] model, ushort region, string maintainer);

    TransactionRequest WithdrawAccreditation(string idempotencyKey, string from, byte[] model, ushort region, string maintainer);

    // ---- views
    Task<string> OperatorAsync(CancellationToken ct = default);

    /// <summary>The operator-to-be during a transfer, or null.</summary>
    Task<string?> PendingOperatorAsync(CancellationToken ct = default);

    /// <summary>A member's roles and join time; null if not a member.</summary>
    Task<MemberOnChain?> MemberAsync(string account, CancellationToken ct = default);

    Task<bool> HasRoleAsync(string account, MemberRoles roles, CancellationToken ct = default);

    Task<bool> IsAccreditedAsync(string oem, byte[] model, ushort region, string maintainer, CancellationToken ct = default);

    /// <summary>A pending invitation, or null.</summary>
    Task<InvitationOnChain?> InvitationAsync(string inviteId, CancellationToken ct = default);

    /// <summary>What the invitation key signs to let <paramref name="redeemer"/> redeem it.</summary>
    Task<byte[]> RedemptionHashAsync(string redeemer, CancellationToken ct = default);

    Task<BigInteger> GasAllowanceAsync(CancellationToken ct = default);

    /// <summary>The directory entry published under <paramref name="name"/> (e.g. <c>MachineRegistry</c>), or null.</summary>
    Task<PublishedContractOnChain?> PublishedContractAsync(string name, CancellationToken ct = default);
}

public sealed record MemberOnChain(string Account, MemberRoles Roles, DateTimeOffset Since);

public sealed record InvitationOnChain(string InviteId, MemberRoles Roles, DateTimeOffset ExpiresAt);

/// <summary>A Consortium directory entry: <see cref="SourceCid"/> is the CIDv0 digest of the published source bundle.</summary>
public sealed record PublishedContractOnChain(string Name, string Address, byte[] SourceCid, byte[] CompilerSettingsHash, long BlockNumber);
