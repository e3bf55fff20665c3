using JasperFx.Events.Projections;
using MaaS.Machines.Machines;
using MaaS.ServiceDefaults.ChainFacts;
using Marten;
using Shouldly;

namespace MaaS.Machines.Tests.Machines;

[Trait("Category", "Integration")]
public sealed class MachineProjectionTests : IAsyncLifetime
{
    private IsolatedEnvironment environment = null!;
    private DocumentStore store = null!;

    public async Task InitializeAsync()
    {
        environment = await IsolatedEnvironment.CreateAsync("projection");
        store = DocumentStore.For(o =>
        {
            o.Connection(environment.Postgres);
            o.DatabaseSchemaName = "machines";
            o.UseSystemTextJsonForSerialization();
            o.Projections.Snapshot<MachineDetails>(SnapshotLifecycle.Inline);
        });
    }

    public async Task DisposeAsync()
    {
        store.Dispose();
        await environment.DisposeAsync();
    }

    private static ChainRef Ref(long block) => new($"0x{block:x64}", block, $"0x{block + 1000:x64}", 0);

    [Fact]
    public async Task ChainFactSeenBeforeTheIntent_TheIntentDoesNotEraseIt()
    {
        var id = Guid.CreateVersion7();
        var registered = new MachineRegisteredOnChain(id, "0xoem", "0xcustomer", "CNC", 1, "0xdevice", 60, "Qm", "0x", Ref(5), false, DateTimeOffset.UtcNow);
        await using (var follower = store.LightweightSession())
        {
            follower.Events.Append(id, registered, registered with { Final = true });
            await follower.SaveChangesAsync();
        }
        await using (var request = store.LightweightSession())
        {
            request.Events.Append(id, new MachineRegistrationRequested(id, Guid.NewGuid(), Guid.NewGuid(), "0xoem", "0xcustomer", "CNC", 1, "0xdevice", 60, "Qm", "Qm2", 3600, DateTimeOffset.UtcNow));
            await request.SaveChangesAsync();
        }
        await using var query = store.QuerySession();
        var machine = await query.LoadAsync<MachineDetails>(id);
        machine.ShouldNotBeNull().State.ShouldBe(MachineState.Registered);
        machine.History.Count.ShouldBe(1);
    }
}
