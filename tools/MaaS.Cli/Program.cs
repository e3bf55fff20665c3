using System.CommandLine;
using MaaS.Cli.Commands;

// The command-line tool ./maas calls: contract deployment, verification, benchmarks and chain utilities.
var root = new RootCommand("MaaS.Services command-line tool")
{
    ChainCommands.Create(),
    ConsortiumCommands.Create(),
    DemoCommands.Create(),
    DeployCommands.Create(),
    VerifyCommands.Create(),
    new Command("bench", "Benchmarks") { BenchGasCommand.Create(), BenchIngestCommand.Create(), BenchWorkflowCommand.Create() },
};
return await root.Parse(args).InvokeAsync();
