using System.Globalization;
using System.Numerics;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.Hex.HexConvertors.Extensions;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>Decoded outputs of a view or fields of an event, by name or by position.</summary>
public sealed class Values
{
    private readonly List<(string Name, object? Value)> items;

    public Values(IEnumerable<ParameterOutput> outputs) =>
        items = outputs.OrderBy(o => o.Parameter.Order).Select(o => (o.Parameter.Name ?? "", (object?)o.Result)).ToList();

    public int Count => items.Count;

    public object? this[string name] => items.Single(i => i.Name == name).Value;

    public object? this[int index] => items[index].Value;

    public BigInteger Num(string name) => AsNum(this[name]);

    public BigInteger Num(int index) => AsNum(this[index]);

    public long Long(string name) => (long)Num(name);

    public int Int(string name) => (int)Num(name);

    /// <summary>An address output in lower case.</summary>
    public string Addr(string name) => AsAddr(this[name]);

    public string Addr(int index) => AsAddr(this[index]);

    /// <summary>A bytesN output as 0x-prefixed lower-case hex.</summary>
    public string Hex(string name) => ((byte[])this[name]!).ToHex(true);

    public string Hex(int index) => ((byte[])this[index]!).ToHex(true);

    public bool Bool(int index) => (bool)this[index]!;

    public override string ToString() => string.Join(", ", items.Select(i => $"{i.Name}={Format(i.Value)}"));

    private static BigInteger AsNum(object? value) => value switch
    {
        BigInteger n => n,
        null => throw new InvalidOperationException("no value"),
        _ => BigInteger.Parse(Convert.ToString(value, CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture),
    };

    private static string AsAddr(object? value) => ((string)value!).ToLowerInvariant();

    private static string Format(object? value) => value switch
    {
        byte[] b => b.ToHex(true),
        null => "null",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
