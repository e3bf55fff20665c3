using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MaaS.OffChain.Tests;

public class CidTests
{
    // Expected values printed by Debian's ipfs_cid (the same as `ipfs add` with Kubo's defaults).
    [Fact]
    public void Compute_Hello_IsWhatIpfsAddPrints()
    {
        var cid = Cid.Compute("hello"u8);

        cid.V0.ShouldBe("QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX");
        cid.V1.ShouldBe("bafybeid3weurg3gvyoi7nisadzolomlvoxoppe2sesktnpvdve3256n5tq");
        cid.ToString().ShouldBe(cid.V0);
        cid.DigestHex.ShouldBe("7bb129136cd5c391f6a2401e5cb7317575dcf79352249536bea3a937aef9bd9c");
    }

    [Fact]
    public void Compute_Empty_OmitsTheDataField()
    {
        UnixFsBlock.Encode([]).ShouldBe(Convert.FromHexString("0a0408021800"));
        var cid = Cid.Compute([]);
        cid.V0.ShouldBe("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
        cid.V1.ShouldBe("bafybeif7ztnhq65lumvvtr4ekcwd2ifwgm3awq4zfr3srh462rwyinlb4y");
    }

    [Fact]
    public void Compute_OneByte()
    {
        var cid = Cid.Compute("a"u8);
        cid.V0.ShouldBe("QmfDmsHTywy6L9Ne5RXsj5YumDedfBLMvCvmaxjBoe6w4d");
        cid.V1.ShouldBe("bafybeih22o2lqjyoumhqtqjwjomq3mzvdmxxeaivw52aoh2mytrlujo7yi");
    }

    [Fact]
    public void Compute_ExactlyOneFullChunk()
    {
        var cid = Cid.Compute(new byte[262_144]);
        cid.V0.ShouldBe("QmRk1rduJvo5DfEYAaLobS2za9tDszk35hzaNSDCJ74DA7");
        cid.V1.ShouldBe("bafybeibsr5kjsohzzjy5qvpycm27g3npukuluduozbmvywb6bdrpocmv7a");
        UnixFsBlock.Encode(new byte[262_144]).Length.ShouldBe(UnixFsBlock.MaxBlockLength);
    }

    [Fact]
    public void Compute_OneByteOverAChunk_IsRefused()
    {
        var e = Should.Throw<ContentTooLargeException>(() => Cid.Compute(new byte[262_145]));
        e.Length.ShouldBe(262_145);
        e.Message.ShouldContain("262,144");
    }

    [Fact]
    public void Block_Hello_IsTheDocumentedBytes()
    {
        // 0a 0b | 08 02 | 12 05 "hello" | 18 05
        UnixFsBlock.Encode("hello"u8).ShouldBe(Convert.FromHexString("0a0b08021205" + "68656c6c6f" + "1805"));
    }

    [Fact]
    public void Block_LengthsAcrossVarintBoundaries_DecodeBack()
    {
        foreach (var n in new[] { 0, 1, 100, 117, 118, 127, 128, 129, 16_370, 16_383, 16_384, 262_144 })
        {
            var content = RandomNumberGenerator.GetBytes(n);
            var block = UnixFsBlock.Encode(content);
            UnixFsBlock.Decode(block).ShouldBe(content, $"{n} bytes");
            Cid.FromBlock(block).ShouldBe(Cid.Compute(content));
            SHA256.HashData(block).ShouldBe(Cid.Compute(content).ToDigestBytes());
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("0a0408021801")]                 // filesize disagrees with the data
    [InlineData("0a0408011800")]                 // UnixFS type 1 (directory)
    [InlineData("0a0b08021205" + "68656c6c6f" + "180500")] // trailing byte
    [InlineData("0a0c08021205" + "68656c6c6f" + "188500")] // non-minimal varint
    [InlineData("0a06080212001800")]             // an empty data field Kubo never writes
    public void Block_NotExactlyWhatIpfsAddMakes_IsRefused(string hex) =>
        UnixFsBlock.TryDecode(Convert.FromHexString(hex), out _).ShouldBeFalse();

    [Fact]
    public void Parse_AcceptsBothForms_AsTheSameCid()
    {
        var v0 = Cid.Parse("QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX");
        var v1 = Cid.Parse("bafybeid3weurg3gvyoi7nisadzolomlvoxoppe2sesktnpvdve3256n5tq");

        v0.ShouldBe(v1);
        (v0 == v1).ShouldBeTrue();
        v0.GetHashCode().ShouldBe(v1.GetHashCode());
        v1.V0.ShouldBe("QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX");
        v0.ShouldBe(Cid.Compute("hello"u8));
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaY0")]   // 47 characters
    [InlineData("QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYec0X")]   // '0' is not base58
    [InlineData("BAFYBEID3WEURG3GVYOI7NISADZOLOMLVOXOPPE2SESKTNPVDVE3256N5TQ")]
    [InlineData("bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq")] // raw codec (0x55)
    [InlineData("bafybgibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq")] // multihash 0x13 (sha2-512 code), not sha2-256
    [InlineData("zdj7WWeQ43G6JJvLWQWZpyHuAMq6uYWRjkBXFad11vE2LHhQ7")]           // base58 CIDv1
    [InlineData("bafybeid3weurg3gvyoi7nisadzolomlvoxoppe2sesktnpvdve3256n5t")]   // one character short
    public void Parse_AnythingElse_IsRefused(string text)
    {
        Cid.TryParse(text, out _).ShouldBeFalse();
        Should.Throw<FormatException>(() => Cid.Parse(text));
    }

    [Fact]
    public void Parse_RawCodecCid_SaysWhy() =>
        Should.Throw<FormatException>(() => Cid.Parse("bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"))
            .Message.ShouldContain("dag-pb");

    [Fact]
    public void Digest_RoundTripsToTheSameCid()
    {
        var cid = Cid.Compute("an invoice"u8);
        var bytes32 = cid.ToDigestBytes();

        bytes32.Length.ShouldBe(32);
        Cid.FromDigest(bytes32).ShouldBe(cid);
        Cid.FromDigest(bytes32).V0.ShouldBe(cid.V0);
        Cid.FromDigestHex("0x" + cid.DigestHex).ShouldBe(cid);
        Cid.FromDigestHex(cid.DigestHex.ToUpperInvariant()).ShouldBe(cid);
        Should.Throw<ArgumentException>(() => Cid.FromDigest(new byte[31]));
        Should.Throw<FormatException>(() => Cid.FromDigestHex("1234"));
    }

    [Fact]
    public void ToDigestBytes_IsACopy()
    {
        var cid = Cid.Compute("x"u8);
        var bytes = cid.ToDigestBytes();
        bytes[0] ^= 0xff;
        cid.ToDigestBytes()[0].ShouldNotBe(bytes[0]);
    }

    [Fact]
    public void Json_IsTheCidV0String_AndReadsEitherForm()
    {
        var cid = Cid.Compute("hello"u8);
        JsonSerializer.Serialize(cid).ShouldBe("\"QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX\"");
        JsonSerializer.Deserialize<Cid>("\"bafybeid3weurg3gvyoi7nisadzolomlvoxoppe2sesktnpvdve3256n5tq\"").ShouldBe(cid);
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize<Cid>("\"nope\""));
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize<Cid>("42"));
    }

    [Fact]
    public void V1_StartsWithTheConstantPrefix_SoTheShardIsTheDigestsFirstByte()
    {
        var shards = new HashSet<string>();
        for (var i = 0; i < 2000; i++)
        {
            var cid = Cid.Compute(Encoding.ASCII.GetBytes($"object {i}"));
            cid.V1.ShouldStartWith(EmbeddedOffChainStore.CidV1Prefix);
            shards.Add(cid.V1.Substring(7, 2));
        }
        shards.Count.ShouldBe(256);
    }
}
