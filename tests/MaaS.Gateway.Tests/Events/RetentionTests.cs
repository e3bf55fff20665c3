using MaaS.Gateway.Events.Retention;
using Npgsql;
using Shouldly;

namespace MaaS.Gateway.Tests.Events;

/// <summary>Old events go with their finished deliveries and log; nothing still to be delivered is ever removed.</summary>
[Collection(EventsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class RetentionTests(EventsFixture fixture)
{
    [Fact]
    public async Task Pruning_RemovesOldFinishedWork_AndKeepsPendingDeliveries_AndRecentEvents()
    {
        await using var db = NpgsqlDataSource.Create(fixture.Environment.Postgres);
        var subscription = Guid.NewGuid();
        await ExecuteAsync(db, """
            INSERT INTO gateway.subscriptions (id, kind, owner_id, owner_account, owner_operator, url, secret, event_types, machine_ids, created_at)
            VALUES ($1, 'webhook', $2, '0xretention', false, 'http://127.0.0.1:9/', 'whsec_x', ARRAY['t'], '{}', now())
            """, subscription, Guid.NewGuid());
        var delivered = await EventAsync(db, subscription, daysOld: 40, status: "delivered");
        var dead = await EventAsync(db, subscription, daysOld: 40, status: "dead");
        var pending = await EventAsync(db, subscription, daysOld: 40, status: "pending");
        var undelivered = await EventAsync(db, subscription, daysOld: 40, status: null);
        var recent = await EventAsync(db, subscription, daysOld: 1, status: "delivered");

        var pruned = await PruneEvents.PruneAsync(db, TimeSpan.FromDays(30), CancellationToken.None);

        pruned.Deliveries.ShouldBeGreaterThanOrEqualTo(2);
        pruned.Events.ShouldBeGreaterThanOrEqualTo(3);
        (await EventsHeldAsync(db, delivered, dead, pending, undelivered, recent)).ShouldBe([pending, recent]);
        (await CountAsync(db, "SELECT count(*) FROM gateway.deliveries WHERE subscription_id = $1", subscription)).ShouldBe(2);
        (await CountAsync(db, "SELECT count(*) FROM gateway.delivery_attempts a JOIN gateway.deliveries d ON d.id = a.delivery_id WHERE d.subscription_id = $1", subscription))
            .ShouldBe(2);

        // Once the pending one is delivered, the next pass removes it too.
        await ExecuteAsync(db, "UPDATE gateway.deliveries SET status = 'delivered' WHERE subscription_id = $1", subscription);
        await PruneEvents.PruneAsync(db, TimeSpan.FromDays(30), CancellationToken.None);
        (await EventsHeldAsync(db, delivered, dead, pending, undelivered, recent)).ShouldBe([recent]);
        await ExecuteAsync(db, "DELETE FROM gateway.subscriptions WHERE id = $1", subscription);
    }

    /// <summary>An event stored <paramref name="daysOld"/> days ago, with a delivery in <paramref name="status"/> (and one logged attempt), or none.</summary>
    private static async Task<long> EventAsync(NpgsqlDataSource db, Guid subscription, int daysOld, string? status)
    {
        await using var insert = db.CreateCommand("""
            INSERT INTO gateway.events (id, type, machine_id, time, audience, body, stored_at)
            VALUES ($1, 't', $2, now(), ARRAY['0xretention'], '\x7b7d', now() - make_interval(days => $3)) RETURNING seq
            """);
        insert.Parameters.AddWithValue("retention-" + Guid.NewGuid());
        insert.Parameters.AddWithValue(Guid.NewGuid());
        insert.Parameters.AddWithValue(daysOld);
        var seq = (long)(await insert.ExecuteScalarAsync())!;
        if (status is null) return seq;
        var delivery = Guid.NewGuid();
        await ExecuteAsync(db, """
            INSERT INTO gateway.deliveries (id, subscription_id, event_seq, status, attempts, next_attempt_at, created_at)
            VALUES ($1, $2, $3, $4, 1, CASE WHEN $4 = 'pending' THEN now() + interval '1 hour' END, now())
            """, delivery, subscription, seq, status);
        await ExecuteAsync(db, "INSERT INTO gateway.delivery_attempts (delivery_id, attempt, at, duration_ms) VALUES ($1, 1, now(), 5)", delivery);
        return seq;
    }

    private static async Task<long[]> EventsHeldAsync(NpgsqlDataSource db, params long[] seqs)
    {
        await using var command = db.CreateCommand("SELECT seq FROM gateway.events WHERE seq = ANY ($1) ORDER BY seq");
        command.Parameters.AddWithValue(seqs);
        var held = new List<long>();
        await using var rows = await command.ExecuteReaderAsync();
        while (await rows.ReadAsync()) held.Add(rows.GetInt64(0));
        return [.. held];
    }

    private static async Task<long> CountAsync(NpgsqlDataSource db, string sql, params object[] parameters)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.AddWithValue(p);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource db, string sql, params object[] parameters)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.AddWithValue(p);
        await command.ExecuteNonQueryAsync();
    }
}
