using System.CommandLine;
using MaaS.Chain.Proofs;
using Nethereum.Web3;

namespace MaaS.Cli.Commands;

/// <summary>
/// <c>verify proof &lt;file&gt;</c>: checks the proof of one telemetry reading against the chain alone (the file is what
/// <c>GET /api/anchoring/proofs/{machine}/{seq}</c> returned). Prints every check; exit 0 only if all hold.
/// </summary>
public static class VerifyProofCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "The proof (JSON)" };
        var rpc = new Option<string>("--rpc") { Description = "EVM node JSON-RPC URL", DefaultValueFactory = _ => "http://127.0.0.1:8545" };
        var anchor = new Option<string?>("--anchor") { Description = "The consortium's TelemetryAnchor address; without it the proof's own is taken (and said so)" };
        var confirmations = new Option<long>("--min-confirmations") { Description = "Fail unless the round's block has at least this many blocks on top", DefaultValueFactory = _ => 0 };

        var command = new Command("proof", "Check a reading's proof against the chain alone; exit 1 if any check fails") { file, rpc, anchor, confirmations };
        command.SetAction((result, ct) => DeployCommands.Guarded("verify proof", async () =>
        {
            var path = result.GetValue(file)!;
            var proof = ReadingProof.FromJson(await File.ReadAllTextAsync(path.FullName, ct));
            Console.WriteLine($"verifying {path.Name}: reading {proof.ReadingIndex + 1} of {proof.BatchSize}, batch leaf {proof.LeafIndex + 1} of {proof.RoundSize}, "
                + $"round {proof.RoundId} on chain {proof.ChainId} via {result.GetValue(rpc)}");
            var verification = await ProofVerifier.VerifyAsync(proof, new Web3(result.GetValue(rpc)),
                new ProofVerifierOptions { ExpectedAnchor = result.GetValue(anchor), MinConfirmations = result.GetValue(confirmations) }, ct);
            Console.WriteLine(ProofVerifier.Describe(verification));
            return verification.Verified ? 0 : 1;
        }));
        return command;
    }
}
