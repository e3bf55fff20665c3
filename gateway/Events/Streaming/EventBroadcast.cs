using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using MaaS.Gateway.Events.Delivering;
using Npgsql;

namespace MaaS.Gateway.Events.Streaming;

/// <summary>An event as it reaches the SSE streams of this instance, with the accounts that may see it.</summary>
public sealed record BroadcastEvent(long Seq, string Id, string Type, Guid MachineId, string[] Audience, byte[] Body)
{
    /// <summary>The columns of <c>gateway.events</c> that <see cref="Read"/> expects, in its order.</summary>
    public const string Columns = "seq, id, type, machine_id, audience, body";

    public static BroadcastEvent Read(NpgsqlDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetGuid(3), r.GetFieldValue<string[]>(4), (byte[])r[5]);
}

/// <summary>
/// Fans recorded events out to this instance's SSE streams. Whichever instance consumed an event, it notifies every
/// instance through PostgreSQL (<c>NOTIFY maas_partner_events</c>, sent on commit, in commit order); each instance
/// LISTENs on its own connection, loads the event and hands it to its open streams. The audience was fixed when the
/// event was recorded, so a stream shows exactly what the webhooks and queues deliver. A stream too slow to keep up
/// loses its oldest undelivered events rather than holding up the others.
/// </summary>
public sealed class EventBroadcast(EventsDatabase db, DeliverySignal deliveries, ILogger<EventBroadcast> logger) : BackgroundService
{
    private const int StreamBuffer = 1000;
    private readonly ConcurrentDictionary<Guid, Channel<BroadcastEvent>> streams = new();
    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once this instance listens (a stream opened before then could miss events).</summary>
    public Task Listening => listening.Task;

    public (Guid Id, ChannelReader<BroadcastEvent> Events) Open()
    {
        var channel = Channel.CreateBounded<BroadcastEvent>(new BoundedChannelOptions(StreamBuffer) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        var id = Guid.NewGuid();
        streams[id] = channel;
        return (id, channel.Reader);
    }

    public void Close(Guid id)
    {
        if (streams.TryRemove(id, out var channel)) channel.Writer.TryComplete();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Lost the event notifications; listening again");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        await using var connection = await db.Source.OpenConnectionAsync(ct);
        var pending = Channel.CreateUnbounded<long>();
        connection.Notification += (_, e) =>
        {
            if (long.TryParse(e.Payload, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seq)) pending.Writer.TryWrite(seq);
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {Schema.Channel}", connection)) await listen.ExecuteNonQueryAsync(ct);
        listening.TrySetResult();
        var fanOut = FanOutAsync(pending.Reader, ct);
        try
        {
            while (!ct.IsCancellationRequested) await connection.WaitAsync(ct);
        }
        finally
        {
            pending.Writer.TryComplete();
            await fanOut;
        }
    }

    private async Task FanOutAsync(ChannelReader<long> pending, CancellationToken ct)
    {
        await foreach (var seq in pending.ReadAllAsync(CancellationToken.None))
        {
            deliveries.Wake();
            if (streams.IsEmpty) continue;
            try
            {
                if (await LoadAsync(seq, ct) is { } e)
                    foreach (var stream in streams.Values) stream.Writer.TryWrite(e);
            }
            catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException)
            {
                logger.LogDebug(ex, "Event {Seq} not streamed", seq);
            }
        }
    }

    private async Task<BroadcastEvent?> LoadAsync(long seq, CancellationToken ct)
    {
        await using var command = db.Source.CreateCommand($"SELECT {BroadcastEvent.Columns} FROM gateway.events WHERE seq = $1");
        command.Parameters.AddWithValue(seq);
        await using var r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? BroadcastEvent.Read(r) : null;
    }
}
