using System.Net;
using System.Text.Json;
using MaaS.Testing;
using Shouldly;

namespace MaaS.Gateway.Tests.Events;

[Collection(EventsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class StreamingTests(EventsFixture fixture)
{
    private sealed record Frame(string? Id, string? Event, string Data);

    [Fact]
    public async Task Sse_StreamsTheCallersMachineEvents_AndNoneOfAnothersMachine()
    {
        using var customer = fixture.As(fixture.Customer);
        customer.Timeout = Timeout.InfiniteTimeSpan;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events?types=services.maas.machine.registered.v1");
        using var response = await customer.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("text/event-stream");
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);

        // The stranger's machine first, recorded (and so broadcast, in commit order) before the customer's.
        var strangersMachine = await fixture.ProvisionAsync(fixture.Stranger, accept: false);
        await Eventually.TrueAsync(async () => await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM gateway.events WHERE machine_id = $1 AND type = 'services.maas.machine.registered.v1'", strangersMachine) == 1,
            "the gateway to record the stranger's machine", TimeSpan.FromSeconds(60));
        var customersMachine = await fixture.ProvisionAsync(fixture.Customer, accept: false);

        var frames = new List<Frame>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!frames.Any(f => f.Data.Contains(customersMachine.ToString(), StringComparison.Ordinal)))
            frames.Add(await ReadFrameAsync(reader, deadline.Token));

        frames.ShouldAllBe(f => !f.Data.Contains(strangersMachine.ToString(), StringComparison.Ordinal));
        var mine = frames.Single(f => f.Data.Contains(customersMachine.ToString(), StringComparison.Ordinal));
        mine.Event.ShouldBe("services.maas.machine.registered.v1");
        var cloudEvent = JsonDocument.Parse(mine.Data).RootElement;
        cloudEvent.GetProperty("id").GetString().ShouldBe(mine.Id);
        cloudEvent.GetProperty("subject").GetString().ShouldBe(customersMachine.ToString());
    }

    [Fact]
    public async Task Sse_Reconnecting_WithLastEventId_ReplaysWhatWasMissed_ThenGoesOnLive_EachEventOnce()
    {
        const string Registered = "services.maas.machine.registered.v1";
        string lastEventId;
        Guid first;
        await using (var stream = await OpenAsync(Registered))
        {
            first = await fixture.ProvisionAsync(fixture.Customer, accept: false);
            lastEventId = (await stream.NextAboutAsync(first)).Id!;
        }

        // While the customer is away: one machine of its own, one of a stranger's.
        var missed = await fixture.ProvisionAsync(fixture.Customer, accept: false);
        var strangers = await fixture.ProvisionAsync(fixture.Stranger, accept: false);
        await Eventually.TrueAsync(async () => await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM gateway.events WHERE machine_id = ANY ($1) AND type = 'services.maas.machine.registered.v1'", new[] { missed, strangers }) == 2,
            "the gateway to record both machines", TimeSpan.FromSeconds(60));

        await using (var resumed = await OpenAsync(Registered, lastEventId))
        {
            var live = await fixture.ProvisionAsync(fixture.Customer, accept: false);
            var frames = await resumed.UntilAboutAsync(live);

            frames.Select(f => JsonDocument.Parse(f.Data).RootElement.GetProperty("subject").GetGuid()).ShouldBe([missed, live]);
            frames.ShouldAllBe(f => f.Event == Registered);
        }

        await using var unknown = await OpenAsync(Registered, "no-such-event-" + Guid.NewGuid());
        var notice = await unknown.NextAsync();
        notice.Event.ShouldBe("maas.replay-unavailable");
        JsonDocument.Parse(notice.Data).RootElement.GetProperty("lastEventId").GetString().ShouldStartWith("no-such-event-");
    }

    private async Task<EventStream> OpenAsync(string types, string? lastEventId = null)
    {
        var client = fixture.As(fixture.Customer);
        client.Timeout = Timeout.InfiniteTimeSpan;
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/events?types={types}");
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return new EventStream(client, response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    private sealed class EventStream(HttpClient client, HttpResponseMessage response, StreamReader reader) : IAsyncDisposable
    {
        public async Task<Frame> NextAsync()
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            return await ReadFrameAsync(reader, deadline.Token);
        }

        /// <summary>Every frame up to and including the first about <paramref name="machine"/>.</summary>
        public async Task<List<Frame>> UntilAboutAsync(Guid machine)
        {
            var frames = new List<Frame>();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (frames.Count == 0 || !frames[^1].Data.Contains(machine.ToString(), StringComparison.Ordinal))
                frames.Add(await ReadFrameAsync(reader, deadline.Token));
            return frames;
        }

        public async Task<Frame> NextAboutAsync(Guid machine) => (await UntilAboutAsync(machine))[^1];

        public ValueTask DisposeAsync()
        {
            reader.Dispose();
            response.Dispose();
            client.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>The next event of the stream (comment lines such as keep-alives skipped).</summary>
    private static async Task<Frame> ReadFrameAsync(StreamReader reader, CancellationToken ct)
    {
        string? id = null, name = null;
        var data = new List<string>();
        while (true)
        {
            var line = await reader.ReadLineAsync(ct) ?? throw new EndOfStreamException("The event stream ended.");
            if (line.Length == 0)
            {
                if (data.Count > 0) return new Frame(id, name, string.Join('\n', data));
                continue;
            }
            if (line.StartsWith(':')) continue;
            if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data.Add(line[6..]);
        }
    }
}
