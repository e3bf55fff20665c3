using System.Text;

namespace MaaS.OffChain.Tests;

public class MultibaseTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("00", "1")]
    [InlineData("0000287fb4cd", "11233QC4")]
    [InlineData("48656c6c6f20576f726c6421", "2NEpo7TZRRrLZSi2U")]
    [InlineData("12200000000000000000000000000000000000000000000000000000000000000000", "QmNLei78zWmzUdbeRB3CiUfAizWUrbeeZh5K1rhAQKCh51")]
    public void Base58Btc_KnownAnswers(string hex, string encoded)
    {
        var bytes = Convert.FromHexString(hex);
        Base58Btc.Encode(bytes).ShouldBe(encoded);
        Base58Btc.Decode(encoded).ShouldBe(bytes);
    }

    [Fact]
    public void Base58Btc_LongerText_KnownAnswer() =>
        Base58Btc.Encode(Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog."))
            .ShouldBe("USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z");

    [Theory]
    [InlineData("0OIl")]
    [InlineData("abc+")]
    [InlineData("Qm é")]
    public void Base58Btc_CharacterOutsideAlphabet_IsRefused(string text)
    {
        Base58Btc.TryDecode(text, out _).ShouldBeFalse();
        Should.Throw<FormatException>(() => Base58Btc.Decode(text));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("f", "my")]
    [InlineData("fo", "mzxq")]
    [InlineData("foo", "mzxw6")]
    [InlineData("foob", "mzxw6yq")]
    [InlineData("fooba", "mzxw6ytb")]
    [InlineData("foobar", "mzxw6ytboi")]
    public void Base32Lower_Rfc4648Vectors(string text, string encoded)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        Base32Lower.Encode(bytes).ShouldBe(encoded);
        Base32Lower.Decode(encoded).ShouldBe(bytes);
    }

    [Theory]
    [InlineData("MZXW6")]       // uppercase
    [InlineData("mzxw6===")]    // padding
    [InlineData("mzxw7")]       // non-zero trailing bits: not what Encode gives for any bytes
    [InlineData("m")]           // a length no whole number of bytes gives
    [InlineData("mzx")]
    [InlineData("mzxw1")]       // '1' is not in the alphabet
    public void Base32Lower_NonCanonicalInput_IsRefused(string text)
    {
        Base32Lower.TryDecode(text, out _).ShouldBeFalse();
        Should.Throw<FormatException>(() => Base32Lower.Decode(text));
    }

    [Fact]
    public void Both_RoundTripRandomBytes_OfEveryLengthUpTo100()
    {
        var random = new Random(6962);
        for (var length = 0; length <= 100; length++)
        {
            for (var trial = 0; trial < 5; trial++)
            {
                var bytes = new byte[length];
                random.NextBytes(bytes);
                if (trial == 0 && length > 2)
                    bytes[0] = bytes[1] = 0; // leading zeros are base58's special case

                Base58Btc.Decode(Base58Btc.Encode(bytes)).ShouldBe(bytes, $"base58, length {length}");
                Base32Lower.Decode(Base32Lower.Encode(bytes)).ShouldBe(bytes, $"base32, length {length}");
            }
        }
    }
}
