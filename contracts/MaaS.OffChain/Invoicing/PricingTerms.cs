using System.Buffers;
using System.Text.Json;

namespace MaaS.OffChain.Invoicing;

/// <summary>
/// A machine's pricing and SLA terms (format <c>maas/terms/v1</c>): every amount an integer in minor units of
/// <see cref="Currency"/>, every ratio in basis points (10,000 = 100 %). Its canonical bytes (<see cref="Canonical"/>) are
/// stored off-chain; the CID digest of those bytes is the terms hash set on chain (docs/invoicing.md §1).
/// </summary>
public sealed record PricingTerms(
    string Currency, long BaseFee, long PricePerItem, QualityRule Quality, AvailabilityRule Availability, MaintenanceRule Maintenance)
{
    public const string Format = "maas/terms/v1";

    /// <summary>
    /// Terms a demo, a test or an API example can send as they are: 100.00 EUR a period, 0.25 per good item, rejects above 5 %
    /// cost 0.07 per basis point, availability target 80 % (−0.03/+0.02 per bp, capped), outages beyond 2 readings 1.00 each.
    /// </summary>
    public static PricingTerms Example { get; } = new("EUR", 10_000, 25, new QualityRule(500, 7),
        new AvailabilityRule(8_000, 3, 2, 5_000, 4_000), new MaintenanceRule(2, 100));

    /// <summary>The canonical document as a JSON object, for request bodies.</summary>
    public System.Text.Json.Nodes.JsonObject ToJson() => System.Text.Json.Nodes.JsonNode.Parse(Canonical())!.AsObject();

    /// <summary>True when <paramref name="json"/> is a terms document <see cref="Parse"/> accepts; otherwise <paramref name="error"/> says why.</summary>
    public static bool IsValid(ReadOnlySpan<byte> json, out string error)
    {
        try
        {
            Parse(json);
            error = "";
            return true;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    public byte[] Canonical()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteString("currency", Currency);
            json.WriteNumber("baseFee", BaseFee);
            json.WriteNumber("pricePerItem", PricePerItem);
            json.WriteStartObject("quality");
            json.WriteNumber("maxRejectBp", Quality.MaxRejectBp);
            json.WriteNumber("penaltyPerBp", Quality.PenaltyPerBp);
            json.WriteEndObject();
            json.WriteStartObject("availability");
            json.WriteNumber("targetBp", Availability.TargetBp);
            json.WriteNumber("penaltyPerBp", Availability.PenaltyPerBp);
            json.WriteNumber("bonusPerBp", Availability.BonusPerBp);
            json.WriteNumber("maxPenalty", Availability.MaxPenalty);
            json.WriteNumber("maxBonus", Availability.MaxBonus);
            json.WriteEndObject();
            json.WriteStartObject("maintenance");
            json.WriteNumber("maxOutageReadings", Maintenance.MaxOutageReadings);
            json.WriteNumber("penaltyPerReading", Maintenance.PenaltyPerReading);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads a terms document in any property order and whitespace (the Machines service stores the JSON an OEM sent at
    /// registration as given); refuses anything else than the v1 shape with integer values in range.
    /// </summary>
    public static PricingTerms Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException("The terms are not a JSON object.");
            if (root.TryGetProperty("format", out var format) && format.GetString() != Format)
                throw new FormatException($"Unknown terms format '{format}' (this reads {Format}).");
            var currency = root.GetProperty("currency").GetString() ?? "";
            if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper)) throw new FormatException("currency is an ISO 4217 code (3 upper-case letters).");
            var quality = root.GetProperty("quality");
            var availability = root.GetProperty("availability");
            var maintenance = root.GetProperty("maintenance");
            return new PricingTerms(currency, Amount(root, "baseFee"), Amount(root, "pricePerItem"),
                new QualityRule(Bp(quality, "maxRejectBp"), Amount(quality, "penaltyPerBp")),
                new AvailabilityRule(Bp(availability, "targetBp"), Amount(availability, "penaltyPerBp"), Amount(availability, "bonusPerBp"),
                    Amount(availability, "maxPenalty"), Amount(availability, "maxBonus")),
                new MaintenanceRule(Amount(maintenance, "maxOutageReadings"), Amount(maintenance, "penaltyPerReading")));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"Not a {Format} terms document: {ex.Message}", ex);
        }
    }

    /// <summary>The bound keeps every product of the calculation far inside 64 bits (10¹² × 10⁴ readings' items).</summary>
    public const long MaxAmount = 1_000_000_000_000;

    private static long Amount(JsonElement parent, string name)
    {
        var value = parent.GetProperty(name);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var n)) throw new FormatException($"{name} is an integer.");
        if (n is < 0 or > MaxAmount) throw new FormatException($"{name} is between 0 and {MaxAmount}.");
        return n;
    }

    private static int Bp(JsonElement parent, string name)
    {
        var n = Amount(parent, name);
        if (n > 10_000) throw new FormatException($"{name} is in basis points (0..10000).");
        return (int)n;
    }
}

/// <summary>Rejected items are never billed; above <see cref="MaxRejectBp"/> of the produced items, each further basis point costs the OEM <see cref="PenaltyPerBp"/>.</summary>
public sealed record QualityRule(int MaxRejectBp, long PenaltyPerBp);

/// <summary>Availability below <see cref="TargetBp"/> is a penalty per basis point, above it a bonus per basis point, each capped.</summary>
public sealed record AvailabilityRule(int TargetBp, long PenaltyPerBp, long BonusPerBp, long MaxPenalty, long MaxBonus);

/// <summary>An outage (consecutive readings in malfunctioning or maintenance) longer than <see cref="MaxOutageReadings"/> costs <see cref="PenaltyPerReading"/> per further reading.</summary>
public sealed record MaintenanceRule(long MaxOutageReadings, long PenaltyPerReading);
