using System.Net;
using System.Net.Http.Json;
using System.Numerics;
using System.Text.Json;
using MaaS.Chain.Contracts;
using MaaS.Invoicing.Invoices;
using MaaS.Invoicing.Tests.Support;
using Shouldly;

namespace MaaS.Invoicing.Tests;

public sealed class RefusalFixture : WorldFixture
{
    protected override string Purpose => "invoicingrefusal";
}

/// <summary>Every wrong actor is refused by the service before anything is sent (403, or 404 for strangers), and by the contract on its own.</summary>
[Trait("Category", "Integration")]
public sealed class RefusalTests(RefusalFixture fixture) : IClassFixture<RefusalFixture>
{
    private InvoicingWorld World => fixture.World;

    private static object Terms => new { terms = JsonDocument.Parse(InvoicingWorld.StandardTerms.Canonical()).RootElement };

    [Fact]
    public async Task WrongActors_AreRefusedBeforeAnyTransaction()
    {
        // A long period: the run sends nothing for this machine during the test (no invoice falls due).
        var machine = await World.MachineAsync(periodSeconds: 3_600);
        var invoice = InvoiceIds.For(machine.Id, 0);
        var cases = new (Member Who, string Path, object? Body, HttpStatusCode Expected)[]
        {
            (World.Customer, $"/api/invoicing/machines/{machine.Id}/terms", Terms, HttpStatusCode.Forbidden),    // not an OEM
            (World.OtherOem, $"/api/invoicing/machines/{machine.Id}/terms", Terms, HttpStatusCode.NotFound),     // an OEM, not this machine's
            (World.Oem, $"/api/invoicing/machines/{machine.Id}/terms/1/accept", null, HttpStatusCode.Forbidden),  // not a customer
            (World.OtherCustomer, $"/api/invoicing/machines/{machine.Id}/terms/1/accept", null, HttpStatusCode.NotFound),
            (World.Oem, $"/api/invoicing/invoices/{invoice}/verify", null, HttpStatusCode.Forbidden),
            (World.OtherCustomer, $"/api/invoicing/invoices/{invoice}/verify", null, HttpStatusCode.NotFound),
            (World.Customer, $"/api/invoicing/invoices/{invoice}/settle", null, HttpStatusCode.Forbidden),
            (World.OtherOem, $"/api/invoicing/invoices/{invoice}/settle", null, HttpStatusCode.NotFound),
        };
        var strangers = await NoncesAsync(World.OtherOem, World.OtherCustomer);
        var from = await World.BlockNumberAsync() + 1;   // the machine's acceptance is in the current block
        foreach (var (who, path, body, expected) in cases)
        {
            using var client = World.InvoicingAs(who);
            using var response = body is null ? await client.PostAsync(path, null) : await client.PostAsJsonAsync(path, body);
            response.StatusCode.ShouldBe(expected, $"{who.Name} POST {path}: {await response.Content.ReadAsStringAsync()}");
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        }
        // Nothing was sent for this machine by anyone (the held OEM and customer keep invoicing and accepting the other
        // machines of this class in the background, so their nonces are no measure), and the strangers sent nothing at all.
        (await World.TransactionsMentioningAsync(machine.Id, from, await World.BlockNumberAsync())).ShouldBeEmpty();
        (await NoncesAsync(World.OtherOem, World.OtherCustomer)).ShouldBe(strangers);

        using var outsider = World.InvoicingAs(World.OtherCustomer);
        (await outsider.GetAsync($"/api/invoicing/invoices/{invoice}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await outsider.GetAsync($"/api/invoicing/machines/{machine.Id}/terms")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var anonymous = World.Environment.ClientFor(World.Invoicing.Address, null);
        (await anonymous.GetAsync($"/api/invoicing/invoices/{invoice}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task InvalidTerms_AreAValidationProblem()
    {
        var machine = await World.MachineAsync();
        using var oem = World.InvoicingAs(World.Oem);
        using var response = await oem.PostAsJsonAsync($"/api/invoicing/machines/{machine.Id}/terms", new { terms = new { currency = "EUR", baseFee = 1.5 } });
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("terms", Case.Insensitive);
    }

    [Fact]
    public async Task TheContract_RefusesWrongActorsOnItsOwn()
    {
        var machine = await World.MachineAsync();
        var id = Bytes32.FromGuid(machine.Id);
        var contract = World.InvoicingContract;
        var hash = Enumerable.Repeat((byte)7, 32).ToArray();
        (await World.RefusalAsync(World.Customer.Account, contract.SetTerms("", World.Customer.Account, id, hash, InvoicingWorld.PeriodSeconds))).ShouldBe("NotOEM");
        (await World.RefusalAsync(World.OtherOem.Account, contract.SetTerms("", World.OtherOem.Account, id, hash, InvoicingWorld.PeriodSeconds))).ShouldBe("NotOEM");
        (await World.RefusalAsync(World.Customer.Account, contract.IssueInvoice("", World.Customer.Account, id, 0, BigInteger.One, hash, hash, 1))).ShouldBe("NotOEM");
        (await World.RefusalAsync(World.Oem.Account, contract.AcceptTerms("", World.Oem.Account, id, 1))).ShouldBe("NotCustomer");

        // Under a full parallel suite the run, the issue and the customer's acceptance can take well over a minute.
        var invoice = await World.InvoiceAsync(World.Oem, machine.Id, 0, i => i is { State: InvoiceState.Accepted }, TimeSpan.FromSeconds(180));
        (await World.RefusalAsync(World.Oem.Account, contract.AcceptInvoice("", World.Oem.Account, id, 0, invoice.Revision))).ShouldBe("NotCustomer");
        (await World.RefusalAsync(World.OtherCustomer.Account, contract.DisputeInvoice("", World.OtherCustomer.Account, id, 0, invoice.Revision, hash))).ShouldBe("NotCustomer");
        (await World.RefusalAsync(World.Customer.Account, contract.SettleInvoice("", World.Customer.Account, id, 0, invoice.Revision))).ShouldBe("NotOEM");
        (await World.RefusalAsync(World.Oem.Account, contract.IssueInvoice("", World.Oem.Account, id, 0, BigInteger.One, hash, hash, 1))).ShouldBe("InvoiceExists");
    }

    private async Task<string> NoncesAsync(params Member[] members)
    {
        var counts = new List<string>();
        foreach (var m in members)
            counts.Add((await World.Web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(m.Account)).Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return string.Join(",", counts);
    }
}
