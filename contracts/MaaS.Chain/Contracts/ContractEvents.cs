using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using MaaS.Chain.Contracts.Generated.Consortium;
using MaaS.Chain.Contracts.Generated.Invoicing;
using MaaS.Chain.Contracts.Generated.MachineRegistry;
using MaaS.Chain.Contracts.Generated.Maintenance;
using MaaS.Chain.Contracts.Generated.TelemetryAnchor;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;

namespace MaaS.Chain.Contracts;

/// <summary>
/// Turns a log (its topics and data, as a follower reads them) into the generated event type of the contract that
/// emitted it, e.g. <c>MachineRegisteredEventDTO</c>. Logs of other events, or with the right signature but another
/// layout (a foreign contract reusing the name), are not decoded.
/// </summary>
public static class ContractEvents
{
    private static readonly FrozenDictionary<string, ContractEventDecoder> Decoders = new Dictionary<string, ContractEventDecoder>
    {
        [ConsortiumAbi.ContractName] = new(ConsortiumAbi.ContractName, ConsortiumAbi.Events),
        [MachineRegistryAbi.ContractName] = new(MachineRegistryAbi.ContractName, MachineRegistryAbi.Events),
        [MaintenanceAbi.ContractName] = new(MaintenanceAbi.ContractName, MaintenanceAbi.Events),
        [InvoicingAbi.ContractName] = new(InvoicingAbi.ContractName, InvoicingAbi.Events),
        [TelemetryAnchorAbi.ContractName] = new(TelemetryAnchorAbi.ContractName, TelemetryAnchorAbi.Events),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static ContractEventDecoder Consortium => Decoders[ConsortiumAbi.ContractName];

    public static ContractEventDecoder MachineRegistry => Decoders[MachineRegistryAbi.ContractName];

    public static ContractEventDecoder Maintenance => Decoders[MaintenanceAbi.ContractName];

    public static ContractEventDecoder Invoicing => Decoders[InvoicingAbi.ContractName];

    public static ContractEventDecoder TelemetryAnchor => Decoders[TelemetryAnchorAbi.ContractName];

    /// <summary>The decoder of one of the five contracts by name (<c>MachineRegistry</c>, …).</summary>
    public static ContractEventDecoder For(string contractName) =>
        Decoders.TryGetValue(contractName, out var decoder) ? decoder : throw new ArgumentException($"'{contractName}' is not a MaaS contract.", nameof(contractName));

    /// <summary>Decodes the log as <typeparamref name="TEvent"/> when its topic 0 is that event's signature.</summary>
    public static bool TryDecode<TEvent>(IReadOnlyList<string> topics, string data, [NotNullWhen(true)] out TEvent? decoded)
        where TEvent : class, IEventDTO, new()
    {
        decoded = null;
        if (!Matches(EventInfo<TEvent>.Signature, EventInfo<TEvent>.TopicCount, topics)) return false;
        decoded = Decode<TEvent>(topics, data);
        return decoded is not null;
    }

    /// <summary>The event's topic 0 (keccak-256 of its signature), 0x-prefixed lower case.</summary>
    public static string SignatureOf<TEvent>()
        where TEvent : class, IEventDTO, new() => EventInfo<TEvent>.Signature;

    internal static bool Matches(string signature, int topicCount, IReadOnlyList<string> topics) =>
        topics is not null && topics.Count == topicCount && string.Equals(topics[0], signature, StringComparison.OrdinalIgnoreCase);

    internal static TEvent? Decode<TEvent>(IReadOnlyList<string> topics, string data)
        where TEvent : class, IEventDTO, new()
    {
        try
        {
            var log = new FilterLog { Topics = topics.Cast<object>().ToArray(), Data = string.IsNullOrEmpty(data) ? "0x" : data };
            return log.DecodeEvent<TEvent>().Event;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IndexOutOfRangeException or OverflowException or InvalidOperationException)
        {
            return null;
        }
    }

    private static class EventInfo<TEvent>
        where TEvent : class, IEventDTO, new()
    {
        public static readonly string Signature = "0x" + ABITypedRegistry.GetEvent<TEvent>().Sha3Signature.ToLowerInvariant().Replace("0x", "", StringComparison.Ordinal);

        public static readonly int TopicCount = 1 + ABITypedRegistry.GetEvent<TEvent>().InputParameters.Count(p => p.Indexed);
    }
}

/// <summary>Decodes any event of one contract.</summary>
public sealed class ContractEventDecoder
{
    private static readonly MethodInfo DecodeMethod = typeof(ContractEvents).GetMethod(nameof(ContractEvents.Decode), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly FrozenDictionary<string, (Type Type, int TopicCount, Func<IReadOnlyList<string>, string, IEventDTO?> Decode)> events;

    internal ContractEventDecoder(string contractName, IReadOnlyList<Type> eventTypes)
    {
        ContractName = contractName;
        events = eventTypes.ToFrozenDictionary(
            t => "0x" + ABITypedRegistry.GetEvent(t).Sha3Signature.Replace("0x", "", StringComparison.Ordinal).ToLowerInvariant(),
            t => (t, 1 + ABITypedRegistry.GetEvent(t).InputParameters.Count(p => p.Indexed),
                DecodeMethod.MakeGenericMethod(t).CreateDelegate<Func<IReadOnlyList<string>, string, IEventDTO?>>()),
            StringComparer.OrdinalIgnoreCase);
    }

    public string ContractName { get; }

    /// <summary>The contract's event types (generated <c>…EventDTO</c> classes).</summary>
    public IEnumerable<Type> EventTypes => events.Values.Select(e => e.Type);

    /// <summary>Decodes the log as whichever event of this contract its topic 0 names.</summary>
    public bool TryDecode(IReadOnlyList<string> topics, string data, [NotNullWhen(true)] out IEventDTO? decoded)
    {
        decoded = null;
        if (topics is null || topics.Count == 0 || !events.TryGetValue(topics[0], out var e)) return false;
        if (!ContractEvents.Matches(topics[0], e.TopicCount, topics)) return false;
        decoded = e.Decode(topics, data);
        return decoded is not null;
    }
}
