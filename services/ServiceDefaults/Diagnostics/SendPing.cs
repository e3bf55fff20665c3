using FluentValidation;
using MaaS.ServiceDefaults.Errors;
using MaaS.ServiceDefaults.Hosting;
using MaaS.ServiceDefaults.Validation;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Nethereum.Web3;

namespace MaaS.ServiceDefaults.Diagnostics;

public sealed record SendPingRequest(string? Note);

public sealed class SendPingValidator : AbstractValidator<SendPingRequest>
{
    public SendPingValidator() => RuleFor(r => r.Note).MaximumLength(200);
}

public sealed record AboutResponse(string Service, string Instance, string Version, long ChainId, long Block, DateTimeOffset Now);

/// <summary>
/// Smoke endpoints every service has: <c>about</c> answers from the service itself (and its chain node);
/// a ping is stored in this service's event store and travels, through the outbox and RabbitMQ, to every service.
/// </summary>
public static class DiagnosticsEndpoints
{
    public static IEndpointRouteBuilder MapDiagnostics(this IEndpointRouteBuilder app)
    {
        var identity = app.ServiceProvider.GetService(typeof(ServiceIdentity)) as ServiceIdentity
            ?? throw new InvalidOperationException("AddServiceDefaults was not called.");
        var group = app.MapGroup(identity.RoutePrefix).WithTags("Diagnostics");
        group.MapGet("/about", About).AllowAnonymous();
        group.MapPost("/diagnostics/pings", SendPing).WithValidation().RequireAuthorization("Write");
        group.MapGet("/diagnostics/pings/{pingId:guid}", GetPing).RequireAuthorization("Member").WithName($"{identity.Name}-get-ping");
        return app;
    }

    private static async Task<Ok<AboutResponse>> About(ServiceIdentity identity, IWeb3 web3, TimeProvider clock)
    {
        var chainId = (long)(await web3.Eth.ChainId.SendRequestAsync()).Value;
        var block = (long)(await web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;
        var version = typeof(DiagnosticsEndpoints).Assembly.GetName().Version?.ToString() ?? "0";
        return TypedResults.Ok(new AboutResponse(identity.Name, identity.InstanceId, version, chainId, block, clock.GetUtcNow()));
    }

    private static async Task<Accepted<PingLog>> SendPing(SendPingRequest request, ServiceIdentity identity, IDocumentSession session, TimeProvider clock, CancellationToken ct)
    {
        var sent = new DiagnosticPingSent(Guid.CreateVersion7(), identity.Name, request.Note ?? "", clock.GetUtcNow());
        session.Events.StartStream<PingLog>(sent.PingId, sent);
        await session.SaveChangesAsync(ct);
        return TypedResults.Accepted($"{identity.RoutePrefix}/diagnostics/pings/{sent.PingId}", PingLog.Create(sent));
    }

    private static async Task<Ok<PingLog>> GetPing(Guid pingId, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<PingLog>(pingId, ct) is { } log ? TypedResults.Ok(log) : throw DomainException.NotFound("Ping", pingId);
}
