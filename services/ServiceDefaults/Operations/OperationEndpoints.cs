using JasperFx.Events.Projections;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Identity;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using MaaS.Chain.Transactions;

namespace MaaS.ServiceDefaults.Operations;

public static class OperationEndpoints
{
    /// <summary>Operations of a service that writes to the chain: the transaction writer, the runner, its monitor and the resource.</summary>
    public static WebApplicationBuilder AddOperations(this WebApplicationBuilder builder)
    {
        builder.Services.AddTransactionWriter(builder.Configuration);
        builder.Services.AddSingleton<OperationRunner>();
        builder.Services.AddHostedService<OperationsMonitor>();
        builder.Services.ConfigureMarten(o =>
        {
            o.Projections.Snapshot<OperationView>(SnapshotLifecycle.Inline);
            o.Schema.For<OperationView>().Index(x => x.Status);
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app)
    {
        var service = app.ServiceProvider.GetRequiredService<ServiceIdentity>();
        app.MapGet($"{service.RoutePrefix}/operations/{{operationId:guid}}", GetOperation)
            .RequireAuthorization("Member").WithTags("Operations").WithName($"{service.Name}-get-operation");
        return app;
    }

    public static string Location(this ServiceIdentity service, Guid operationId) => $"{service.RoutePrefix}/operations/{operationId}";

    /// <summary>A member sees its own operations; the operator sees all.</summary>
    private static async Task<Ok<OperationView>> GetOperation(Guid operationId, HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var member = http.Member();
        var operation = await session.LoadAsync<OperationView>(operationId, ct);
        if (operation is null || (operation.MemberId != member.MemberId && !member.Has(MemberRoles.Operator)))
            throw DomainException.NotFound("Operation", operationId);
        return TypedResults.Ok(operation);
    }

    /// <summary>Operation id for a command: stable for a retried request that carries the same Idempotency-Key.</summary>
    public static Guid OperationId(this HttpContext http, MemberIdentity member)
    {
        if (http.Request.Headers.TryGetValue("Idempotency-Key", out var key) && !string.IsNullOrWhiteSpace(key))
        {
            var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{member.MemberId}/{http.Request.Path}/{key}"));
            hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
            hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
            return new Guid(hash.AsSpan(0, 16));
        }
        return Guid.CreateVersion7();
    }
}
