using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Anchoring.Batches.Shredding;

public static class ShredBatchKeys
{
    public static RouteGroupBuilder MapShredBatchKeys(this RouteGroupBuilder anchoring)
    {
        anchoring.MapDelete("/machines/{machineId:guid}/batches/{batchSeq:long}/keys", Shred).RequireAuthorization(Policies.Write);
        return anchoring;
    }

    /// <summary>
    /// Crypto-shredding: deletes every wrapped copy of the batch's data key and the plaintext copy kept for proofs, in one
    /// transaction. The encrypted blob stays where it is and can no longer be decrypted by anyone; the anchor, the batch leaf
    /// and every proof already issued stay valid. The machine's OEM or customer only; idempotent.
    /// </summary>
    private static async Task<NoContent> Shred(Guid machineId, long batchSeq, HttpContext http, IDocumentStore store, TimeProvider clock, CancellationToken ct)
    {
        var member = http.Member();
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            var (machine, batch) = await BatchAccess.LoadAsync(session, machineId, batchSeq, ct);
            var account = member.Account.ToLowerInvariant();
            if (account != machine.Oem && account != machine.Customer)
                throw DomainException.Forbidden("Only the machine's OEM or its customer may shred its telemetry.");

            var stream = await session.Events.FetchForWriting<BatchView>(batch.Id, ct);
            var keys = await session.Query<WrappedKey>().Where(k => k.BatchId == batch.Id).Select(k => k.Id).ToListAsync(ct);
            foreach (var key in keys) session.Delete<WrappedKey>(key);
            session.Delete<BatchReadings>(batch.Id);
            if (!stream.Aggregate!.Shredded)
                stream.AppendOne(new BatchKeysShredded(batch.Id, machineId, batchSeq, account, keys.Count, clock.GetUtcNow()));
            try
            {
                await session.SaveChangesAsync(ct);
                return TypedResults.NoContent();
            }
            catch (JasperFx.ConcurrencyException) when (attempt < 5)
            {
                // The batch was put in a round or anchored at this very moment: shred the stream as it is now.
            }
        }
    }
}
