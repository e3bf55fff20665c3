using System.Numerics;
using Nethereum.Signer;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>
/// One refusal: <see cref="By"/> calls <see cref="Contract"/>.<see cref="Function"/> in <see cref="Scene"/> with
/// <see cref="Args"/> and is refused with <see cref="Error"/> — a custom error name, or <c>Name(arg, …)</c> when its
/// arguments are checked too (<c>{id}</c> = the scene's machine, <c>{actor}</c> = that actor's address,
/// <c>{invite}</c> = the scene's invitation id). <see cref="Via"/> names the function that actually raises it when
/// the call goes through another contract; <see cref="Mined"/> rows are also mined as failing transactions.
/// </summary>
public sealed record Refusal(string Contract, string Function, string By, string Scene, Func<ChainWorld, Scene, object[]> Args, string Error)
{
    public string? Note { get; init; }

    public string? Via { get; init; }

    public bool Mined { get; init; }

    public string Key => $"{Contract}.{Function}{(Note is null ? "" : $" ({Note})")} by {By} on [{Scene}] -> {Error}";
}

/// <summary>The refusals of every external function of the five contracts (wrong caller, wrong party, wrong state, bad input).</summary>
public static class RefusalTable
{
    private const string C = "Consortium", R = "MachineRegistry", M = "Maintenance", I = "Invoicing", T = "TelemetryAnchor";
    private static readonly byte[] Model = ChainWorld.Model;
    private static readonly byte[] Zero = new byte[32];
    private static readonly BigInteger Ether = BigInteger.Pow(10, 18);
    private const string ZeroAddress = "0x0000000000000000000000000000000000000000";
    private const long FarFuture = 4_102_444_800;

    private static Refusal Row(string contract, string function, string by, string scene, Func<ChainWorld, Scene, object[]> args, string error,
        string? note = null, string? via = null, bool mined = false) =>
        new(contract, function, by, scene, args, error) { Note = note, Via = via, Mined = mined };

    private static object[] Register(ChainWorld w, byte[]? id = null, string? customer = null, byte[]? model = null, int region = ChainWorld.Region,
        byte[]? spec = null, string? device = null, uint interval = 900) =>
        [id ?? Ids.MachineId(), customer ?? w.Customer.Address, model ?? Model, region, spec ?? Ids.Digest("spec"), device ?? EthECKey.GenerateKey().GetPublicAddress(), interval, Ids.Digest("agreement")];

    private static object[] Auction(Scene s, object[] parameters, int kind = 1, byte[]? cid = null) => [s.Id, kind, cid ?? Ids.Digest("problem"), parameters];

    private static object[] P(int mode, int rule, int priceWeight = 0, int etaWeight = 0, int maxBids = 0, long biddingBlocks = 0, long revealBlocks = 0) =>
        ChainWorld.AuctionParams(mode, rule, priceWeight, etaWeight, maxBids, biddingBlocks, revealBlocks);

    private static object[] Redeem(ChainWorld w, Scene s, string redeemer) => [w.RedemptionSignature(s.Invitation!, redeemer)];

    public static readonly IReadOnlyList<Refusal> Rows =
    [
        // ================================================================ Consortium
        Row(C, "transferOperator", "outsider", "nothing", (w, _) => [w.Outsider.Address], "NotOperator"),
        Row(C, "acceptOperator", "outsider", "nothing", (_, _) => [], "NotPendingOperator"),
        Row(C, "createInvitation", "outsider", "nothing", (_, _) => [EthECKey.GenerateKey().GetPublicAddress(), Roles.Customer, FarFuture], "NotOperator", mined: true),
        Row(C, "createInvitation", "operator", "nothing", (_, _) => [ZeroAddress, Roles.Customer, FarFuture], "ZeroAddress", note: "zero invitation id"),
        Row(C, "createInvitation", "operator", "nothing", (_, _) => [EthECKey.GenerateKey().GetPublicAddress(), 0, FarFuture], "InvalidRoles(0)"),
        Row(C, "createInvitation", "operator", "nothing", (_, _) => [EthECKey.GenerateKey().GetPublicAddress(), 8, FarFuture], "InvalidRoles(8)"),
        Row(C, "createInvitation", "operator", "nothing", (_, _) => [EthECKey.GenerateKey().GetPublicAddress(), Roles.Oem, 1L], "InvalidExpiry", note: "expiry in the past"),
        Row(C, "createInvitation", "operator", "pending invitation", (_, s) => [s.Invitation!.GetPublicAddress(), Roles.Oem, FarFuture], "InvitationExists({invite})"),
        Row(C, "cancelInvitation", "outsider", "pending invitation", (_, s) => [s.Invitation!.GetPublicAddress()], "NotOperator"),
        Row(C, "cancelInvitation", "operator", "nothing", (_, _) => [EthECKey.GenerateKey().GetPublicAddress()], "InvitationNotFound"),
        Row(C, "redeemInvitation", "outsider", "pending invitation", (w, s) => Redeem(w, s, w.MaintainerA.Address), "InvitationNotFound", note: "signature made for another redeemer", mined: true),
        Row(C, "redeemInvitation", "outsider", "pending invitation", (w, s) => [Signatures.Malleated(w.RedemptionSignature(s.Invitation!, w.Outsider.Address))], "InvalidSignature", note: "high s"),
        Row(C, "redeemInvitation", "outsider", "pending invitation", (w, s) => [Signatures.WithV(w.RedemptionSignature(s.Invitation!, w.Outsider.Address), 30)], "InvalidSignature", note: "v = 30"),
        Row(C, "redeemInvitation", "outsider", "pending invitation", (w, s) => [w.RedemptionSignature(s.Invitation!, w.Outsider.Address)[..64]], "InvalidSignature", note: "64 bytes"),
        Row(C, "redeemInvitation", "outsider", "expired invitation", (w, s) => Redeem(w, s, w.Outsider.Address), "InvitationExpired({invite})"),
        Row(C, "redeemInvitation", "customer", "pending invitation", (w, s) => Redeem(w, s, w.Customer.Address), "AlreadyMember({customer})"),
        Row(C, "setMemberRoles", "outsider", "nothing", (w, _) => [w.Customer2.Address, Roles.Oem], "NotOperator"),
        Row(C, "setMemberRoles", "operator", "nothing", (w, _) => [w.Outsider.Address, Roles.Oem], "NotMember({outsider})"),
        Row(C, "setMemberRoles", "operator", "nothing", (w, _) => [w.Customer2.Address, 0], "InvalidRoles(0)"),
        Row(C, "setMemberRoles", "operator", "nothing", (w, _) => [w.Customer2.Address, 9], "InvalidRoles(9)"),
        Row(C, "revokeMember", "outsider", "nothing", (w, _) => [w.Customer2.Address], "NotOperator"),
        Row(C, "revokeMember", "operator", "nothing", (w, _) => [w.Outsider.Address], "NotMember({outsider})"),
        Row(C, "accredit", "customer", "nothing", (w, _) => [Model, ChainWorld.Region, w.MaintainerA.Address], "NotOEM({customer})"),
        Row(C, "accredit", "maintainerA", "nothing", (w, _) => [Model, ChainWorld.Region, w.MaintainerA.Address], "NotOEM({maintainerA})"),
        Row(C, "accredit", "oem", "nothing", (w, _) => [Model, ChainWorld.Region, w.Customer.Address], "NotMaintainer({customer})"),
        Row(C, "accredit", "oem", "nothing", (w, _) => [Zero, ChainWorld.Region, w.Unaccredited.Address], "InvalidModel"),
        Row(C, "accredit", "oem", "nothing", (w, _) => [Model, ChainWorld.Region, w.MaintainerA.Address], "AlreadyAccredited"),
        Row(C, "accredit", "oem", "nothing", (w, _) => [Model, ChainWorld.AllRegions, w.MaintainerB.Address], "AlreadyAccredited", note: "all regions"),
        Row(C, "withdrawAccreditation", "oem", "nothing", (w, _) => [Model, 34, w.MaintainerA.Address], "NotAccredited", note: "other region"),
        Row(C, "withdrawAccreditation", "oem2", "nothing", (w, _) => [Model, ChainWorld.Region, w.MaintainerA.Address], "NotAccredited", note: "another OEM's accreditation"),
        Row(C, "setGasAllowance", "outsider", "nothing", (_, _) => [Ether], "NotOperator"),
        Row(C, "topUp", "customer", "nothing", (w, _) => [w.Customer.Address], "NotOperator"),
        Row(C, "topUp", "operator", "nothing", (w, _) => [w.Outsider.Address], "NotMember({outsider})"),
        Row(C, "topUp", "operator", "faucet with 1 ETH, allowance 10 ETH", (w, _) => [w.Actor("poorMember").Address], $"InsufficientFaucetBalance({Ether}, {10 * Ether})"),
        Row(C, "topUp", "operator", "faucet with 1 ETH, allowance 10 ETH", (_, s) => [s.Rejecter!], "TransferFailed", note: "member refuses ether"),
        Row(C, "withdrawFaucet", "outsider", "nothing", (w, _) => [w.Outsider.Address, BigInteger.One], "NotOperator"),
        Row(C, "withdrawFaucet", "operator", "nothing", (_, _) => [ZeroAddress, BigInteger.One], "ZeroAddress"),
        Row(C, "withdrawFaucet", "operator", "nothing", (w, _) => [w.Operator.Address, BigInteger.Pow(10, 30)], "InsufficientFaucetBalance"),
        Row(C, "withdrawFaucet", "operator", "faucet with 1 ETH, allowance 10 ETH", (_, s) => [s.Rejecter!, BigInteger.One], "TransferFailed", note: "recipient refuses ether"),
        Row(C, "publishContract", "outsider", "nothing", (w, _) => [Ids.Ascii("Consortium"), w.Consortium.Address, Ids.Digest(), Ids.Digest()], "NotOperator"),
        Row(C, "publishContract", "operator", "nothing", (w, _) => [Zero, w.Consortium.Address, Ids.Digest(), Ids.Digest()], "InvalidName"),
        Row(C, "publishContract", "operator", "nothing", (w, _) => [Ids.Ascii("Consortium"), w.Consortium.Address, Zero, Ids.Digest()], "InvalidCid"),
        Row(C, "publishContract", "operator", "nothing", (w, _) => [Ids.Ascii("Consortium"), w.Outsider.Address, Ids.Digest(), Ids.Digest()], "NotAContract({outsider})"),

        // ================================================================ MachineRegistry: wiring and life cycle
        Row(R, "constructor", "operator", "nothing", (_, _) => [ZeroAddress], "ZeroAddress"),
        Row(R, "setModules", "outsider", "nothing", (w, _) => [w.Invoicing.Address, w.Maintenance.Address], "NotOperator"),
        Row(R, "setModules", "operator", "nothing", (w, _) => [w.Invoicing.Address, w.Maintenance.Address], "ModulesAlreadySet", mined: true),
        Row(R, "setModules", "operator", "unwired registry, machine registered", (w, _) => [ZeroAddress, w.Maintenance.Address], "ZeroAddress"),
        Row(R, "setModules", "operator", "unwired registry, machine registered", (w, _) => [w.Invoicing.Address, ZeroAddress], "ZeroAddress", note: "zero maintenance"),
        Row(R, "register", "oem", "nothing", (w, _) => Register(w, id: Zero), "InvalidMachineId"),
        Row(R, "register", "oem", "registered", (w, s) => Register(w, id: s.Id), "MachineExists({id})"),
        Row(R, "register", "oem", "nothing", (w, _) => Register(w, customer: ZeroAddress), "ZeroAddress", note: "zero customer"),
        Row(R, "register", "oem", "nothing", (w, _) => Register(w, device: ZeroAddress), "ZeroAddress", note: "zero device"),
        Row(R, "register", "oem", "nothing", (w, _) => Register(w, model: Zero), "InvalidModel"),
        Row(R, "register", "oem", "nothing", (w, _) => Register(w, region: ChainWorld.AllRegions), "InvalidRegion"),
        Row(R, "register", "oem", "nothing", (w, _) => Register(w, interval: 0), "InvalidTelemetryInterval"),
        Row(R, "register", "oem", "nothing", (w, _) => Register(w, spec: Zero), "InvalidCid"),
        Row(R, "register", "customer", "nothing", (w, _) => Register(w), "NotOEMMember({customer})", mined: true),
        Row(R, "register", "outsider", "nothing", (w, _) => Register(w), "NotOEMMember({outsider})"),
        Row(R, "register", "oem", "nothing", (w, _) => Register(w, customer: w.MaintainerA.Address), "NotCustomerMember({maintainerA})"),
        Row(R, "accept", "customer", "unknown machine", (_, s) => [s.Id, 1u], "MachineNotFound({id})"),
        Row(R, "accept", "oem", "registered with terms", (_, s) => [s.Id, 1u], "NotCustomer"),
        Row(R, "accept", "customer2", "registered with terms", (_, s) => [s.Id, 1u], "NotCustomer", note: "another customer"),
        Row(R, "accept", "customer", "accepted", (_, s) => [s.Id, 1u], "InvalidMachineState(2)"),
        Row(R, "accept", "revokedCustomer", "registered for a customer revoked since", (_, s) => [s.Id, 1u], "NotCustomerMember({revokedCustomer})"),
        Row(R, "accept", "customer", "unwired registry, machine registered", (_, s) => [s.Id, 1u], "ModulesNotSet"),
        Row(R, "accept", "customer", "registered", (_, s) => [s.Id, 1u], "TermsNotSet", via: "Invoicing.acceptInitialTerms"),
        Row(R, "accept", "customer", "registered with terms v1 and v2", (_, s) => [s.Id, 1u], "StaleTermsVersion(2)", via: "Invoicing.acceptInitialTerms"),
        Row(R, "accept", "customer", "registered with terms v1 and v2", (_, s) => [s.Id, 3u], "StaleTermsVersion(2)", note: "future version", via: "Invoicing.acceptInitialTerms"),
        Row(R, "start", "oem", "accepted", (_, s) => [s.Id], "NotCustomer", mined: true),
        Row(R, "start", "outsider", "unknown machine", (_, s) => [s.Id], "NotCustomer"),
        Row(R, "start", "customer", "registered", (_, s) => [s.Id], "InvalidMachineState(1)"),
        Row(R, "start", "customer", "running", (_, s) => [s.Id], "InvalidMachineState(3)"),
        Row(R, "start", "customer", "stopped", (_, s) => [s.Id], "InvalidMachineState(4)", note: "reset first"),
        Row(R, "start", "customer", "terminated", (_, s) => [s.Id], "InvalidMachineState(5)"),
        Row(R, "stop", "outsider", "running", (_, s) => [s.Id], "NotParty"),
        Row(R, "stop", "maintainerA", "running", (_, s) => [s.Id], "NotParty"),
        Row(R, "stop", "customer", "accepted", (_, s) => [s.Id], "InvalidMachineState(2)"),
        Row(R, "stop", "oem", "stopped", (_, s) => [s.Id], "InvalidMachineState(4)"),
        Row(R, "resetMachineState", "outsider", "stopped", (_, s) => [s.Id], "NotParty"),
        Row(R, "resetMachineState", "customer", "running", (_, s) => [s.Id], "InvalidMachineState(3)"),
        Row(R, "resetMachineState", "oem", "accepted", (_, s) => [s.Id], "InvalidMachineState(2)"),
        Row(R, "requestTermination", "customer", "unknown machine", (_, s) => [s.Id], "MachineNotFound({id})"),
        Row(R, "requestTermination", "outsider", "running", (_, s) => [s.Id], "NotParty"),
        Row(R, "requestTermination", "customer", "terminated", (_, s) => [s.Id], "InvalidMachineState(5)"),
        Row(R, "requestTermination", "customer", "ticket open", (_, s) => [s.Id], "TicketActive(1)"),
        Row(R, "requestTermination", "oem", "ticket accepted by A", (_, s) => [s.Id], "TicketActive(1)"),
        Row(R, "requestTermination", "oem", "ticket completed", (_, s) => [s.Id], "TicketActive(1)"),
        Row(R, "requestTermination", "customer", "termination requested by the customer", (_, s) => [s.Id], "TerminationAlreadyRequested"),
        Row(R, "changeDevice", "customer", "running", (w, s) => [s.Id, w.Outsider.Address], "NotOEM"),
        Row(R, "changeDevice", "oem", "terminated", (w, s) => [s.Id, w.Outsider.Address], "InvalidMachineState(5)"),
        Row(R, "changeDevice", "oem", "running", (_, s) => [s.Id, ZeroAddress], "ZeroAddress"),

        // ================================================================ MachineRegistry: tickets
        Row(R, "openTicket", "oem", "running", (_, s) => [s.Id, 1, Ids.Digest()], "NotCustomer"),
        Row(R, "openTicket", "customer", "registered", (_, s) => [s.Id, 1, Ids.Digest()], "InvalidMachineState(1)"),
        Row(R, "openTicket", "customer", "terminated", (_, s) => [s.Id, 1, Ids.Digest()], "InvalidMachineState(5)"),
        Row(R, "openTicket", "customer", "running", (_, s) => [s.Id, 0, Ids.Digest()], "InvalidTicketKind", note: "kind 0"),
        Row(R, "openTicket", "customer", "running", (_, s) => [s.Id, 3, Ids.Digest()], "InvalidTicketKind", note: "kind 3"),
        Row(R, "openTicket", "customer", "running", (_, s) => [s.Id, 1, Zero], "InvalidCid"),
        Row(R, "openTicket", "customer", "ticket open", (_, s) => [s.Id, 1, Ids.Digest()], "TicketActive(1)"),
        Row(R, "openTicket", "customer", "ticket accepted by A", (_, s) => [s.Id, 1, Ids.Digest()], "TicketActive(1)"),
        Row(R, "openTicketFor", "customer", "running", (w, s) => [w.Customer.Address, s.Id, 1, 1, Ids.Digest()], "NotMaintenanceContract"),
        Row(R, "openTicketFor", "module", "spare registry (maintenance module = an account), FCFS ticket open", (w, s) => [w.Customer.Address, s.Id, 1, 0, Ids.Digest()], "InvalidSelectionMode", note: "mode 0"),
        Row(R, "openTicketFor", "module", "spare registry (maintenance module = an account), FCFS ticket open", (w, s) => [w.Customer.Address, s.Id, 1, 3, Ids.Digest()], "InvalidSelectionMode", note: "mode 3"),
        Row(R, "acceptTicket", "maintainerA", "ticket open", (_, s) => [s.Id, s.Seq + 1], "WrongTicket(1)"),
        Row(R, "acceptTicket", "maintainerA", "accepted", (_, s) => [s.Id, 0u], "WrongTicket(0)", note: "no ticket yet"),
        Row(R, "acceptTicket", "maintainerC", "ticket accepted by A", (_, s) => [s.Id, s.Seq], "TicketAlreadyTaken({maintainerA})", mined: true),
        Row(R, "acceptTicket", "maintainerA", "ticket completed", (_, s) => [s.Id, s.Seq], "TicketAlreadyTaken({maintainerA})"),
        Row(R, "acceptTicket", "maintainerA", "ticket cancelled", (_, s) => [s.Id, s.Seq], "InvalidTicketState(6)"),
        Row(R, "acceptTicket", "maintainerA", "bidding open, A bid", (_, s) => [s.Id, s.Seq], "WrongSelectionMode(1)"),
        Row(R, "acceptTicket", "maintainerA", "sealed, commit phase, A committed", (_, s) => [s.Id, s.Seq], "WrongSelectionMode(2)"),
        Row(R, "acceptTicket", "unaccredited", "ticket open", (_, s) => [s.Id, s.Seq], "NotAccredited", mined: true),
        Row(R, "acceptTicket", "outsider", "ticket open", (_, s) => [s.Id, s.Seq], "NotAccredited"),
        Row(R, "acceptTicket", "maintainerA", "ticket open in region 34", (_, s) => [s.Id, s.Seq], "NotAccredited", note: "accredited for region 33 only"),
        Row(R, "assignTicket", "customer", "bidding open, A bid", (w, s) => [s.Id, s.Seq, w.MaintainerA.Address], "NotMaintenanceContract"),
        Row(R, "assignTicket", "module", "spare registry (maintenance module = an account), FCFS ticket open", (w, s) => [s.Id, s.Seq + 1, w.MaintainerA.Address], "WrongTicket(1)"),
        Row(R, "assignTicket", "module", "spare registry (maintenance module = an account), bidding ticket assigned", (w, s) => [s.Id, s.Seq, w.MaintainerC.Address], "InvalidTicketState(3)"),
        Row(R, "assignTicket", "module", "spare registry (maintenance module = an account), FCFS ticket open", (w, s) => [s.Id, s.Seq, w.MaintainerA.Address], "WrongSelectionMode(0)"),
        Row(R, "completeTicket", "maintainerA", "ticket accepted by A", (_, s) => [s.Id, s.Seq + 1, Ids.Digest()], "WrongTicket(1)"),
        Row(R, "completeTicket", "maintainerA", "ticket open", (_, s) => [s.Id, s.Seq, Ids.Digest()], "InvalidTicketState(2)"),
        Row(R, "completeTicket", "maintainerA", "ticket completed", (_, s) => [s.Id, s.Seq, Ids.Digest()], "InvalidTicketState(4)"),
        Row(R, "completeTicket", "maintainerC", "ticket accepted by A", (_, s) => [s.Id, s.Seq, Ids.Digest()], "NotAssignedMaintainer", mined: true),
        Row(R, "completeTicket", "customer", "ticket accepted by A", (_, s) => [s.Id, s.Seq, Ids.Digest()], "NotAssignedMaintainer"),
        Row(R, "completeTicket", "maintainerA", "ticket accepted by A", (_, s) => [s.Id, s.Seq, Zero], "InvalidCid"),
        Row(R, "closeTicket", "oem", "ticket completed", (_, s) => [s.Id, s.Seq], "NotCustomer"),
        Row(R, "closeTicket", "maintainerA", "ticket completed", (_, s) => [s.Id, s.Seq], "NotCustomer"),
        Row(R, "closeTicket", "customer", "ticket completed", (_, s) => [s.Id, s.Seq + 1], "WrongTicket(1)"),
        Row(R, "closeTicket", "customer", "ticket open", (_, s) => [s.Id, s.Seq], "InvalidTicketState(2)"),
        Row(R, "closeTicket", "customer", "ticket accepted by A", (_, s) => [s.Id, s.Seq], "InvalidTicketState(3)"),
        Row(R, "closeTicket", "customer", "ticket closed", (_, s) => [s.Id, s.Seq], "InvalidTicketState(5)"),
        Row(R, "cancelTicket", "oem", "ticket open", (_, s) => [s.Id, s.Seq], "NotCustomer"),
        Row(R, "cancelTicket", "customer", "ticket open", (_, s) => [s.Id, s.Seq + 1], "WrongTicket(1)"),
        Row(R, "cancelTicket", "customer", "ticket completed", (_, s) => [s.Id, s.Seq], "InvalidTicketState(4)"),
        Row(R, "cancelTicket", "customer", "ticket closed", (_, s) => [s.Id, s.Seq], "InvalidTicketState(5)"),
        Row(R, "cancelTicket", "customer", "ticket cancelled", (_, s) => [s.Id, s.Seq], "InvalidTicketState(6)"),

        // ================================================================ Maintenance
        Row(M, "constructor", "operator", "nothing", (w, _) => [ZeroAddress, w.Registry.Address], "ZeroAddress", note: "zero consortium"),
        Row(M, "constructor", "operator", "nothing", (w, _) => [w.Consortium.Address, ZeroAddress], "ZeroAddress", note: "zero registry"),
        Row(M, "openAuction", "customer", "running", (_, s) => Auction(s, P(1, 2, maxBids: 2)), "InvalidWeights", note: "weighted rule without weights"),
        Row(M, "openAuction", "customer", "running", (_, s) => Auction(s, P(1, 0, priceWeight: 1, maxBids: 2)), "InvalidWeights", note: "weights with lowest price"),
        Row(M, "openAuction", "customer", "running", (_, s) => Auction(s, P(1, 1, etaWeight: 1, maxBids: 2)), "InvalidWeights", note: "weights with lowest eta"),
        Row(M, "openAuction", "customer", "running", (_, s) => Auction(s, P(1, 3, maxBids: 2)), "InvalidRule(3)"),
        Row(M, "openAuction", "customer", "running", (_, s) => Auction(s, P(1, 0)), "InvalidSchedule", note: "open bidding without count or deadline"),
        Row(M, "openAuction", "customer", "running", (_, s) => Auction(s, P(1, 0, maxBids: 2, revealBlocks: 5)), "InvalidSchedule", note: "open bidding with reveal blocks"),
        Row(M, "openAuction", "customer", "running", (_, s) => Auction(s, P(2, 0, maxBids: 1, biddingBlocks: 5, revealBlocks: 5)), "InvalidSchedule", note: "sealed with maxBids"),
        Row(M, "openAuction", "customer", "running", (_, s) => Auction(s, P(2, 0, revealBlocks: 5)), "InvalidSchedule", note: "sealed without commit blocks"),
        Row(M, "openAuction", "customer", "running", (_, s) => Auction(s, P(2, 0, biddingBlocks: 5)), "InvalidSchedule", note: "sealed without reveal blocks"),
        Row(M, "openAuction", "customer", "running", (_, s) => Auction(s, P(0, 0, maxBids: 2)), "InvalidMode(0)"),
        Row(M, "openAuction", "customer", "running", (_, s) => Auction(s, P(3, 0, maxBids: 2)), "InvalidMode(3)"),
        Row(M, "openAuction", "oem", "running", (_, s) => Auction(s, P(1, 0, maxBids: 2)), "NotCustomer", via: "MachineRegistry.openTicketFor"),
        Row(M, "openAuction", "customer", "registered", (_, s) => Auction(s, P(1, 0, maxBids: 2)), "InvalidMachineState(1)", via: "MachineRegistry.openTicketFor"),
        Row(M, "openAuction", "customer", "running", (_, s) => Auction(s, P(1, 0, maxBids: 2), kind: 9), "InvalidTicketKind", via: "MachineRegistry.openTicketFor"),
        Row(M, "openAuction", "customer", "running", (_, s) => Auction(s, P(1, 0, maxBids: 2), cid: Zero), "InvalidCid", via: "MachineRegistry.openTicketFor"),
        Row(M, "openAuction", "customer", "ticket open", (_, s) => Auction(s, P(1, 0, maxBids: 2)), "TicketActive(1)", via: "MachineRegistry.openTicketFor"),
        Row(M, "placeBid", "maintainerA", "accepted", (_, s) => [s.Id, 1u, 100UL, 100u], "AuctionNotOpen", note: "no auction"),
        Row(M, "placeBid", "maintainerC", "bidding awarded", (_, s) => [s.Id, s.Seq, 100UL, 100u], "AuctionNotOpen", note: "awarded"),
        Row(M, "placeBid", "maintainerC", "bidding open, A bid", (_, s) => [s.Id, s.Seq + 1, 100UL, 100u], "AuctionNotOpen", note: "wrong seq"),
        Row(M, "placeBid", "maintainerA", "sealed, commit phase, A committed", (_, s) => [s.Id, s.Seq, 100UL, 100u], "WrongMode(2)"),
        Row(M, "placeBid", "maintainerC", "bidding past its deadline, A bid", (_, s) => [s.Id, s.Seq, 100UL, 100u], "BiddingClosed"),
        Row(M, "placeBid", "maintainerA", "bidding with its ticket cancelled", (_, s) => [s.Id, s.Seq, 100UL, 100u], "TicketNotOpen"),
        Row(M, "placeBid", "unaccredited", "bidding open, A bid", (_, s) => [s.Id, s.Seq, 100UL, 100u], "NotAccredited"),
        Row(M, "placeBid", "oem", "bidding open, A bid", (_, s) => [s.Id, s.Seq, 100UL, 100u], "NotAccredited", note: "the OEM itself"),
        Row(M, "placeBid", "maintainerA", "bidding open, A bid", (_, s) => [s.Id, s.Seq, 50UL, 100u], "AlreadyBid", mined: true),
        Row(M, "commitBid", "maintainerA", "accepted", (_, s) => [s.Id, 1u, Ids.Digest()], "AuctionNotOpen"),
        Row(M, "commitBid", "maintainerC", "bidding open, A bid", (_, s) => [s.Id, s.Seq, Ids.Digest()], "WrongMode(1)"),
        Row(M, "commitBid", "maintainerB", "sealed, reveal phase, A C D committed, D's accreditation withdrawn", (_, s) => [s.Id, s.Seq, Ids.Digest()], "CommitPhaseOver", mined: true),
        Row(M, "commitBid", "maintainerB", "sealed, commit phase, A committed", (_, s) => [s.Id, s.Seq, Zero], "InvalidCommitment"),
        Row(M, "commitBid", "maintainerB", "sealed, commit phase, ticket cancelled", (_, s) => [s.Id, s.Seq, Ids.Digest()], "TicketNotOpen"),
        Row(M, "commitBid", "unaccredited", "sealed, commit phase, A committed", (_, s) => [s.Id, s.Seq, Ids.Digest()], "NotAccredited"),
        Row(M, "commitBid", "maintainerA", "sealed, commit phase, A committed", (_, s) => [s.Id, s.Seq, Ids.Digest()], "AlreadyCommitted"),
        Row(M, "revealBid", "maintainerA", "accepted", (_, s) => [s.Id, 1u, 1UL, 1u, Ids.Digest()], "AuctionNotOpen"),
        Row(M, "revealBid", "maintainerA", "bidding open, A bid", (_, s) => [s.Id, s.Seq, 1_000UL, 3_600u, Ids.Digest()], "WrongMode(1)"),
        Row(M, "revealBid", "maintainerA", "sealed, commit phase, A committed", (_, s) => [s.Id, s.Seq, s.Price, s.Eta, s.Salt], "NotRevealPhase", note: "too early"),
        Row(M, "revealBid", "maintainerA", "sealed, after the reveal phase, nothing revealed", (_, s) => [s.Id, s.Seq, s.Price, s.Eta, s.Salt], "NotRevealPhase", note: "too late"),
        Row(M, "revealBid", "maintainerB", "sealed, reveal phase, A C D committed, D's accreditation withdrawn", (_, s) => [s.Id, s.Seq, s.Price, s.Eta, s.Salt], "NoCommitment"),
        Row(M, "revealBid", "maintainerA", "sealed, reveal phase, A C D committed, D's accreditation withdrawn", (_, s) => [s.Id, s.Seq, s.Price - 1, s.Eta, s.Salt], "CommitmentMismatch", note: "other price", mined: true),
        Row(M, "revealBid", "maintainerA", "sealed, reveal phase, A C D committed, D's accreditation withdrawn", (_, s) => [s.Id, s.Seq, s.Price, s.Eta, Ids.Digest()], "CommitmentMismatch", note: "other salt"),
        Row(M, "revealBid", "maintainerA", "sealed, reveal phase, ticket cancelled", (_, s) => [s.Id, s.Seq, s.Price, s.Eta, s.Salt], "TicketNotOpen"),
        Row(M, "revealBid", "maintainerD", "sealed, reveal phase, A C D committed, D's accreditation withdrawn", (_, s) => [s.Id, s.Seq, s.Price, s.Eta, s.Salt], "NotAccredited"),
        Row(M, "award", "outsider", "accepted", (_, s) => [s.Id, 1u], "AuctionNotOpen", note: "no auction"),
        Row(M, "award", "outsider", "bidding awarded", (_, s) => [s.Id, s.Seq], "AuctionNotOpen", note: "awarded"),
        Row(M, "award", "outsider", "bidding open, A bid", (_, s) => [s.Id, s.Seq + 1], "AuctionNotOpen", note: "wrong seq"),
        Row(M, "award", "outsider", "bidding before its deadline, A bid", (_, s) => [s.Id, s.Seq], "AwardTooEarly", mined: true),
        Row(M, "award", "outsider", "bidding open, A bid", (_, s) => [s.Id, s.Seq], "AwardTooEarly", note: "count-only auction"),
        Row(M, "award", "outsider", "sealed, commit phase, A committed", (_, s) => [s.Id, s.Seq], "AwardTooEarly", note: "commit phase"),
        Row(M, "award", "outsider", "sealed, reveal phase, A C D committed, D's accreditation withdrawn", (_, s) => [s.Id, s.Seq], "AwardTooEarly", note: "reveal phase"),
        Row(M, "award", "outsider", "bidding past its deadline, no bid", (_, s) => [s.Id, s.Seq], "NoBids"),
        Row(M, "award", "outsider", "sealed, after the reveal phase, nothing revealed", (_, s) => [s.Id, s.Seq], "NoBids", note: "sealed"),
        Row(M, "award", "outsider", "bidding past its deadline, A bid, ticket cancelled", (_, s) => [s.Id, s.Seq], "InvalidTicketState(6)", via: "MachineRegistry.assignTicket"),

        // ================================================================ Invoicing
        Row(I, "constructor", "operator", "nothing", (_, _) => [ZeroAddress], "ZeroAddress"),
        Row(I, "setTerms", "oem", "unknown machine", (_, s) => [s.Id, Ids.Digest(), 3600u], "MachineNotFound({id})"),
        Row(I, "setTerms", "customer", "registered", (_, s) => [s.Id, Ids.Digest(), 3600u], "NotOEM", mined: true),
        Row(I, "setTerms", "oem2", "registered", (_, s) => [s.Id, Ids.Digest(), 3600u], "NotOEM", note: "another OEM"),
        Row(I, "setTerms", "oem", "terminated", (_, s) => [s.Id, Ids.Digest(), 3600u], "MachineTerminated({id})"),
        Row(I, "setTerms", "oem", "registered", (_, s) => [s.Id, Zero, 3600u], "InvalidTermsHash"),
        Row(I, "setTerms", "oem", "registered", (_, s) => [s.Id, Ids.Digest(), 0u], "InvalidBillingPeriod"),
        Row(I, "setTerms", "oem", "accepted", (_, s) => [s.Id, Ids.Digest(), 60u], "BillingPeriodFixed(3600)"),
        Row(I, "acceptInitialTerms", "customer", "registered with terms", (_, s) => [s.Id, 1u], "NotRegistry"),
        Row(I, "acceptInitialTerms", "operator", "registered with terms", (_, s) => [s.Id, 1u], "NotRegistry", note: "even the operator"),
        Row(I, "acceptTerms", "customer", "unknown machine", (_, s) => [s.Id, 1u], "MachineNotFound({id})"),
        Row(I, "acceptTerms", "oem", "accepted", (_, s) => [s.Id, 1u], "NotCustomer"),
        Row(I, "acceptTerms", "customer", "terminated", (_, s) => [s.Id, 2u], "MachineTerminated({id})"),
        Row(I, "acceptTerms", "customer", "registered with terms", (_, s) => [s.Id, 1u], "TermsNotActive"),
        Row(I, "acceptTerms", "customer", "accepted", (_, s) => [s.Id, 1u], "StaleTermsVersion(1)", note: "the active version"),
        Row(I, "acceptTerms", "customer", "accepted", (_, s) => [s.Id, 2u], "StaleTermsVersion(1)", note: "a version never proposed"),
        Row(I, "acceptTerms", "customer", "terms v2 accepted for period 1, v3 proposed", (_, s) => [s.Id, 3u], "TermsChangePending(1)"),
        Row(I, "issueInvoice", "oem", "unknown machine", (_, s) => [s.Id, 0u, BigInteger.One, Ids.Digest(), Ids.Digest()], "MachineNotFound({id})"),
        Row(I, "issueInvoice", "customer", "invoiceable (periods 0-2 ended)", (_, s) => [s.Id, 0u, BigInteger.One, Ids.Digest(), Ids.Digest()], "NotOEM"),
        Row(I, "issueInvoice", "oem", "invoiceable (periods 0-2 ended)", (_, s) => [s.Id, 0u, BigInteger.One, Zero, Ids.Digest()], "InvalidInvoiceHash"),
        Row(I, "issueInvoice", "oem", "registered with terms", (_, s) => [s.Id, 0u, BigInteger.One, Ids.Digest(), Ids.Digest()], "TermsNotActive"),
        Row(I, "issueInvoice", "oem", "invoiceable (periods 0-2 ended)", (_, s) => [s.Id, 1_000u, BigInteger.One, Ids.Digest(), Ids.Digest()], "PeriodNotEnded(1000)", mined: true),
        Row(I, "issueInvoice", "oem", "invoice issued", (_, s) => [s.Id, s.Period, BigInteger.One, Ids.Digest(), Ids.Digest()], "InvoiceExists(1)"),
        Row(I, "issueInvoice", "oem", "invoice accepted", (_, s) => [s.Id, s.Period, BigInteger.One, Ids.Digest(), Ids.Digest()], "InvoiceExists(2)"),
        Row(I, "issueInvoice", "oem", "invoice settled", (_, s) => [s.Id, s.Period, BigInteger.One, Ids.Digest(), Ids.Digest()], "InvoiceExists(4)"),
        Row(I, "acceptInvoice", "oem", "invoice issued", (_, s) => [s.Id, s.Period, (ushort)0], "NotCustomer"),
        Row(I, "acceptInvoice", "customer", "invoiceable (periods 0-2 ended)", (_, s) => [s.Id, 0u, (ushort)0], "InvoiceNotFound"),
        Row(I, "acceptInvoice", "customer", "invoice issued", (_, s) => [s.Id, s.Period, (ushort)1], "WrongRevision(0)"),
        Row(I, "acceptInvoice", "customer", "invoice accepted", (_, s) => [s.Id, s.Period, (ushort)0], "InvalidInvoiceState(2)"),
        Row(I, "acceptInvoice", "customer", "invoice settled", (_, s) => [s.Id, s.Period, (ushort)0], "InvalidInvoiceState(4)"),
        Row(I, "disputeInvoice", "oem", "invoice issued", (_, s) => [s.Id, s.Period, (ushort)0, Ids.Digest()], "NotCustomer"),
        Row(I, "disputeInvoice", "customer", "invoice issued", (_, s) => [s.Id, s.Period, (ushort)0, Zero], "InvalidCid"),
        Row(I, "disputeInvoice", "customer", "invoiceable (periods 0-2 ended)", (_, s) => [s.Id, 0u, (ushort)0, Ids.Digest()], "InvoiceNotFound"),
        Row(I, "disputeInvoice", "customer", "invoice issued", (_, s) => [s.Id, s.Period, (ushort)1, Ids.Digest()], "WrongRevision(0)"),
        Row(I, "disputeInvoice", "customer", "invoice disputed", (_, s) => [s.Id, s.Period, (ushort)0, Ids.Digest()], "InvalidInvoiceState(3)"),
        Row(I, "disputeInvoice", "customer", "invoice accepted", (_, s) => [s.Id, s.Period, (ushort)0, Ids.Digest()], "InvalidInvoiceState(2)"),
        Row(I, "settleInvoice", "customer", "invoice accepted", (_, s) => [s.Id, s.Period, (ushort)0], "NotOEM"),
        Row(I, "settleInvoice", "oem", "invoiceable (periods 0-2 ended)", (_, s) => [s.Id, 0u, (ushort)0], "InvoiceNotFound"),
        Row(I, "settleInvoice", "oem", "invoice accepted", (_, s) => [s.Id, s.Period, (ushort)1], "WrongRevision(0)"),
        Row(I, "settleInvoice", "oem", "invoice issued", (_, s) => [s.Id, s.Period, (ushort)0], "InvalidInvoiceState(1)"),
        Row(I, "settleInvoice", "oem", "invoice disputed", (_, s) => [s.Id, s.Period, (ushort)0], "InvalidInvoiceState(3)"),
        Row(I, "settleInvoice", "oem", "invoice settled", (_, s) => [s.Id, s.Period, (ushort)0], "InvalidInvoiceState(4)"),

        // ================================================================ TelemetryAnchor
        Row(T, "constructor", "operator", "nothing", (_, _) => [ZeroAddress], "ZeroAddress"),
        Row(T, "grantAnchorer", "outsider", "nothing", (w, _) => [w.Outsider.Address], "NotOperator"),
        Row(T, "grantAnchorer", "anchorer", "nothing", (w, _) => [w.Outsider.Address], "NotOperator", note: "anchorers cannot grant"),
        Row(T, "grantAnchorer", "operator", "nothing", (_, _) => [ZeroAddress], "ZeroAddress"),
        Row(T, "grantAnchorer", "operator", "nothing", (w, _) => [w.Anchorer.Address], "AlreadyAnchorer"),
        Row(T, "revokeAnchorer", "outsider", "nothing", (w, _) => [w.Anchorer.Address], "NotOperator"),
        Row(T, "revokeAnchorer", "operator", "nothing", (w, _) => [w.Outsider.Address], "NotAnchorer({outsider})"),
        Row(T, "commitRound", "outsider", "nothing", (_, _) => [Ids.Digest(), 10u, Ids.Digest()], "NotAnchorer({outsider})", mined: true),
        Row(T, "commitRound", "operator", "nothing", (_, _) => [Ids.Digest(), 10u, Ids.Digest()], "NotAnchorer({operator})", note: "the operator is no anchorer"),
        Row(T, "commitRound", "anchorer", "nothing", (_, _) => [Zero, 10u, Ids.Digest()], "InvalidRoot"),
        Row(T, "commitRound", "anchorer", "nothing", (_, _) => [Ids.Digest(), 0u, Ids.Digest()], "InvalidBatchCount"),
        Row(T, "commitRound", "anchorer", "nothing", (_, _) => [Ids.Digest(), 10u, Zero], "InvalidCid"),
        Row(T, "round", "outsider", "nothing", (_, _) => [0UL], "RoundNotFound(0)", note: "view"),
        Row(T, "round", "outsider", "nothing", (_, _) => [999UL], "RoundNotFound(999)", note: "view"),
    ];

    public static readonly IReadOnlyDictionary<string, Refusal> ByKey = Rows.ToDictionary(r => r.Key);
}
