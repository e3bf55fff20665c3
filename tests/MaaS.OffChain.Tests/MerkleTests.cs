using System.Security.Cryptography;
using System.Text.Json;

namespace MaaS.OffChain.Tests;

public class MerkleTests
{
    // The Certificate Transparency reference leaves; roots below were computed with printf | xxd -r -p | sha256sum
    // following RFC 6962's recursive MTH (see docs/offchain-formats.md), independently of this code.
    private static readonly byte[][] CtLeaves =
    [
        [],
        [0x00],
        [0x10],
        [0x20, 0x21],
        [0x30, 0x31],
        [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ];

    private static readonly string[] CtRoots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    [Fact]
    public void HashLeaf_OfEmpty_IsSha256OfTheZeroByte() =>
        Convert.ToHexStringLower(Merkle.HashLeaf([])).ShouldBe("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");

    [Fact]
    public void EmptyTree_IsSha256OfTheEmptyString()
    {
        const string sha256OfNothing = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        Convert.ToHexStringLower(Merkle.EmptyRoot()).ShouldBe(sha256OfNothing);
        MerkleTree.FromLeafData([]).RootHex.ShouldBe(sha256OfNothing);
        Convert.ToHexStringLower(Merkle.ComputeRoot(ReadOnlySpan<byte>.Empty)).ShouldBe(sha256OfNothing);
    }

    [Fact]
    public void TwoLeafTree_IsTheNodeHashOfBothLeaves()
    {
        // printf '\x00' | sha256sum; printf '\x00\x00' | sha256sum; printf '01<l0><l1>' | xxd -r -p | sha256sum
        var left = Merkle.HashLeaf([]);
        var right = Merkle.HashLeaf([0x00]);
        Convert.ToHexStringLower(right).ShouldBe("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");

        MerkleTree.FromLeafData([[], [0x00]]).RootHex.ShouldBe("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
        Convert.ToHexStringLower(Merkle.HashNode(left, right)).ShouldBe("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
    }

    [Fact]
    public void CertificateTransparencyVectors_Sizes1To8()
    {
        for (var n = 1; n <= CtLeaves.Length; n++)
            MerkleTree.FromLeafData(CtLeaves[..n]).RootHex.ShouldBe(CtRoots[n - 1], $"size {n}");
    }

    [Fact]
    public void IterativeRoot_EqualsRfc6962RecursiveMth_ForSizes1To300()
    {
        var leaves = RandomLeafHashes(300, seed: 1);
        var reference = new Rfc6962(leaves);
        for (var n = 1; n <= 300; n++)
        {
            var expected = reference.Mth(0, n);
            MerkleTree.FromLeafHashes(leaves[..n]).Root.ToArray().ShouldBe(expected, $"tree of {n}");
            Merkle.ComputeRoot(leaves[..n]).ShouldBe(expected, $"root of {n}");
        }
    }

    [Fact]
    public void AuditPaths_EqualRfc6962RecursivePath_ForEveryLeaf_OfSizes1To300()
    {
        var leaves = RandomLeafHashes(300, seed: 2);
        var reference = new Rfc6962(leaves);
        for (var n = 1; n <= 300; n++)
        {
            var tree = MerkleTree.FromLeafHashes(leaves[..n]);
            for (var m = 0; m < n; m++)
            {
                var expected = reference.Path(m, 0, n);
                var actual = tree.GetAuditPath(m);
                var same = actual.Count == expected.Count && actual.Zip(expected).All(pair => pair.First.AsSpan().SequenceEqual(pair.Second));
                if (!same)
                    Assert.Fail($"Audit path of leaf {m} in a tree of {n} differs from RFC 6962 PATH: {actual.Count} vs {expected.Count} hashes.");
            }
        }
    }

    [Theory]
    [InlineData(4_097)]
    [InlineData(10_000)]
    public void LargerTrees_MatchTheRecursiveDefinition(int size)
    {
        var leaves = RandomLeafHashes(size, seed: size);
        var reference = new Rfc6962(leaves);
        var tree = MerkleTree.FromLeafHashes(leaves);

        tree.Root.ToArray().ShouldBe(reference.Mth(0, size));
        Merkle.ComputeRoot(leaves).ShouldBe(reference.Mth(0, size));
        foreach (var m in new[] { 0, 1, 2047, 2048, 4095, 4096, size - 2, size - 1 })
        {
            var expected = reference.Path(m, 0, size);
            var actual = tree.GetAuditPath(m);
            actual.Count.ShouldBe(expected.Count);
            actual.Zip(expected).ShouldAllBe(pair => pair.First.SequenceEqual(pair.Second));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(1000)]
    [InlineData(1025)]
    public void EveryProof_Verifies(int size)
    {
        var tree = MerkleTree.FromLeafHashes(RandomLeafHashes(size, seed: size));
        for (var m = 0; m < size; m++)
        {
            var proof = tree.GetProof(m);
            Merkle.VerifyInclusion(m, size, tree.GetLeafHash(m), tree.GetAuditPath(m), tree.Root).ShouldBeTrue($"leaf {m} of {size}");
            proof.Verify(tree.Root).ShouldBeTrue($"proof of leaf {m} of {size}");
            proof.Root.ShouldBe(tree.RootHex);
        }
    }

    [Fact]
    public void AModifiedLeaf_PathElement_Index_Size_OrRoot_FailsVerification()
    {
        // A wrong tree size is only caught where it changes the path's shape (here: the last leaf). Elsewhere the
        // same path is valid for several sizes, which is why the size must come from the same trusted source as the root.
        const int size = 13;
        var tree = MerkleTree.FromLeafHashes(RandomLeafHashes(size, seed: 13));
        for (var m = 0; m < size; m++)
        {
            var leaf = tree.GetLeafHash(m);
            var path = tree.GetAuditPath(m);
            var root = tree.Root.ToArray();
            Merkle.VerifyInclusion(m, size, leaf, path, root).ShouldBeTrue();

            Merkle.VerifyInclusion(m, size, Flip(leaf, 0), path, root).ShouldBeFalse("modified leaf");
            for (var i = 0; i < path.Count; i++)
            {
                var modified = path.ToList();
                modified[i] = Flip(path[i], 31);
                Merkle.VerifyInclusion(m, size, leaf, modified, root).ShouldBeFalse($"modified path[{i}] of leaf {m}");
            }
            Merkle.VerifyInclusion(m, size, leaf, path, Flip(root, 5)).ShouldBeFalse("other root");
            Merkle.VerifyInclusion((m + 1) % size, size, leaf, path, root).ShouldBeFalse("other index");
            if (m == size - 1)
                Merkle.VerifyInclusion(m, size + 1, leaf, path, root).ShouldBeFalse("other size");
            Merkle.VerifyInclusion(m, size, leaf, path.Take(path.Count - 1).ToList(), root).ShouldBeFalse("short path");
            Merkle.VerifyInclusion(m, size, leaf, [.. path, leaf], root).ShouldBeFalse("long path");
            Merkle.VerifyInclusion(m, m, leaf, path, root).ShouldBeFalse("index not below size");
        }
    }

    [Fact]
    public void Proof_Json_HasTheDocumentedShape_AndVerifiesAfterARoundTrip()
    {
        var tree = MerkleTree.FromLeafData(CtLeaves);
        var proof = tree.GetProof(5);

        var json = JsonSerializer.Serialize(proof);
        using (var document = JsonDocument.Parse(json))
        {
            var root = document.RootElement;
            root.EnumerateObject().Select(p => p.Name).ShouldBe(["leafIndex", "treeSize", "leafHash", "path", "root"]);
            root.GetProperty("leafIndex").GetInt64().ShouldBe(5);
            root.GetProperty("treeSize").GetInt64().ShouldBe(8);
            root.GetProperty("leafHash").GetString().ShouldBe(Convert.ToHexStringLower(Merkle.HashLeaf(CtLeaves[5])));
            root.GetProperty("path").GetArrayLength().ShouldBe(3);
            root.GetProperty("root").GetString().ShouldBe(CtRoots[7]);
        }

        var read = JsonSerializer.Deserialize<MerkleProof>(json)!;
        read.Verify(Convert.FromHexString(CtRoots[7])).ShouldBeTrue();
        read.Verify(CtLeaves[5], Convert.FromHexString(CtRoots[7])).ShouldBeTrue();
        read.Verify(CtLeaves[4], Convert.FromHexString(CtRoots[7])).ShouldBeFalse("other leaf data");
        read.Verify(Convert.FromHexString(CtRoots[6])).ShouldBeFalse("untrusted root in the proof is not used");
        (read with { Path = [.. read.Path.Take(2), "zz"] }).ComputeRoot().ShouldBeNull();
        (read with { LeafHash = "0x" + read.LeafHash }).Verify(Convert.FromHexString(CtRoots[7])).ShouldBeTrue();
    }

    [Fact]
    public void AMillionLeaves_BuildAndProve()
    {
        const int size = 1_000_000;
        var flat = new byte[size * Merkle.HashLength];
        for (var i = 0; i < size; i++)
            Merkle.HashLeaf(BitConverter.GetBytes(i), flat.AsSpan(i * Merkle.HashLength, Merkle.HashLength));

        var tree = MerkleTree.FromLeafHashes(flat);

        tree.Size.ShouldBe(size);
        foreach (var m in new[] { 0, 1, 499_999, 524_287, 524_288, 999_998, 999_999 })
        {
            var proof = tree.GetProof(m);
            proof.Path.Count.ShouldBeLessThanOrEqualTo(20);
            proof.Verify(BitConverter.GetBytes(m), tree.Root).ShouldBeTrue($"leaf {m}");
        }
    }

    private static byte[][] RandomLeafHashes(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            var data = new byte[random.Next(0, 40)];
            random.NextBytes(data);
            return Merkle.HashLeaf(data);
        })];
    }

    private static byte[] Flip(byte[] hash, int index)
    {
        var copy = (byte[])hash.Clone();
        copy[index] ^= 0x80;
        return copy;
    }

    /// <summary>
    /// RFC 6962 §2.1 and §2.1.1 written as they read, recursively, as the reference. MTH(D[start:start+n]) depends
    /// only on those leaves, so it is memoised; that keeps every-leaf-of-every-size checks fast without changing it.
    /// </summary>
    private sealed class Rfc6962(byte[][] leafHashes)
    {
        private readonly Dictionary<(int Start, int N), byte[]> _mth = [];

        public byte[] Mth(int start, int n)
        {
            if (n == 0)
                return SHA256.HashData([]);
            if (n == 1)
                return leafHashes[start];
            if (_mth.TryGetValue((start, n), out var cached))
                return cached;
            var k = LargestPowerOfTwoBelow(n);
            return _mth[(start, n)] = SHA256.HashData([0x01, .. Mth(start, k), .. Mth(start + k, n - k)]);
        }

        public List<byte[]> Path(int m, int start, int n)
        {
            if (n == 1)
                return [];
            var k = LargestPowerOfTwoBelow(n);
            return m < k
                ? [.. Path(m, start, k), Mth(start + k, n - k)]
                : [.. Path(m - k, start + k, n - k), Mth(start, k)];
        }

        private static int LargestPowerOfTwoBelow(int n)
        {
            var k = 1;
            while (k * 2 < n)
                k *= 2;
            return k;
        }
    }
}
