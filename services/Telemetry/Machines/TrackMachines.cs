using MaaS.Contracts.Machines;
using MaaS.Contracts.Telemetry;
using MaaS.Telemetry.Publishing;
using MaaS.Telemetry.Storage;
using MassTransit;
using Npgsql;

namespace MaaS.Telemetry.Machines;

// The machine view (telemetry.machines) from the Machines service's integration events, which it publishes at chain
// finality with the stored event's id as message id. Each event is applied once (telemetry.inbox) and only if it is not
// older, by block, than what the row already reflects: the events travel on separate queues and may arrive out of order.

public sealed class MachineRegisteredConsumer(MachineView view) : IConsumer<MachineRegistered>
{
    public Task Consume(ConsumeContext<MachineRegistered> context)
    {
        var e = context.Message;
        return view.ApplyOnceAsync(context, e.MachineId, (connection, transaction, ct) => MachineView.ExecuteAsync(connection, transaction, """
            UPDATE telemetry.machines SET oem = lower($2), customer = lower($3), interval_ms = $4,
                device = CASE WHEN device_block <= $6 THEN lower($5) ELSE device END, device_block = greatest(device_block, $6)
            WHERE machine_id = $1
            """, ct, e.MachineId, e.Oem, e.Customer, e.TelemetryIntervalSeconds * 1000L, e.Device, e.Block));
    }
}

public sealed class MachineDeviceChangedConsumer(MachineView view) : IConsumer<MachineDeviceChanged>
{
    public Task Consume(ConsumeContext<MachineDeviceChanged> context)
    {
        var e = context.Message;
        return view.ApplyOnceAsync(context, e.MachineId, (connection, transaction, ct) => MachineView.ExecuteAsync(connection, transaction, """
            UPDATE telemetry.machines SET device = lower($2), device_block = $3 WHERE machine_id = $1 AND device_block <= $3
            """, ct, e.MachineId, e.Device, e.Block));
    }
}

public sealed class MachineStartedConsumer(MachineView view, TimeProvider clock) : IConsumer<MachineStarted>
{
    /// <summary>The heartbeat clock starts when telemetry learns of the start (a late-delivered event must not open a gap at once).</summary>
    public Task Consume(ConsumeContext<MachineStarted> context)
    {
        var e = context.Message;
        return view.ApplyOnceAsync(context, e.MachineId, (connection, transaction, ct) => MachineView.ExecuteAsync(connection, transaction, """
            UPDATE telemetry.machines SET executing = NOT terminated, status_block = $2, executing_since = $3, failure_reported = false
            WHERE machine_id = $1 AND status_block <= $2
            """, ct, e.MachineId, e.Block, clock.GetUtcNow()));
    }
}

/// <summary>A stop is a failure signal (<c>MachineFailureDetected</c>, reason <c>stopped</c>) unless this run's failure was already reported.</summary>
public sealed class MachineStoppedConsumer(MachineView view, TimeProvider clock) : IConsumer<MachineStopped>
{
    public Task Consume(ConsumeContext<MachineStopped> context)
    {
        var e = context.Message;
        return view.ApplyOnceAsync(context, e.MachineId, async (connection, transaction, ct) =>
        {
            await using var stop = new NpgsqlCommand("""
                WITH before AS (SELECT machine_id, failure_reported FROM telemetry.machines WHERE machine_id = $1 AND status_block <= $2 FOR UPDATE)
                UPDATE telemetry.machines m SET executing = false, status_block = $2, failure_reported = true, failure_open = true
                FROM before WHERE m.machine_id = before.machine_id
                RETURNING before.failure_reported
                """, connection, transaction) { Parameters = { new() { Value = e.MachineId }, new() { Value = e.Block } } };
            var alreadyReported = await stop.ExecuteScalarAsync(ct);
            if (alreadyReported is not false) return false;
            var now = clock.GetUtcNow();
            var failure = Outbox.Create(e.MachineId, new MachineFailureDetected(e.MachineId, "stopped", null, e.At.ToUnixTimeMilliseconds(), now));
            await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { Outbox.Insert([failure], now)! } };
            await batch.ExecuteNonQueryAsync(ct);
            return true;
        });
    }
}

public sealed class MachineResetConsumer(MachineView view) : IConsumer<MachineReset>
{
    public Task Consume(ConsumeContext<MachineReset> context) => view.StopExecutingAsync(context, context.Message.MachineId, context.Message.Block, terminated: false);
}

public sealed class MachineTerminatedConsumer(MachineView view) : IConsumer<MachineTerminated>
{
    public Task Consume(ConsumeContext<MachineTerminated> context) => view.StopExecutingAsync(context, context.Message.MachineId, context.Message.Block, terminated: true);
}

/// <summary>Applies a machine event to <c>telemetry.machines</c> once per message id, in one transaction with the inbox row.</summary>
public sealed class MachineView(TelemetryDatabase database, OutboxSignal signal, TimeProvider clock)
{
    /// <param name="apply">Returns true when it queued an outbox message.</param>
    public async Task ApplyOnceAsync(ConsumeContext context, Guid machineId, Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<bool>> apply)
    {
        var messageId = context.MessageId ?? throw new InvalidOperationException("Machine events carry their source event id as message id.");
        var ct = context.CancellationToken;
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var first = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                // The row may not exist yet when a later event overtakes MachineRegistered.
                new NpgsqlBatchCommand("INSERT INTO telemetry.machines (machine_id) VALUES ($1) ON CONFLICT DO NOTHING") { Parameters = { new() { Value = machineId } } },
                new NpgsqlBatchCommand("INSERT INTO telemetry.inbox (message_id, received_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                {
                    Parameters = { new() { Value = messageId }, new() { Value = clock.GetUtcNow() } },
                },
            },
        })
        {
            await first.ExecuteNonQueryAsync(ct);
            if (first.BatchCommands[1].RecordsAffected == 0) return;
        }
        var queued = await apply(connection, transaction, ct);
        await transaction.CommitAsync(ct);
        if (queued) signal.Wake();
    }

    public static async Task<bool> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await command.ExecuteNonQueryAsync(ct);
        return false;
    }

    public Task StopExecutingAsync(ConsumeContext context, Guid machineId, long block, bool terminated) =>
        ApplyOnceAsync(context, machineId, (connection, transaction, ct) => ExecuteAsync(connection, transaction, """
            UPDATE telemetry.machines SET executing = false, terminated = terminated OR $3, status_block = $2 WHERE machine_id = $1 AND status_block <= $2
            """, ct, machineId, block, terminated));
}
