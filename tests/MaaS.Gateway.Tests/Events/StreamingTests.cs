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
