using MaaS.Testing;

namespace MaaS.Invoicing.Tests.Support;

/// <summary>
/// What the gateway does for a third party's client, for the two services this world runs: a request under
/// <c>/api/anchoring</c> goes to Anchoring, one under <c>/api/invoicing</c> to Invoicing, each with the identity of the
/// member whose API key the client presents (minted as the gateway mints it; the key itself is not looked up here).
/// </summary>
public sealed class GatewayStandIn(InvoicingWorld world) : DelegatingHandler
{
    public static HttpClient For(InvoicingWorld world, Member member) =>
        new(new GatewayStandIn(world) { InnerHandler = new IdentityHandler(world.Environment.Tokens, member.Identity) })
        {
            BaseAddress = new Uri("http://gateway.invalid/"),
            Timeout = TimeSpan.FromSeconds(60),
        };

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.PathAndQuery;
        var service = path.StartsWith("/api/anchoring/", StringComparison.Ordinal) ? world.Anchoring.Address
            : path.StartsWith("/api/invoicing/", StringComparison.Ordinal) ? world.Invoicing.Address
            : throw new InvalidOperationException($"No service of this world answers {path}.");
        request.RequestUri = new Uri(service, path);
        return base.SendAsync(request, cancellationToken);
    }
}
