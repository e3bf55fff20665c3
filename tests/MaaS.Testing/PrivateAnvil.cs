using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Nethereum.Web3;

namespace MaaS.Testing;

/// <summary>
/// An anvil node of the test's own, for tests that bend the chain (reorgs, timed blocks, stuck transactions) and must
/// not disturb tests sharing the suite's node. It runs the same pinned binary that <c>./maas</c> installs.
/// </summary>
public sealed class PrivateAnvil : IAsyncDisposable
{
    private readonly Process process;
    private readonly string home;

    private PrivateAnvil(Process process, Uri rpcUrl, string home)
    {
        this.process = process;
        this.home = home;
        RpcUrl = rpcUrl;
    }

    public Uri RpcUrl { get; }

    public Web3 Web3() => new(RpcUrl.ToString());

    /// <param name="arguments">Extra anvil arguments, e.g. <c>--block-time 1</c> or <c>--no-mining</c>.</param>
    public static async Task<PrivateAnvil> StartAsync(params string[] arguments)
    {
        var binary = LocateBinary();
        var port = FreePort();
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--accounts", "20", "--balance", "100000", "--silent" }.Concat(arguments))
            info.ArgumentList.Add(a);
        // anvil keeps older chain states under $HOME/.foundry/anvil/tmp and removes them only on a clean exit; a node
        // killed at the end of a test leaves them behind (tens of GB over a day filled the disk). Its own HOME is
        // removed on disposal, and ./maas test clears what a crashed run left.
        var home = Path.Combine(Environment.GetEnvironmentVariable("MAAS_TEST_STATE") is { Length: > 0 } state ? state : Path.GetTempPath(),
            "anvil-home", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(home);
        info.Environment["HOME"] = home;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {binary}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var node = new PrivateAnvil(process, new Uri($"http://127.0.0.1:{port}"), home);
        await Eventually.TrueAsync(async () =>
        {
            if (process.HasExited) throw new InvalidOperationException($"anvil exited with {process.ExitCode}");
            try
            {
                await node.Web3().Eth.ChainId.SendRequestAsync();
                return true;
            }
            catch (Exception ex) when (ex is HttpRequestException or Nethereum.JsonRpc.Client.RpcClientUnknownException)
            {
                return false;
            }
        }, "a private anvil to answer", TimeSpan.FromSeconds(30));
        return node;
    }

    /// <summary>The anvil binary: MAAS_ANVIL, else tools/node of the checkout (MAAS_ROOT or found upwards from the test binaries).</summary>
    public static string LocateBinary()
    {
        if (Environment.GetEnvironmentVariable("MAAS_ANVIL") is { Length: > 0 } explicitPath) return explicitPath;
        const string relative = "tools/node/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";
        var roots = new List<string>();
        if (Environment.GetEnvironmentVariable("MAAS_ROOT") is { Length: > 0 } root) roots.Add(root);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent) roots.Add(dir.FullName);
        return roots.Select(r => Path.Combine(r, relative)).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException($"anvil is not installed ({relative}); run the tests with ./maas test, which installs it.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
        try
        {
            Directory.Delete(home, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Removed again by the next ./maas test.
        }
    }
}
