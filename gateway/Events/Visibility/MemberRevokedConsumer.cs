using MaaS.Gateway.Events.PartnerQueues;
using MassTransit;
using Contract = MaaS.Contracts.Machines;

namespace MaaS.Gateway.Events.Visibility;

/// <summary>
/// A revoked member's API keys stop at once (Machines refuses them); its subscriptions must stop too, or it would
/// keep receiving events it may no longer see. They are deleted, with their broker users and queues.
/// </summary>
public sealed class MemberRevokedConsumer(EventsDatabase db, RabbitManagement rabbit, ILogger<MemberRevokedConsumer> logger) : IConsumer<Contract.MemberRevoked>
{
    public async Task Consume(ConsumeContext<Contract.MemberRevoked> context)
    {
        var ct = context.CancellationToken;
        var account = context.Message.Account.ToLowerInvariant();
        var partners = new List<(string? User, string? Queue)>();
        await using (var find = db.Source.CreateCommand("SELECT amqp_user, queue FROM gateway.subscriptions WHERE owner_account = $1 AND kind = 'amqp'"))
        {
            find.Parameters.AddWithValue(account);
            await using var rows = await find.ExecuteReaderAsync(ct);
            while (await rows.ReadAsync(ct)) partners.Add((rows.IsDBNull(0) ? null : rows.GetString(0), rows.IsDBNull(1) ? null : rows.GetString(1)));
        }
        // Broker first: if it fails, the message is retried and the rows are still there to find the users by.
        foreach (var (user, queue) in partners) await rabbit.RemovePartnerAsync(user, queue, ct);
        await using var delete = db.Source.CreateCommand("DELETE FROM gateway.subscriptions WHERE owner_account = $1");
        delete.Parameters.AddWithValue(account);
        var deleted = await delete.ExecuteNonQueryAsync(ct);
        if (deleted > 0) logger.LogInformation("Member {Account} was revoked: {Count} subscription(s) deleted", account, deleted);
    }
}
