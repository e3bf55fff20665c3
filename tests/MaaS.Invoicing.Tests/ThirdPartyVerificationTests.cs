using MaaS.Cli.Commands;
using MaaS.Invoicing.Invoices;
using MaaS.Invoicing.Tests.Support;
using Shouldly;

namespace MaaS.Invoicing.Tests;

public sealed class ThirdPartyVerificationFixture : WorldFixture
{
    protected override string Purpose => "invoicingthirdparty";
}

/// <summary>
/// <c>MaaS.Cli verify invoice</c> (what <c>./maas verify invoice</c> runs): a third party recomputes an issued invoice from the
/// chain and the anchored readings, here as the machine's customer through a stand-in for the gateway. The invoices are
/// issued by an OEM whose key the deployment does not hold (the test), so they can leave a batch out.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ThirdPartyVerificationTests(ThirdPartyVerificationFixture fixture) : IClassFixture<ThirdPartyVerificationFixture>
{
    private InvoicingWorld World => fixture.World;

    private async Task<(int ExitCode, string Output)> VerifyAsync(TestMachine machine)
    {
        // The CLI reads the document through the Invoicing API, which serves it once its node has seen the issue.
        await World.InvoiceAsync(World.Customer, machine.Id, 0, i => i.InvoiceHash is not null);
        using var gateway = GatewayStandIn.For(World, World.Customer);
        using var output = new StringWriter();
        var exit = await VerifyInvoiceCommand.VerifyAsync(InvoiceIds.For(machine.Id, 0), World.Environment.RpcUrl.ToString(), World.Environment.DeploymentFile,
            gateway, output, CancellationToken.None);
        return (exit, output.ToString());
    }

    [Fact]
    public async Task VerifyInvoice_OfTheHonestDocument_Passes()
    {
        var (machine, batches) = await World.MachineWithTelemetryAsync(World.ForeignOem);
        var honest = await World.HonestAsync(machine, batches);
        await World.IssueAsForeignOemAsync(machine, honest, honest.Total);

        var (exit, output) = await VerifyAsync(machine);
        exit.ShouldBe(0, output);
        output.ShouldContain("ok   batches", customMessage: output);
        output.ShouldContain("invoice verified", customMessage: output);
    }

    [Fact]
    public async Task VerifyInvoice_OfADocumentThatLeavesOutABatchAnchoredBeforeTheCutoff_Fails()
    {
        // The document is consistent in itself (its one batch, its inputs root, its total on chain): only a checker that
        // walks the machine's batches finds that batch 2, anchored in time, is not billed.
        var (machine, batches) = await World.MachineWithTelemetryAsync(World.ForeignOem);
        var partial = await World.HonestAsync(machine, batches.Take(1));
        partial.Inputs.Count.ShouldBe(1);
        await World.IssueAsForeignOemAsync(machine, partial, partial.Total);

        var (exit, output) = await VerifyAsync(machine);
        exit.ShouldBe(1, output);
        output.ShouldContain($"note batches         batch 2 (readings 6..10)", customMessage: output);
        output.ShouldContain("FAIL batches         1 batch(es) anchored before the cut-off are missing from the document", customMessage: output);
        output.ShouldContain("FAIL recomputed", customMessage: output);
        output.ShouldContain("invoice NOT verified", customMessage: output);
    }
}
