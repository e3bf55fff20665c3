using MaaS.Contracts.Machines;
using MaaS.Contracts.Maintenance;
using MaaS.Gateway.Events.Catalog;
using MaaS.Gateway.Events;
using MaaS.Gateway.Events.Consuming;
using MaaS.Gateway.Events.Visibility;
using Microsoft.Extensions.DependencyInjection;
using Nethereum.Signer;
using Shouldly;

namespace MaaS.Gateway.Tests.Events;

/// <summary>
/// Who receives what, for the rules no running service of this fixture exercises (ticket events, regional and withdrawn
/// accreditations): events fed straight to the gateway's recorder, on its real database, audience read back.
/// </summary>
[Collection(EventsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class AudienceTests(EventsFixture fixture)
{
    private static string Account() => EthECKey.GenerateKey().GetPublicAddress().ToLowerInvariant();

    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch.AddYears(56);

    [Fact]
    public async Task Audience_FollowsEachServicesVisibility()
    {
        var recorder = fixture.Gateway.Services.GetRequiredService<RecordEvent>();
        var (oem, customer, otherOem) = (Account(), Account(), Account());
        var (everywhere, regional, elsewhere, withdrawn, othersMaintainer, bidder) = (Account(), Account(), Account(), Account(), Account(), Account());
        const string model = "PRESS-9";
        var machineId = Guid.CreateVersion7();
        var ticketId = Guid.CreateVersion7();
        async Task Accredit(string o, string maintainer, ushort region, bool active)
        {
            await PartyIndex.RecordAccreditationAsync(fixture.Gateway.Services.GetRequiredService<EventsDatabase>().Source,
                o, maintainer, model, region, active, block: 1, CancellationToken.None);
        }
        await Accredit(oem, everywhere, 65535, true);
        await Accredit(oem, regional, 4, true);
        await Accredit(oem, elsewhere, 5, true);
        await Accredit(oem, withdrawn, 65535, false);
        await Accredit(otherOem, othersMaintainer, 65535, true);

        var registered = new MachineRegistered(machineId, oem, customer, model, 4, Account(), 60, "Qm", "00", "0x1", 1, At);
        await recorder.RecordAsync(EventCatalog.For(typeof(MachineRegistered)), registered, Guid.NewGuid().ToString(), CancellationToken.None);
        (await AudienceOf(machineId, "services.maas.machine.registered.v1")).ShouldBe([oem, customer, everywhere, regional], ignoreOrder: true);

        await recorder.RecordAsync(EventCatalog.For(typeof(MaaS.Contracts.Telemetry.MachineFailureDetected)),
            new MaaS.Contracts.Telemetry.MachineFailureDetected(machineId, "malfunctioning", 7, 1, At), Guid.NewGuid().ToString(), CancellationToken.None);
        (await AudienceOf(machineId, "services.maas.telemetry.failure-detected.v1")).ShouldBe([oem, customer], ignoreOrder: true);

        // A bidder not (or no longer) accredited still sees the ticket it bid on, from its bid on.
        await recorder.RecordAsync(EventCatalog.For(typeof(BidPlaced)),
            new BidPlaced(ticketId, machineId, 1, bidder, Guid.Empty, 100, 3600, false, "0x2", 2, At), Guid.NewGuid().ToString(), CancellationToken.None);
        (await AudienceOf(machineId, "services.maas.ticket.bid-placed.v1")).ShouldBe([oem, customer, everywhere, regional, bidder], ignoreOrder: true);

        // The same message again (a redelivery) records nothing twice.
        var id = Guid.NewGuid().ToString();
        var closed = new TicketClosed(ticketId, machineId, 1, "0x3", 3, At);
        await recorder.RecordAsync(EventCatalog.For(typeof(TicketClosed)), closed, id, CancellationToken.None);
        await recorder.RecordAsync(EventCatalog.For(typeof(TicketClosed)), closed, id, CancellationToken.None);
        (await fixture.ScalarAsync<long>("SELECT count(*) FROM gateway.events WHERE id = $1", id)).ShouldBe(1);

        // An event about a machine the index does not know is refused (and so retried by the bus).
        await Should.ThrowAsync<MachineNotIndexedException>(() => recorder.RecordAsync(EventCatalog.For(typeof(MachineStarted)),
            new MachineStarted(Guid.CreateVersion7(), "0x4", 4, At), Guid.NewGuid().ToString(), CancellationToken.None));
    }

    private async Task<string[]> AudienceOf(Guid machineId, string type) =>
        await fixture.ScalarAsync<string[]>("SELECT audience FROM gateway.events WHERE machine_id = $1 AND type = $2", machineId, type);
}
