using RabbitMQ.Client;

namespace MaaS.Gateway.Events.PartnerQueues;

/// <summary>
/// Puts CloudEvents into partner queues: default exchange, routing key = the queue, persistent, mandatory, with publisher
/// confirms, so a publish counts as delivered only once the broker has the message in the queue (a missing or full queue
/// fails the attempt, which is then retried like a webhook's). One connection per gateway instance, opened on first use
/// and again after it is lost.
/// </summary>
public sealed class PartnerQueuePublisher(BrokerSettings broker, ILogger<PartnerQueuePublisher> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private IConnection? connection;
    private IChannel? channel;

    public async Task PublishAsync(string queue, string eventId, string eventType, DateTimeOffset time, byte[] body, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var open = await ChannelAsync(ct);
            var properties = new BasicProperties
            {
                ContentType = Consuming.CloudEventEnvelope.MediaType,
                DeliveryMode = DeliveryModes.Persistent,
                MessageId = eventId,
                Type = eventType,
                Timestamp = new AmqpTimestamp(time.ToUnixTimeSeconds()),
            };
            try
            {
                await open.BasicPublishAsync("", queue, mandatory: true, properties, body, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not RabbitMQ.Client.Exceptions.PublishException)
            {
                // The channel is unusable after a connection or channel error: open a new one next time.
                await ResetAsync();
                throw;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<IChannel> ChannelAsync(CancellationToken ct)
    {
        if (channel is { IsOpen: true }) return channel;
        await ResetAsync();
        var factory = new ConnectionFactory
        {
            HostName = broker.Host,
            Port = broker.Port,
            VirtualHost = broker.VirtualHost,
            UserName = broker.User,
            Password = broker.Password,
            ClientProvidedName = "maas-gateway partner queues",
        };
        connection = await factory.CreateConnectionAsync(ct);
        channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
        logger.LogInformation("Publishing partner events to {Host}:{Port}/{VirtualHost}", broker.Host, broker.Port, broker.VirtualHost);
        return channel;
    }

    private async Task ResetAsync()
    {
        try
        {
            if (channel is not null) await channel.DisposeAsync();
            if (connection is not null) await connection.DisposeAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogDebug(ex, "Closing a broken partner-queue connection");
        }
        (channel, connection) = (null, null);
    }

    public async ValueTask DisposeAsync()
    {
        await ResetAsync();
        gate.Dispose();
    }
}
