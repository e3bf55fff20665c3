using System.Security.Cryptography;
using MaaS.Anchoring.Encryption;
using MaaS.Chain.Transactions;
using MaaS.OffChain;
using MaaS.OffChain.Telemetry;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Anchoring.Batches.Decrypting;

public static class ReadBatchReadings
{
    public static RouteGroupBuilder MapReadBatchReadings(this RouteGroupBuilder anchoring)
    {
        anchoring.MapGet("/machines/{machineId:guid}/batches/{batchSeq:long}", GetBatch).RequireAuthorization(Policies.Member);
        anchoring.MapGet("/machines/{machineId:guid}/batches/{batchSeq:long}/readings", Read).RequireAuthorization(Policies.Member)
            .Produces(StatusCodes.Status200OK, contentType: ContentType);
        anchoring.MapGet("/machines/{machineId:guid}/batches/{batchSeq:long}/keys/mine", GetMyKey).RequireAuthorization(Policies.Member);
        return anchoring;
    }

    /// <param name="Envelope">Base64 of the key envelope (docs/anchoring.md): only the caller's private key opens it.</param>
    public sealed record WrappedKeyResponse(Guid MachineId, long BatchSeq, string Account, string Cid, string Envelope);

    /// <summary>
    /// The batch's data key as wrapped for the caller, for a member whose private key this deployment does not hold: it
    /// unwraps and decrypts the blob (fetched by <see cref="WrappedKeyResponse.Cid"/> from any IPFS node) on its own side.
    /// </summary>
    private static async Task<Ok<WrappedKeyResponse>> GetMyKey(Guid machineId, long batchSeq, HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var member = http.Member();
        var (machine, batch) = await BatchAccess.LoadAsync(session, machineId, batchSeq, ct);
        await BatchAccess.RequireGroupMemberAsync(session, machine, member, ct);
        BatchAccess.RequireNotShredded(batch);
        var account = member.Account.ToLowerInvariant();
        var wrapped = await session.LoadAsync<WrappedKey>(WrappedKey.IdFor(batch.Id, account), ct)
            ?? throw DomainException.NotFound("Key of batch", $"{machineId}/{batchSeq} for {account}");
        return TypedResults.Ok(new WrappedKeyResponse(machineId, batchSeq, account, batch.Cid!, Convert.ToBase64String(wrapped.Envelope)));
    }

    public const string ContentType = "application/x-ndjson";

    /// <summary>A batch's anchoring state: root, CID, who holds a key, its round and transaction. For its group and the operator.</summary>
    private static async Task<Ok<BatchView>> GetBatch(Guid machineId, long batchSeq, HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var member = http.Member();
        var (machine, batch) = await BatchAccess.LoadAsync(session, machineId, batchSeq, ct);
        if (!member.Has(MemberRoles.Operator)) await BatchAccess.RequireGroupMemberAsync(session, machine, member, ct);
        return TypedResults.Ok(batch);
    }

    /// <summary>
    /// The batch's readings (canonical JSON lines), decrypted for the caller: the blob is fetched by CID (the store re-hashes
    /// it), the data key unwrapped with the caller's own key from this deployment's key store, the payload decrypted and its
    /// Merkle root checked against the anchored one. For the machine's OEM, customer and accredited maintainers only.
    /// </summary>
    private static async Task<FileContentHttpResult> Read(
        Guid machineId, long batchSeq, HttpContext http, IQuerySession session, IOffChainStore offChain, PostgresKeyStore keys, CancellationToken ct)
    {
        var member = http.Member();
        var (machine, batch) = await BatchAccess.LoadAsync(session, machineId, batchSeq, ct);
        await BatchAccess.RequireGroupMemberAsync(session, machine, member, ct);
        BatchAccess.RequireNotShredded(batch);
        var account = member.Account.ToLowerInvariant();
        var wrapped = await session.LoadAsync<WrappedKey>(WrappedKey.IdFor(batch.Id, account), ct)
            ?? throw DomainException.Forbidden($"Batch {batchSeq} was not encrypted for {account} (it was sealed before you joined the machine's group).");
        var key = await keys.FindAsync(account, ct)
            ?? throw DomainException.Conflict("key-not-held",
                $"This deployment does not hold the private key of {account}: fetch your wrapped key from .../batches/{batchSeq}/keys/mine and unwrap it where your key lives.");

        byte[] blob;
        try
        {
            blob = await offChain.GetAsync(Cid.Parse(batch.Cid!), ct);
        }
        catch (ContentIntegrityException ex)
        {
            throw new DomainException(StatusCodes.Status502BadGateway, "content-integrity", $"The off-chain store holds something else than {batch.Cid}: {ex.Message}");
        }
        catch (ContentNotFoundException)
        {
            throw new DomainException(StatusCodes.Status502BadGateway, "content-missing", $"The off-chain store no longer holds {batch.Cid}.");
        }

        var dataKey = new byte[BatchCipher.KeyLength];
        byte[] payload;
        try
        {
            dataKey = KeyWrap.Unwrap(wrapped.Envelope, key, machineId, batchSeq);
            payload = BatchCipher.Decrypt(blob, dataKey, machineId, batchSeq);
        }
        catch (CryptographicException ex)
        {
            throw new DomainException(StatusCodes.Status502BadGateway, "content-integrity", $"Batch {batchSeq} does not decrypt: {ex.Message}");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
        if (MerkleTree.FromLeafData(ReadingBatchEncoding.SplitLines(payload)).RootHex != batch.Root)
            throw new DomainException(StatusCodes.Status502BadGateway, "content-integrity", $"Batch {batchSeq} decrypts to readings whose root is not the anchored {batch.Root}.");
        http.Response.Headers["X-MaaS-Batch-Root"] = batch.Root;
        http.Response.Headers["X-MaaS-Cid"] = batch.Cid;
        return TypedResults.File(payload, ContentType);
    }
}
