using FluentValidation;
using MaaS.Chain.Contracts;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Identity;
using MaaS.ServiceDefaults.Operations;
using MaaS.ServiceDefaults.Validation;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MaaS.Machines.Members.Accrediting;

public sealed record AccreditationRequest(Guid MaintainerId, string Model, ushort? Region);

public sealed class AccreditationValidator : AbstractValidator<AccreditationRequest>
{
    public AccreditationValidator()
    {
        RuleFor(r => r.MaintainerId).NotEmpty();
        RuleFor(r => r.Model).Cascade(CascadeMode.Stop).NotEmpty().MaximumLength(32).Must(m => m.All(c => c is >= ' ' and <= '~'))
            .WithMessage("The model is up to 32 printable ASCII characters.");
    }
}

public static class AccreditMaintainer
{
    public static IEndpointRouteBuilder MapAccreditations(this IEndpointRouteBuilder app, string prefix)
    {
        var group = app.MapGroup($"{prefix}/accreditations").WithTags("Accreditations");
        group.MapPost("/", Accredit).RequireAuthorization(Policies.Oem, Policies.Write).WithValidation();
        group.MapPost("/withdrawals", Withdraw).RequireAuthorization(Policies.Oem, Policies.Write).WithValidation();
        group.MapGet("/", List).RequireAuthorization(Policies.Member);
        return app;
    }

    private static Task<Accepted<OperationView>> Accredit(AccreditationRequest request, HttpContext http, IQuerySession session, IConsortium consortium,
        OperationRunner operations, ServiceIdentity service, CancellationToken ct) =>
        Send("accredit-maintainer", request, http, session, operations, service, ct,
            (from, maintainer) => consortium.Accredit("", from, Bytes32.FromAscii(request.Model), request.Region ?? Accreditations.AllRegions, maintainer), consortium.Address);

    private static Task<Accepted<OperationView>> Withdraw(AccreditationRequest request, HttpContext http, IQuerySession session, IConsortium consortium,
        OperationRunner operations, ServiceIdentity service, CancellationToken ct) =>
        Send("withdraw-accreditation", request, http, session, operations, service, ct,
            (from, maintainer) => consortium.WithdrawAccreditation("", from, Bytes32.FromAscii(request.Model), request.Region ?? Accreditations.AllRegions, maintainer), consortium.Address);

    private static async Task<Accepted<OperationView>> Send(string kind, AccreditationRequest request, HttpContext http, IQuerySession session,
        OperationRunner operations, ServiceIdentity service, CancellationToken ct, Func<string, string, MaaS.Chain.Transactions.TransactionRequest> build, string contract)
    {
        var oem = http.Member();
        var maintainer = await session.LoadAsync<MemberView>(request.MaintainerId, ct) ?? throw DomainException.NotFound("Member", request.MaintainerId);
        if (!maintainer.Roles.HasFlag(ServiceDefaults.Identity.MemberRoles.Maintainer))
            throw DomainException.Unprocessable("not-a-maintainer", $"Member {request.MaintainerId} is not an active maintainer.");
        var operation = await operations.StartAsync(http.OperationId(oem), kind, oem, $"{request.MaintainerId}/{request.Model}/{request.Region ?? Accreditations.AllRegions}",
            [new OperationStep(kind, oem.Account, contract, build(oem.Account, maintainer.Account).Data)], ct: ct);
        return TypedResults.Accepted(service.Location(operation.Id), operation);
    }

    /// <summary>An OEM sees the accreditations it gave, a maintainer those it holds, the operator all.</summary>
    private static async Task<Ok<IReadOnlyList<AccreditationView>>> List(HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var member = http.Member();
        var query = session.Query<AccreditationView>().AsQueryable();
        if (!member.Has(ServiceDefaults.Identity.MemberRoles.Operator))
            query = query.Where(a => a.OemId == member.MemberId || a.MaintainerId == member.MemberId);
        return TypedResults.Ok<IReadOnlyList<AccreditationView>>(await query.ToListAsync(ct));
    }
}
