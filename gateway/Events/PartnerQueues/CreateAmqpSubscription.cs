using System.Security.Cryptography;
using MaaS.Gateway.Events.Subscribing;
using MaaS.Gateway.Identity;

namespace MaaS.Gateway.Events.PartnerQueues;

public sealed record CreateAmqpRequest(string[]? EventTypes, Guid[]? MachineIds);

/// <summary>How the partner reaches its queue with any AMQP 0-9-1 client; the password is shown only here.</summary>
public sealed record AmqpCredentials(string Host, int Port, string VirtualHost, string Username, string Password, string Queue, string Uri);

public sealed record AmqpSubscriptionCreated(Guid Id, string Kind, string Queue, IReadOnlyList<string> EventTypes, IReadOnlyList<Guid> MachineIds, DateTimeOffset CreatedAt,
    AmqpCredentials Amqp);

public static class CreateAmqpSubscription
{
    public static RouteGroupBuilder MapCreateAmqpSubscription(this RouteGroupBuilder subscriptions)
    {
        subscriptions.MapPost("/amqp", Create)
            .WithSummary("Subscribe a partner AMQP queue")
            .WithDescription("Creates a durable RabbitMQ queue that receives every event of the given types (about the given machines, if any) the caller may see, " +
                "as persistent CloudEvents JSON messages (content type application/cloudevents+json), and a broker user that may only consume that queue. " +
                "The password is in this answer only.")
            .Produces<AmqpSubscriptionCreated>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        return subscriptions;
    }

    private static async Task<IResult> Create(CreateAmqpRequest request, HttpContext http, [Microsoft.AspNetCore.Mvc.FromServices] EventsDatabase db,
        [Microsoft.AspNetCore.Mvc.FromServices] RabbitManagement rabbit, [Microsoft.AspNetCore.Mvc.FromServices] BrokerSettings broker,
        EventsOptions options, TimeProvider clock, CancellationToken ct)
    {
        var errors = Subscriptions.Validate(request.EventTypes, request.MachineIds);
        if (errors.Count > 0) return EventProblems.Of(StatusCodes.Status422UnprocessableEntity, "validation", "The subscription is not valid.", errors);

        var id = Guid.CreateVersion7();
        var (queue, user) = (RabbitManagement.QueueFor(id), RabbitManagement.UserFor(id));
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        try
        {
            await rabbit.CreatePartnerAsync(user, password, queue, ct);
        }
        catch (BrokerRefusedException refused)
        {
            await rabbit.RemovePartnerAsync(user, queue, CancellationToken.None);
            return EventProblems.Of(StatusCodes.Status502BadGateway, "broker-refused", refused.Message);
        }
        var subscription = new NewSubscription(id, SubscriptionKinds.Amqp, http.Caller()!, null, null, queue, user, request.EventTypes!, request.MachineIds ?? [], clock.GetUtcNow());
        try
        {
            await Subscriptions.InsertAsync(db.Source, subscription, ct);
        }
        catch
        {
            // No subscription row, no broker user: nothing would ever delete it.
            await rabbit.RemovePartnerAsync(user, queue, CancellationToken.None);
            throw;
        }

        var host = options.AmqpPublicHost is { Length: > 0 } h ? h : broker.Host;
        var port = options.AmqpPublicPort ?? broker.Port;
        var uri = $"amqp://{Uri.EscapeDataString(user)}:{password}@{host}:{port}/{Uri.EscapeDataString(broker.VirtualHost)}";
        return TypedResults.Created($"/api/subscriptions/{id}", new AmqpSubscriptionCreated(id, SubscriptionKinds.Amqp, queue,
            [.. subscription.EventTypes.Distinct(StringComparer.Ordinal)], [.. subscription.MachineIds.Distinct()], subscription.CreatedAt,
            new AmqpCredentials(host, port, broker.VirtualHost, user, password, queue, uri)));
    }
}
