using System.Diagnostics;
using System.Text.Json;

namespace MaaS.OffChain.Tests;

/// <summary>
/// Checks the CID recipe against an independent implementation: Debian's <c>ipfs_cid</c> (package
/// <c>ipfs-cid</c>), which prints the CIDs that <c>ipfs add</c> gives. Missing tool = failed test, on purpose.
/// </summary>
public class IpfsCidToolTests
{
    private const string Tool = "ipfs_cid";

    [Fact]
    public async Task Compute_MatchesDebianIpfsCid_ForBoundaryAndRandomSizes()
    {
        var tool = FindOnPath(Tool);
        tool.ShouldNotBeNull(
            $"'{Tool}' is not on PATH. It comes from Debian's package 'ipfs-cid': apt-get install -y --no-install-recommends ipfs-cid");

        var random = new Random(20261126);
        var sizes = new List<int> { 0, 1, 2, 117, 118, 127, 128, 16_383, 16_384, 16_385, 65_536, 262_143, 262_144 };
        for (var i = 0; i < 12; i++)
            sizes.Add(random.Next(0, 262_145));

        var directory = Directory.CreateTempSubdirectory("maas-ipfs-cid-");
        try
        {
            foreach (var size in sizes)
            {
                var content = new byte[size];
                random.NextBytes(content);
                var file = Path.Combine(directory.FullName, $"{size}.bin");
                await File.WriteAllBytesAsync(file, content);

                var (v0, v1) = await RunIpfsCidAsync(tool, file);
                var cid = Cid.Compute(content);
                cid.V0.ShouldBe(v0, $"CIDv0 of {size} random bytes");
                cid.V1.ShouldBe(v1, $"CIDv1 of {size} random bytes");
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<(string V0, string V1)> RunIpfsCidAsync(string tool, string file)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(file);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {tool}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, $"{tool} {file} failed: {await stderr}");

        // Prints {"CIDv0":"Qm…","CIDv1":"bafy…"} on stdout; timings go to stderr.
        using var json = JsonDocument.Parse(await stdout);
        return (json.RootElement.GetProperty("CIDv0").GetString()!, json.RootElement.GetProperty("CIDv1").GetString()!);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
