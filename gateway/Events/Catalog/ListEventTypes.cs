namespace MaaS.Gateway.Events.Catalog;

/// <param name="Audience">Who receives it besides the operator: <c>Parties</c> (OEM, customer), <c>PartiesAndAccredited</c> (and the maintainers accredited for the machine's model and region), <c>Ticket</c> (and the ticket's bidders and maintainer).</param>
public sealed record EventTypeView(string Type, string Source, string Data, string Audience, string Description);

public static class ListEventTypes
{
    public static RouteGroupBuilder MapListEventTypes(this RouteGroupBuilder events)
    {
        events.MapGet("/types", () => TypedResults.Ok<IReadOnlyList<EventTypeView>>([.. EventCatalog.All.Select(k =>
                new EventTypeView(k.Type, k.Source, k.DataType.FullName!, k.Audience.ToString(), k.Description))]))
            .WithSummary("The event types one can subscribe to")
            .Produces<IReadOnlyList<EventTypeView>>();
        return events;
    }
}
