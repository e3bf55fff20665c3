using System.Numerics;
using MaaS.Chain.Contracts;
using MaaS.Chain.Contracts.Generated.Invoicing;
using Nethereum.ABI;
using Nethereum.Contracts;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Shouldly;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>
/// Invoicing: versioned terms that apply from the next billing period (every accepted version keeps its range of periods),
/// invoices issued under the version that applied to their period, invoice commitments and their states.
/// </summary>
[Trait("Category", "Integration")]
public sealed class InvoicingTests(ChainWorld world) : IClassFixture<ChainWorld>
{
    private const uint Period = 3600;
    private const int Issued = 1, InvoiceAccepted = 2, Disputed = 3, Settled = 4;

    private const long Open = uint.MaxValue;

    private ChainContract Invoicing => world.Invoicing;

    /// <summary>termsApplicability: the periods [from, until) a version applies to; until = 2^32 - 1 while it is the active version, (0, 0) if it never applied.</summary>
    private async Task<(long From, long Until)> RangeAsync(byte[] id, uint version)
    {
        var range = await Invoicing.ViewAsync("termsApplicability", id, version);
        return (range.Long("fromPeriod"), range.Long("untilPeriod"));
    }

    /// <summary>A machine whose terms (billing period 1 h) were accepted; returns the id and the epoch (acceptance time).</summary>
    private async Task<(byte[] Id, long Epoch)> AcceptedMachineAsync()
    {
        var id = await world.RegisterAsync();
        await Invoicing.SendAsync(world.Oem, "setTerms", id, Ids.Digest("terms v1"), Period);
        var accept = await world.Registry.SendAsync(world.Customer, "accept", id, 1u);
        var block = await world.Reader.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(accept.Receipt.BlockNumber);
        return (id, (long)block.Timestamp.Value);
    }

    /// <summary>Moves the clock until the chain is in billing period <paramref name="period"/> of a machine accepted at <paramref name="epoch"/>.</summary>
    private async Task EnterPeriodAsync(long epoch, uint period)
    {
        var now = await world.LatestTimestampAsync();
        var target = epoch + period * Period + 1;
        if (now < target) await world.IncreaseTimeAsync(target - now);
    }

    [Fact]
    public async Task Terms_ANewVersionAcceptedDuringAPeriod_AppliesFromTheNextPeriod_AndTheBillingPeriodIsFixed()
    {
        var (id, epoch) = await AcceptedMachineAsync();
        var terms = await Invoicing.ViewAsync("currentTerms", id);
        (terms.Int("latestVersion"), terms.Int("activeVersion"), terms.Int("previousVersion"), terms.Int("activeFromPeriod"), terms.Long("billingPeriod"), terms.Long("epoch"))
            .ShouldBe((1, 1, 0, 0, (long)Period, epoch));
        terms.Hex("activeTermsHash").ShouldBe(Ids.Hex((byte[])(await Invoicing.ViewAsync("termsHashOf", id, 1u))[0]!));

        await EnterPeriodAsync(epoch, 1);
        var v2 = Ids.Digest("terms v2");
        var v3 = Ids.Digest("terms v3");
        var proposed = (await Invoicing.SendAsync(world.Oem, "setTerms", id, v2, Period)).Event(Invoicing, "TermsProposed");
        (proposed.Int("version"), proposed.Hex("termsHash"), proposed.Long("billingPeriod")).ShouldBe((2, Ids.Hex(v2), (long)Period));
        (await Invoicing.SendAsync(world.Oem, "setTerms", id, v3, Period)).Event(Invoicing, "TermsProposed").Int("version").ShouldBe(3);
        ChainContract.Describe(await Invoicing.RefusalAsync(world.Customer, "acceptTerms", id, 2u)).ShouldBe("StaleTermsVersion(3)", "version 3 superseded version 2");

        var accepted = (await Invoicing.SendAsync(world.Customer, "acceptTerms", id, 3u)).Event(Invoicing, "TermsAccepted");
        (accepted.Int("version"), accepted.Int("fromPeriod")).ShouldBe((3, 2));
        terms = await Invoicing.ViewAsync("currentTerms", id);
        (terms.Int("latestVersion"), terms.Int("activeVersion"), terms.Int("previousVersion"), terms.Int("activeFromPeriod"), terms.Hex("activeTermsHash"))
            .ShouldBe((3, 3, 1, 2, Ids.Hex(v3)));
        (await RangeAsync(id, 1)).ShouldBe((0L, 2L), "v1 applies to periods 0-1");
        (await RangeAsync(id, 2)).ShouldBe((0L, 0L), "v2 was superseded before it was accepted: it never applies");
        (await RangeAsync(id, 3)).ShouldBe((2L, Open), "v3 applies from period 2 on");

        ChainContract.Describe(await Invoicing.RefusalAsync(world.Oem, "setTerms", id, Ids.Digest(), 60u)).ShouldBe($"BillingPeriodFixed({Period})");
        await Invoicing.SendAsync(world.Oem, "setTerms", id, Ids.Digest("terms v4"), Period);
        ChainContract.Describe(await Invoicing.RefusalAsync(world.Customer, "acceptTerms", id, 4u)).ShouldBe("TermsChangePending(2)", "one change per period");

        await EnterPeriodAsync(epoch, 3);
        var total = new BigInteger(12_345);
        ChainContract.Describe(await Invoicing.RefusalAsync(world.Oem, "issueInvoice", id, 1u, total, Ids.Digest(), Ids.Digest(), 3u))
            .ShouldBe("TermsNotApplicable(3, 1)", "period 1 was under v1");
        ChainContract.Describe(await Invoicing.RefusalAsync(world.Oem, "issueInvoice", id, 2u, total, Ids.Digest(), Ids.Digest(), 1u))
            .ShouldBe("TermsNotApplicable(1, 2)", "v1 no longer applies from period 2");
        ChainContract.Describe(await Invoicing.RefusalAsync(world.Oem, "issueInvoice", id, 1u, total, Ids.Digest(), Ids.Digest(), 2u))
            .ShouldBe("TermsNotApplicable(2, 1)", "a version superseded before acceptance applies to no period");
        var p1 = (await Invoicing.SendAsync(world.Oem, "issueInvoice", id, 1u, total, Ids.Digest("invoice"), Ids.Digest("inputs"), 1u)).Event(Invoicing, "InvoiceIssued");
        var p2 = (await Invoicing.SendAsync(world.Oem, "issueInvoice", id, 2u, total, Ids.Digest("invoice"), Ids.Digest("inputs"), 3u)).Event(Invoicing, "InvoiceIssued");
        (p1.Int("termsVersion"), p2.Int("termsVersion")).ShouldBe((1, 3), "each period is invoiced under the terms that applied to it");
    }

    [Fact]
    public async Task TermsApplicability_AfterTwoTermsChanges_StillNamesTheVersionThatAppliedToAnEarlyPeriod()
    {
        var (id, epoch) = await AcceptedMachineAsync();
        await EnterPeriodAsync(epoch, 1);
        await Invoicing.SendAsync(world.Oem, "setTerms", id, Ids.Digest("terms v2"), Period);
        await Invoicing.SendAsync(world.Customer, "acceptTerms", id, 2u);
        await EnterPeriodAsync(epoch, 3);
        await Invoicing.SendAsync(world.Oem, "setTerms", id, Ids.Digest("terms v3"), Period);
        await Invoicing.SendAsync(world.Customer, "acceptTerms", id, 3u);
        await EnterPeriodAsync(epoch, 5);

        // v1 applied to periods 0-1, v2 to periods 2-3, v3 from period 4.
        var ranges = new List<(long From, long Until)>();
        foreach (var version in new uint[] { 1, 2, 3 }) ranges.Add(await RangeAsync(id, version));
        ranges.ShouldBe([(0L, 2L), (2L, 4L), (4L, Open)]);
        var versions = new List<int>();
        foreach (var period in new uint[] { 0, 1, 2, 3, 4 }) versions.Add(ranges.FindIndex(r => period >= r.From && period < r.Until) + 1);
        versions.ShouldBe([1, 1, 2, 2, 3]);
        var terms = await Invoicing.ViewAsync("currentTerms", id);
        (terms.Int("activeVersion"), terms.Int("previousVersion"), terms.Int("activeFromPeriod")).ShouldBe((3, 2, 4));

        ChainContract.Describe(await Invoicing.RefusalAsync(world.Oem, "issueInvoice", id, 0u, new BigInteger(1), Ids.Digest(), Ids.Digest(), 2u))
            .ShouldBe("TermsNotApplicable(2, 0)", "period 0 was not under the intermediate version");
        var invoiced = (await Invoicing.SendAsync(world.Oem, "issueInvoice", id, 0u, new BigInteger(1), Ids.Digest("late invoice"), Ids.Digest("inputs"), 1u))
            .Event(Invoicing, "InvoiceIssued").Int("termsVersion");
        invoiced.ShouldBe(1, "a (late or corrected) invoice for period 0 commits to the terms of period 0");
        (await Invoicing.SendAsync(world.Oem, "issueInvoice", id, 3u, new BigInteger(1), Ids.Digest("invoice 3"), Ids.Digest("inputs"), 2u))
            .Event(Invoicing, "InvoiceIssued").Int("termsVersion").ShouldBe(2);
        (await Invoicing.SendAsync(world.Oem, "issueInvoice", id, 4u, new BigInteger(1), Ids.Digest("invoice 4"), Ids.Digest("inputs"), 3u))
            .Event(Invoicing, "InvoiceIssued").Int("termsVersion").ShouldBe(3);
    }

    [Fact]
    public async Task Binding_TermsApplicability_AndIssueInvoice_UnderASupersededVersion()
    {
        var (id, epoch) = await AcceptedMachineAsync();
        var binding = new InvoicingContract(Invoicing.Address, world.Reader);
        (await binding.TermsApplicabilityAsync(id, 1)).ShouldBe(new TermsApplicabilityOnChain(0, null));
        await EnterPeriodAsync(epoch, 1);
        await Invoicing.SendAsync(world.Oem, "setTerms", id, Ids.Digest("terms v2"), Period);
        (await binding.TermsApplicabilityAsync(id, 2)).ShouldBeNull("proposed, not accepted");
        await Invoicing.SendAsync(world.Customer, "acceptTerms", id, 2u);
        await EnterPeriodAsync(epoch, 3);

        var v1 = (await binding.TermsApplicabilityAsync(id, 1)).ShouldNotBeNull();
        v1.ShouldBe(new TermsApplicabilityOnChain(0, 2));
        (v1.AppliesTo(1), v1.AppliesTo(2)).ShouldBe((true, false));
        var v2 = (await binding.TermsApplicabilityAsync(id, 2)).ShouldNotBeNull();
        v2.ShouldBe(new TermsApplicabilityOnChain(2, null));
        (v2.AppliesTo(1), v2.AppliesTo(2), v2.AppliesTo(uint.MaxValue - 1)).ShouldBe((false, true, true));
        (await binding.TermsApplicabilityAsync(id, 3)).ShouldBeNull("never proposed");

        var request = binding.IssueInvoice("invoice/1", world.Oem.Address, id, 1, new BigInteger(777), Ids.Digest("invoice"), Ids.Digest("inputs"), 1);
        var receipt = await world.Oem.Web3.Eth.TransactionManager.SendTransactionAndWaitForReceiptAsync(
            new TransactionInput { Data = request.Data, To = request.To, From = request.From, Gas = new HexBigInteger(300_000) });
        receipt.Status.Value.ShouldBe(BigInteger.One);
        var issued = receipt.DecodeAllEvents<InvoiceIssuedEventDTO>().Single().Event;
        (issued.Period, issued.TermsVersion, issued.Total).ShouldBe((1u, 1u, new BigInteger(777)), "period 1 was under version 1, superseded since");
    }

    [Fact]
    public async Task Invoice_IssuedAcceptedSettled_StoresACommitmentToTheInvoice()
    {
        var (id, epoch) = await AcceptedMachineAsync();
        ChainContract.Describe(await Invoicing.RefusalAsync(world.Oem, "issueInvoice", id, 0u, new BigInteger(1), Ids.Digest(), Ids.Digest(), 1u)).ShouldBe("PeriodNotEnded(0)");
        await EnterPeriodAsync(epoch, 1);
        var (total, invoiceHash, inputsRoot) = (new BigInteger(98_765), Ids.Digest("invoice"), Ids.Digest("inputs root"));

        var issued = (await Invoicing.SendAsync(world.Oem, "issueInvoice", id, 0u, total, invoiceHash, inputsRoot, 1u)).Event(Invoicing, "InvoiceIssued");
        (issued.Int("period"), issued.Int("revision"), issued.Int("termsVersion"), issued.Num("total"), issued.Hex("invoiceHash"), issued.Hex("inputsRoot"))
            .ShouldBe((0, 0, 1, total, Ids.Hex(invoiceHash), Ids.Hex(inputsRoot)));
        var stored = await Invoicing.ViewAsync("invoice", id, 0u);
        (stored.Int("revision"), stored.Int("status")).ShouldBe((0, Issued));
        var commitment = Ids.KeccakEncoded(new ABIValue("bytes32", id), new ABIValue("uint32", 0), new ABIValue("uint16", 0), new ABIValue("uint32", 1),
            new ABIValue("uint128", total), new ABIValue("bytes32", invoiceHash), new ABIValue("bytes32", inputsRoot));
        Ids.Hex((byte[])(await Invoicing.ViewAsync("invoiceCommitment", id, 0u, (ushort)0, 1u, total, invoiceHash, inputsRoot))[0]!).ShouldBe(Ids.Hex(commitment));
        stored.Hex("commitment").ShouldBe(Ids.Hex(commitment[..28]), "storage keeps the top 224 bits of the commitment");
        Ids.Hex((byte[])(await Invoicing.ViewAsync("invoiceId", id, 0u, (ushort)0))[0]!)
            .ShouldBe(Ids.Hex(Ids.KeccakEncoded(new ABIValue("bytes32", id), new ABIValue("uint32", 0), new ABIValue("uint16", 0))));

        (await Invoicing.SendAsync(world.Customer, "acceptInvoice", id, 0u, (ushort)0)).Event(Invoicing, "InvoiceAccepted").Int("revision").ShouldBe(0);
        (await Invoicing.ViewAsync("invoice", id, 0u)).Int("status").ShouldBe(InvoiceAccepted);
        (await Invoicing.SendAsync(world.Oem, "settleInvoice", id, 0u, (ushort)0)).Event(Invoicing, "InvoiceSettled").Int("period").ShouldBe(0);
        stored = await Invoicing.ViewAsync("invoice", id, 0u);
        (stored.Int("status"), stored.Hex("commitment")).ShouldBe((Settled, Ids.Hex(commitment[..28])));
        ChainContract.Describe(await Invoicing.RefusalAsync(world.Oem, "issueInvoice", id, 0u, total, Ids.Digest(), inputsRoot, 1u)).ShouldBe($"InvoiceExists({Settled})");
    }

    [Fact]
    public async Task Invoice_Disputed_IsCorrectedByANewRevision_WhichTheCustomerAccepts()
    {
        var (id, epoch) = await AcceptedMachineAsync();
        await EnterPeriodAsync(epoch, 1);
        await Invoicing.SendAsync(world.Oem, "issueInvoice", id, 0u, new BigInteger(500), Ids.Digest("invoice"), Ids.Digest("inputs"), 1u);
        var evidence = Ids.Digest("recomputed invoice");
        var disputed = (await Invoicing.SendAsync(world.Customer, "disputeInvoice", id, 0u, (ushort)0, evidence)).Event(Invoicing, "InvoiceDisputed");
        (disputed.Int("revision"), disputed.Hex("evidenceCid")).ShouldBe((0, Ids.Hex(evidence)));
        (await Invoicing.ViewAsync("invoice", id, 0u)).Int("status").ShouldBe(Disputed);
        ChainContract.Describe(await Invoicing.RefusalAsync(world.Oem, "settleInvoice", id, 0u, (ushort)0)).ShouldBe($"InvalidInvoiceState({Disputed})");

        var corrected = (await Invoicing.SendAsync(world.Oem, "issueInvoice", id, 0u, new BigInteger(450), Ids.Digest("corrected"), Ids.Digest("inputs"), 1u)).Event(Invoicing, "InvoiceIssued");
        (corrected.Int("revision"), corrected.Num("total")).ShouldBe((1, 450));
        var stored = await Invoicing.ViewAsync("invoice", id, 0u);
        (stored.Int("revision"), stored.Int("status")).ShouldBe((1, Issued));
        ChainContract.Describe(await Invoicing.RefusalAsync(world.Customer, "acceptInvoice", id, 0u, (ushort)0)).ShouldBe("WrongRevision(1)", "only the latest revision counts");

        await Invoicing.SendAsync(world.Customer, "acceptInvoice", id, 0u, (ushort)1);
        await Invoicing.SendAsync(world.Oem, "settleInvoice", id, 0u, (ushort)1);
        (await Invoicing.ViewAsync("invoice", id, 0u)).Int("status").ShouldBe(Settled);
    }

    [Fact]
    public async Task Invoice_Disputed_CanBeAcceptedAsIssued_WithdrawingTheDispute()
    {
        var (id, epoch) = await AcceptedMachineAsync();
        await EnterPeriodAsync(epoch, 1);
        await Invoicing.SendAsync(world.Oem, "issueInvoice", id, 0u, new BigInteger(500), Ids.Digest("invoice"), Ids.Digest("inputs"), 1u);
        await Invoicing.SendAsync(world.Customer, "disputeInvoice", id, 0u, (ushort)0, Ids.Digest("evidence"));
        ChainContract.Describe(await Invoicing.RefusalAsync(world.Customer, "disputeInvoice", id, 0u, (ushort)0, Ids.Digest())).ShouldBe($"InvalidInvoiceState({Disputed})");
        (await Invoicing.SendAsync(world.Customer, "acceptInvoice", id, 0u, (ushort)0)).Event(Invoicing, "InvoiceAccepted").Int("revision").ShouldBe(0);
        (await Invoicing.ViewAsync("invoice", id, 0u)).Int("status").ShouldBe(InvoiceAccepted);
    }

    [Fact]
    public async Task FinalInvoice_AfterTermination_CanStillBeIssuedAcceptedAndSettled_ButNoNewTerms()
    {
        var (id, epoch) = await AcceptedMachineAsync();
        await EnterPeriodAsync(epoch, 1);
        await world.Registry.SendAsync(world.Customer, "requestTermination", id);
        await world.Registry.SendAsync(world.Oem, "requestTermination", id);
        ChainContract.Describe(await Invoicing.RefusalAsync(world.Oem, "setTerms", id, Ids.Digest(), Period)).ShouldBe($"MachineTerminated({Ids.Hex(id)})");

        await Invoicing.SendAsync(world.Oem, "issueInvoice", id, 0u, new BigInteger(321), Ids.Digest("final invoice"), Ids.Digest("inputs"), 1u);
        await Invoicing.SendAsync(world.Customer, "acceptInvoice", id, 0u, (ushort)0);
        await Invoicing.SendAsync(world.Oem, "settleInvoice", id, 0u, (ushort)0);
        (await Invoicing.ViewAsync("invoice", id, 0u)).Int("status").ShouldBe(Settled);
    }
}
