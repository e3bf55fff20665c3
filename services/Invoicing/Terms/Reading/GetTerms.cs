using System.Text.Json;
using MaaS.Chain.Contracts;
using MaaS.Invoicing.Machines;
using MaaS.OffChain;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Invoicing.Terms.Reading;

/// <param name="UntilPeriod">Null while the version is the active one; both null if it never applied.</param>
public sealed record TermsVersionResponse(uint Version, string TermsHash, string Cid, uint BillingPeriodSeconds, uint? FromPeriod, uint? UntilPeriod, JsonElement? Document);

public sealed record MachineTermsResponse(Guid MachineId, uint ActiveVersion, uint LatestVersion, DateTimeOffset? Epoch, uint BillingPeriodSeconds, IReadOnlyList<TermsVersionResponse> Versions);

public static class GetTerms
{
    public static RouteGroupBuilder MapGetTerms(this RouteGroupBuilder machines)
    {
        machines.MapGet("/{machineId:guid}/terms", Get).RequireAuthorization(Policies.Member);
        return machines;
    }

    /// <summary>Every terms version of the machine as the chain holds it (hash, applicable periods) with its document. For the machine's parties and the operator.</summary>
    private static async Task<Ok<MachineTermsResponse>> Get(Guid machineId, HttpContext http, IQuerySession session, IMachineRegistry registry,
        IInvoicingContract invoicing, IOffChainStore store, CancellationToken ct)
    {
        await MachineAccess.LoadVisibleAsync(session, registry, machineId, http.Member(), ct, operatorMaySee: true);
        var id = Bytes32.FromGuid(machineId);
        var current = await invoicing.CurrentTermsAsync(id, ct);
        var versions = new List<TermsVersionResponse>();
        for (var v = 1u; v <= (current?.LatestVersion ?? 0); v++)
        {
            var hash = await invoicing.TermsHashOfAsync(id, v, ct);
            if (hash is null) continue;
            var applies = await invoicing.TermsApplicabilityAsync(id, v, ct);
            var cid = Cid.FromDigest(hash);
            JsonElement? document = null;
            try
            {
                document = JsonSerializer.Deserialize<JsonElement>(await store.GetAsync(cid, ct));
            }
            catch (Exception ex) when (ex is ContentNotFoundException or JsonException)
            {
                // Shown without its document: the store does not hold it (another deployment proposed it) or it is not JSON.
            }
            versions.Add(new TermsVersionResponse(v, Convert.ToHexStringLower(hash), cid.V0, current!.BillingPeriodSeconds, applies?.FromPeriod, applies?.UntilPeriod, document));
        }
        return TypedResults.Ok(new MachineTermsResponse(machineId, current?.ActiveVersion ?? 0, current?.LatestVersion ?? 0, current?.Epoch, current?.BillingPeriodSeconds ?? 0, versions));
    }
}
