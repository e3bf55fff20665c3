using MaaS.Contracts.Machines;
using Marten;
using MassTransit;

namespace MaaS.Anchoring.Group.Learning;

// Each consumer folds one Machines event into the group documents. Facts carry their block, and a document keeps the
// highest block of each kind of fact, so redeliveries and any arrival order give the same documents. The documents use
// optimistic concurrency: two messages about the same member at once make one retry (the bus retries it).

public sealed class MachineRegisteredConsumer(IDocumentSession session) : IConsumer<MachineRegistered>
{
    public async Task Consume(ConsumeContext<MachineRegistered> context)
    {
        var m = context.Message;
        var existing = await session.LoadAsync<MachineParties>(m.MachineId, context.CancellationToken);
        if (existing is not null && existing.Block >= m.Block) return;
        var parties = new MachineParties(m.MachineId, m.Oem.ToLowerInvariant(), m.Customer.ToLowerInvariant(), m.Model, m.Region, m.Block);
        if (existing is null) session.Insert(parties);
        else session.Store(parties);
        await session.SaveChangesAsync(context.CancellationToken);
    }
}

/// <summary>Recovers the new member's public key from its joining transaction (the redemption it signed itself).</summary>
public sealed class MemberJoinedConsumer(IDocumentSession session, SenderPublicKeys keys, ILogger<MemberJoinedConsumer> logger) : IConsumer<MemberJoined>
{
    public async Task Consume(ConsumeContext<MemberJoined> context)
    {
        var m = context.Message;
        var account = m.Account.ToLowerInvariant();
        var existing = await session.LoadAsync<MemberPublicKey>(account, context.CancellationToken);
        if (existing is not null && existing.PublicKey is not null && existing.JoinedBlock >= m.Block) return;
        byte[] publicKey;
        try
        {
            publicKey = await keys.RecoverAsync(m.TransactionHash, account, context.CancellationToken);
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("signed by", StringComparison.Ordinal))
        {
            // The member did not sign its own joining transaction (not a redemption): no key to learn from it.
            logger.LogWarning("No public key for member {Account}: {Reason}", account, ex.Message);
            return;
        }
        MemberKeys.RecordJoined(session, existing, account, publicKey, m.TransactionHash, m.Block);
        await session.SaveChangesAsync(context.CancellationToken);
    }
}

public sealed class MemberRevokedConsumer(IDocumentSession session) : IConsumer<MemberRevoked>
{
    public async Task Consume(ConsumeContext<MemberRevoked> context)
    {
        var m = context.Message;
        var account = m.Account.ToLowerInvariant();
        var existing = await session.LoadAsync<MemberPublicKey>(account, context.CancellationToken);
        if (existing is not null && existing.RevokedBlock >= m.Block) return;
        var key = (existing ?? new MemberPublicKey(account, null, null, 0, 0)) with { RevokedBlock = m.Block };
        if (existing is null) session.Insert(key);
        else session.Store(key);
        await session.SaveChangesAsync(context.CancellationToken);
    }
}

public sealed class MaintainerAccreditedConsumer(IDocumentSession session) : IConsumer<MaintainerAccredited>
{
    public Task Consume(ConsumeContext<MaintainerAccredited> context)
    {
        var m = context.Message;
        return Accreditations.FoldAsync(session, m.Oem, m.Maintainer, m.Model, m.Region, a => a.AccreditedBlock >= m.Block ? null : a with { AccreditedBlock = m.Block },
            context.CancellationToken);
    }
}

public sealed class MaintainerAccreditationWithdrawnConsumer(IDocumentSession session) : IConsumer<MaintainerAccreditationWithdrawn>
{
    public Task Consume(ConsumeContext<MaintainerAccreditationWithdrawn> context)
    {
        var m = context.Message;
        return Accreditations.FoldAsync(session, m.Oem, m.Maintainer, m.Model, m.Region, a => a.WithdrawnBlock >= m.Block ? null : a with { WithdrawnBlock = m.Block },
            context.CancellationToken);
    }
}

internal static class Accreditations
{
    public static async Task FoldAsync(
        IDocumentSession session, string oem, string maintainer, string model, ushort region, Func<MaintainerAccreditation, MaintainerAccreditation?> fold, CancellationToken ct)
    {
        var id = MaintainerAccreditation.IdFor(oem, maintainer, model, region);
        var existing = await session.LoadAsync<MaintainerAccreditation>(id, ct);
        var next = fold(existing ?? new MaintainerAccreditation(id, oem.ToLowerInvariant(), maintainer.ToLowerInvariant(), model, region, 0, 0));
        if (next is null) return;
        if (existing is null) session.Insert(next);
        else session.Store(next);
        await session.SaveChangesAsync(ct);
    }
}
