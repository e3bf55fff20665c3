using MaaS.Chain.Proofs;
using MaaS.Testing;

namespace MaaS.Anchoring.Tests.Support;

/// <summary>One <see cref="AnchoringWorld"/> shared by the tests of a class (they run one after another).</summary>
public abstract class WorldFixture : IAsyncLifetime
{
    protected abstract string Purpose { get; }

    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public AnchoringWorld World { get; private set; } = null!;

    public async Task InitializeAsync() => World = await AnchoringWorld.CreateAsync(Purpose, Settings);

    public async Task DisposeAsync() => await World.DisposeAsync();

    /// <summary>The proof of one reading as the operator gets it, once its round is mined.</summary>
    public Task<ReadingProof> ProofAsync(Guid machine, long seq) =>
        Eventually.GetAsync(async () =>
        {
            using var client = World.ClientFor(TestMembers.Operator);
            using var response = await client.GetAsync($"/api/anchoring/proofs/{machine}/{seq}");
            return response.IsSuccessStatusCode ? ReadingProof.FromJson(await response.Content.ReadAsStringAsync()) : null;
        }, $"the proof of reading {seq} of machine {machine}", TimeSpan.FromSeconds(60));

    public Task<ProofVerification> VerifyAsync(ReadingProof proof) =>
        ProofVerifier.VerifyAsync(proof, World.Web3, new ProofVerifierOptions { ExpectedAnchor = World.Anchor });
}
