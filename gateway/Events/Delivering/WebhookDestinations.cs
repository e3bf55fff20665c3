using System.Net;
using System.Net.Sockets;

namespace MaaS.Gateway.Events.Delivering;

/// <summary>
/// Keeps webhooks off the gateway's own network. A member chooses the URL, and the gateway posts from inside the
/// deployment, so without this a member could make it post to the services, the broker's management API or a cloud
/// metadata endpoint. A URL is refused at subscription when its host is, or resolves to, a non-public address; and
/// every connection is checked again against the addresses resolved at that moment, since a name may resolve to a
/// public address when subscribing and to an internal one later (DNS rebinding). <c>Gateway:Events:AllowPrivateNetworks</c>
/// lifts both checks, for a stack whose receivers run beside it (the dev and test profiles).
/// </summary>
public static class WebhookDestinations
{
    // IANA special-purpose ranges that are not reachable on the public internet (RFC 6890 and successors).
    private static readonly IPNetwork[] NotPublic =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.0.2.0/24"),
        IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("203.0.113.0/24"),
        IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("64:ff9b:1::/48"), IPNetwork.Parse("100::/64"),
        IPNetwork.Parse("2001:db8::/32"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),
    ];

    /// <summary>Whether the address is on the public internet (an IPv4-mapped IPv6 address is judged as the IPv4 one).</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return !NotPublic.Any(n => n.BaseAddress.AddressFamily == address.AddressFamily && n.Contains(address));
    }

    /// <summary>Null when the gateway may post to the URL's host; otherwise why not (for the subscription's 422).</summary>
    public static async Task<string?> RefusalAsync(Uri url, bool allowPrivateNetworks, CancellationToken ct)
    {
        if (allowPrivateNetworks) return null;
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(url.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(url.IdnHost, ct);
        }
        catch (SocketException ex)
        {
            return $"The host '{url.Host}' does not resolve ({ex.SocketErrorCode}).";
        }
        if (addresses.Length == 0) return $"The host '{url.Host}' does not resolve.";
        return addresses.FirstOrDefault(a => !IsPublic(a)) is { } inside
            ? $"The host '{url.Host}' is, or resolves to, {inside}, which is not a public address; this gateway posts to public addresses only."
            : null;
    }

    /// <summary>
    /// The webhook client's connect step (<see cref="SocketsHttpHandler.ConnectCallback"/>): resolves the host and connects
    /// to its first public address; a host with none is a failed attempt that names why.
    /// </summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Connect(bool allowPrivateNetworks) => async (context, ct) =>
    {
        var host = context.DnsEndPoint.Host;
        var resolved = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var allowed = allowPrivateNetworks ? resolved : resolved.Where(IsPublic).ToArray();
        if (allowed.Length == 0)
            throw new HttpRequestException($"Refused to connect to {host}: it resolves to no public address ({string.Join(", ", resolved.Select(a => a.ToString()))}).");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };
}
