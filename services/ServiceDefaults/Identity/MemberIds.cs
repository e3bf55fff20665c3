using System.Text;
using Nethereum.Util;

namespace MaaS.ServiceDefaults.Identity;

/// <summary>
/// A member's id is derived from its account, so every deployment of the consortium names a member the same way
/// and a chain event about an address lands on that member's stream without a lookup.
/// </summary>
public static class MemberIds
{
    public static Guid For(string account)
    {
        var hash = Sha3Keccack.Current.CalculateHash(Encoding.ASCII.GetBytes("maas-member:" + account.ToLowerInvariant()));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
