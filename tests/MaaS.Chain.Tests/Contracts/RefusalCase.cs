using Xunit.Abstractions;

namespace MaaS.Chain.Tests.Contracts;

/// <summary>A row of <see cref="RefusalTable"/> as a theory argument, displayed in full (xunit cuts string arguments at 50 characters).</summary>
public sealed class RefusalCase : IXunitSerializable
{
    public RefusalCase()
    {
    }

    public RefusalCase(string key) => Key = key;

    public string Key { get; private set; } = "";

    public void Deserialize(IXunitSerializationInfo info) => Key = info.GetValue<string>(nameof(Key));

    public void Serialize(IXunitSerializationInfo info) => info.AddValue(nameof(Key), Key);

    public override string ToString() => Key;
}
