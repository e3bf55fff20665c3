using System.Text.RegularExpressions;
using MaaS.Chain.Artifacts;
using MaaS.Chain.Transactions;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>
/// The refusal table (<see cref="RefusalTable"/>): every role check and state/input check of the five contracts,
/// each asserted by its exact custom error, in simulation (eth_estimateGas) and, for the rows marked so, as mined
/// failing transactions. Two static checks keep the table complete against docs/contracts.md and the ABIs.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class RefusalTests(ChainWorld world) : IClassFixture<ChainWorld>
{
    public static TheoryData<RefusalCase> AllRefusals() => Data(RefusalTable.Rows);

    public static TheoryData<RefusalCase> MinedRefusals() => Data(RefusalTable.Rows.Where(r => r.Mined));

    [Theory]
    [MemberData(nameof(AllRefusals))]
    public async Task Call_WithTheWrongCallerStateOrInput_IsRefusedWithItsCustomError(RefusalCase refusal)
    {
        var row = RefusalTable.ByKey[refusal.Key];
        var (scene, target, by, args) = await PrepareAsync(row);

        var error = row.Function == "constructor"
            ? await world.DeploymentRefusalAsync(row.Contract, args)
            : await target.RefusalAsync(by, row.Function, args);

        Actual(row, error).ShouldBe(Expected(row, scene), refusal.Key);
    }

    [Theory]
    [MemberData(nameof(MinedRefusals))]
    public async Task Transaction_WithTheWrongCallerStateOrInput_IsMinedAsFailed_AndItsReplayNamesTheSameError(RefusalCase refusal)
    {
        var row = RefusalTable.ByKey[refusal.Key];
        var (scene, target, by, args) = await PrepareAsync(row);

        var (tx, error) = await target.MinedRefusalAsync(by, row.Function, args);

        tx.Receipt.Status.Value.ShouldBe(0);
        tx.GasUsed.ShouldBeLessThan(ChainContract.UnsimulatedGas, "refused by a check, not out of gas");
        Actual(row, error).ShouldBe(Expected(row, scene), refusal.Key);
    }

    [Fact]
    public void RefusalTable_CoversEveryErrorThatDocsContractsMdListsForEachFunction()
    {
        var covered = Covered();
        var errorNames = ContractArtifact.All().SelectMany(a => a.Abi.Errors).Select(e => e.Name).ToHashSet();
        var documented = DocumentedErrors().Where(d => errorNames.Contains(d.Error)).ToList();
        documented.Count.ShouldBeGreaterThan(150, "the documentation tables were parsed");

        documented.Where(d => !covered.Contains((d.Contract, d.Function, d.Error)))
            .Select(d => $"{d.Contract}.{d.Function} → {d.Error}").ShouldBeEmpty();
    }

    [Fact]
    public void RefusalTable_CoversEveryCustomErrorOfEveryAbi_AndEveryStateChangingFunction()
    {
        var covered = Covered();
        var missing = new List<string>();
        foreach (var artifact in ContractArtifact.All())
        {
            missing.AddRange(artifact.Abi.Errors.Select(e => e.Name).Distinct()
                .Where(e => !covered.Any(c => c.Contract == artifact.Name && c.Error == e)).Select(e => $"{artifact.Name}: error {e}"));
            missing.AddRange(artifact.Abi.Functions.Where(f => !f.Constant).Select(f => f.Name)
                .Where(f => !covered.Any(c => c.Contract == artifact.Name && c.Function == f)).Select(f => $"{artifact.Name}.{f}: no refusal"));
        }
        missing.ShouldBeEmpty();
        RefusalTable.Rows.Count.ShouldBe(RefusalTable.ByKey.Count, "row keys are unique");
    }

    private async Task<(Scene Scene, ChainContract Target, ChainActor By, object[] Args)> PrepareAsync(Refusal row)
    {
        var scene = await world.SceneAsync(row.Scene, RefusalScenes.All[row.Scene]);
        var target = scene.Target is { } other && other.Name == row.Contract ? other : world.Contract(row.Contract);
        return (scene, target, world.Actor(row.By), row.Args(world, scene));
    }

    private static string Actual(Refusal row, ChainRevertException error) =>
        row.Error.Contains('(', StringComparison.Ordinal) ? ChainContract.Describe(error) : error.ErrorName;

    private string Expected(Refusal row, Scene scene) => Placeholder().Replace(row.Error, m => m.Groups[1].Value switch
    {
        "id" => Ids.Hex(scene.Id),
        "invite" => scene.Invitation!.GetPublicAddress().ToLowerInvariant(),
        var actor => world.Actor(actor).Address,
    });

    private static HashSet<(string Contract, string Function, string Error)> Covered()
    {
        var covered = new HashSet<(string, string, string)>();
        foreach (var row in RefusalTable.Rows)
        {
            var name = row.Error.Split('(')[0];
            covered.Add((row.Contract, row.Function, name));
            if (row.Via is { } via) covered.Add((via.Split('.')[0], via.Split('.')[1], name));
        }
        return covered;
    }

    /// <summary>(contract, function, error) from the function tables of docs/contracts.md.</summary>
    private static IEnumerable<(string Contract, string Function, string Error)> DocumentedErrors()
    {
        string? contract = null;
        var inFunctionTable = false;
        foreach (var line in File.ReadLines(Path.Combine(Repository.Root, "docs/contracts.md")))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                var heading = line[3..].Split(' ')[0];
                contract = ContractArtifact.ContractNames.Contains(heading) ? heading : null;
                continue;
            }
            if (line.StartsWith("| function |", StringComparison.Ordinal)) inFunctionTable = true;
            else if (!line.StartsWith('|')) inFunctionTable = false;
            if (!inFunctionTable || contract is null || !line.StartsWith("| `", StringComparison.Ordinal)) continue;

            var columns = line.Split('|');
            var function = Backticked().Match(columns[1]).Groups[1].Value.Split('(')[0];
            foreach (Match error in Backticked().Matches(columns[^2]))
                yield return (contract, function, error.Groups[1].Value.Split('(')[0]);
        }
    }

    private static TheoryData<RefusalCase> Data(IEnumerable<Refusal> rows)
    {
        var data = new TheoryData<RefusalCase>();
        foreach (var row in rows) data.Add(new RefusalCase(row.Key));
        return data;
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex Backticked();
}
