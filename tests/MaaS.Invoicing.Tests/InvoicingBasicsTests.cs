using MaaS.Testing;

namespace MaaS.Invoicing.Tests;

public sealed class InvoicingFixture : ServiceFixture<InvoicingApi>
{
    public override string ServiceName => "invoicing";
}

public sealed class InvoicingBasicsTests(InvoicingFixture fixture) : ServiceBasicsTests<InvoicingApi, InvoicingFixture>(fixture);
