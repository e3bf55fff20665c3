using System.Diagnostics;
using System.Text.Json;

namespace MaaS.Chain.Deployment;

/// <summary>Compiles a standard-JSON input the way the contracts were compiled (solc-js pinned in <c>tools/node</c>).</summary>
public interface ISolidityCompiler
{
    Task<CompilationResult> CompileAsync(ReadOnlyMemory<byte> standardInput, CancellationToken ct = default);
}

/// <param name="SettingsHash">sha256 of the canonical <c>{"compiler", "settings"}</c> JSON, 0x hex: the directory's compilerSettingsHash.</param>
public sealed record CompilationResult(string Compiler, string SettingsHash, IReadOnlyList<CompiledContract> Contracts)
{
    /// <summary>The contract named <paramref name="name"/>; the one in <c>src/&lt;name&gt;.sol</c> when several files declare it.</summary>
    public CompiledContract? Find(string name)
    {
        var named = Contracts.Where(c => c.Name == name).ToList();
        return named.Count <= 1 ? named.SingleOrDefault() : named.FirstOrDefault(c => c.File.EndsWith($"/{name}.sol", StringComparison.Ordinal)) ?? named[0];
    }
}

/// <param name="ImmutableReferences">Byte ranges of the runtime code that the constructor fills in (immutables).</param>
public sealed record CompiledContract(string File, string Name, string DeployedBytecode, IReadOnlyList<CodeRange> ImmutableReferences);

public readonly record struct CodeRange(int Start, int Length);

/// <summary>Runs <c>node contracts/solidity/verify-compile.mjs</c>: standard JSON on stdin, the compilation on stdout.</summary>
public sealed class NodeSolidityCompiler(string scriptPath, string node = "node") : ISolidityCompiler
{
    public const string ScriptRelativePath = "contracts/solidity/verify-compile.mjs";

    public string ScriptPath { get; } = File.Exists(scriptPath) ? Path.GetFullPath(scriptPath) : throw new FileNotFoundException($"No compile script at {scriptPath}.", scriptPath);

    /// <summary>The script of the checkout that holds <paramref name="start"/> (or the current directory), searching upwards.</summary>
    public static string? FindScript(string? start = null)
    {
        foreach (var origin in new[] { start, Environment.CurrentDirectory, AppContext.BaseDirectory }.Where(s => !string.IsNullOrEmpty(s)))
        {
            for (var dir = new DirectoryInfo(origin!); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, ScriptRelativePath);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    public async Task<CompilationResult> CompileAsync(ReadOnlyMemory<byte> standardInput, CancellationToken ct = default)
    {
        var info = new ProcessStartInfo(node)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ScriptPath);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {node}.");
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.StandardInput.BaseStream.WriteAsync(standardInput, ct);
            process.StandardInput.Close();
            await process.WaitForExitAsync(ct);
            var output = await stdout;
            var errors = await stderr;
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"Compilation failed ({Path.GetFileName(ScriptPath)} exited with {process.ExitCode}): {errors.Trim()}");
            return Parse(output);
        }
        catch (OperationCanceledException)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            throw;
        }
    }

    private static CompilationResult Parse(string output)
    {
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        var contracts = root.GetProperty("contracts").EnumerateArray().Select(c => new CompiledContract(
            c.GetProperty("file").GetString()!,
            c.GetProperty("name").GetString()!,
            c.GetProperty("deployedBytecode").GetString()!,
            c.GetProperty("immutableReferences").EnumerateArray().Select(r => new CodeRange(r.GetProperty("start").GetInt32(), r.GetProperty("length").GetInt32())).ToList()))
            .ToList();
        return new CompilationResult(root.GetProperty("compiler").GetString()!, root.GetProperty("settingsHash").GetString()!, contracts);
    }
}
