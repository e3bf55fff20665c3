using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MaaS.OffChain.Tests;

/// <summary>Answers one HTTP request on 127.0.0.1 with bytes given verbatim, then closes the connection.</summary>
internal sealed class OneShotHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;

    private OneShotHttpServer(TcpListener listener, string response)
    {
        _listener = listener;
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        Request = ServeAsync(response);
    }

    public Uri Url { get; }

    /// <summary>The request line that was answered.</summary>
    public Task<string> Request { get; }

    public static Task<OneShotHttpServer> StartAsync(string response)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return Task.FromResult(new OneShotHttpServer(listener, response));
    }

    public ValueTask DisposeAsync()
    {
        _listener.Stop();
        return ValueTask.CompletedTask;
    }

    private async Task<string> ServeAsync(string response)
    {
        using var client = await _listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var stream = client.GetStream();

        // Read the head, then as much body as Content-Length says, so the client is not cut off mid-send.
        var received = new List<byte>();
        var buffer = new byte[8192];
        int headEnd;
        while ((headEnd = IndexOfHeadEnd(received)) < 0)
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
                return "";
            received.AddRange(buffer.AsSpan(0, read));
        }
        var head = Encoding.ASCII.GetString([.. received.Take(headEnd)]);
        var length = head.Split("\r\n")
            .Where(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(h => int.Parse(h["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();
        var body = received.Count - (headEnd + 4);
        while (body < length)
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
                break;
            body += read;
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
        await stream.FlushAsync();
        return head.Split("\r\n")[0];
    }

    private static int IndexOfHeadEnd(List<byte> bytes)
    {
        for (var i = 0; i + 3 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
                return i;
        }
        return -1;
    }
}
