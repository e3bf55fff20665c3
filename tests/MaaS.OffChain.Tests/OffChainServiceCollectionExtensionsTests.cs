using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MaaS.OffChain.Tests;

public class OffChainServiceCollectionExtensionsTests
{
    [Fact]
    public async Task Embedded_IsResolvedFromConfiguration()
    {
        var directory = Directory.CreateTempSubdirectory("maas-offchain-di-");
        try
        {
            await using var provider = Provider(new() { ["OffChain:Kind"] = "embedded", ["OffChain:DataDirectory"] = directory.FullName });

            var store = provider.GetRequiredService<IOffChainStore>().ShouldBeOfType<EmbeddedOffChainStore>();

            store.DataDirectory.ShouldBe(directory.FullName);
            provider.GetRequiredService<IOffChainStore>().ShouldBeSameAs(store);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Kubo_IsResolvedFromConfiguration_AndTalksToTheConfiguredNode()
    {
        await using var kubo = await FakeKubo.StartAsync();
        // Without the trailing slash on purpose: the registration adds it.
        await using var provider = Provider(new() { ["OffChain:Kind"] = "KUBO", ["OffChain:KuboApiUrl"] = kubo.ApiUrl.AbsoluteUri.TrimEnd('/') });

        var store = provider.GetRequiredService<IOffChainStore>();

        store.ShouldBeOfType<KuboOffChainStore>();
        var cid = await store.PutAsync("via DI"u8.ToArray());
        (await store.GetAsync(cid)).ShouldBe("via DI"u8.ToArray());
    }

    [Theory]
    [InlineData("ipfs", null, null)]
    [InlineData("embedded", null, null)]
    [InlineData("kubo", null, null)]
    [InlineData("kubo", null, "not a url")]
    public async Task InvalidOptions_FailValidation(string kind, string? dataDirectory, string? kuboApiUrl)
    {
        var settings = new Dictionary<string, string?> { ["OffChain:Kind"] = kind };
        if (dataDirectory is not null)
            settings["OffChain:DataDirectory"] = dataDirectory;
        if (kuboApiUrl is not null)
            settings["OffChain:KuboApiUrl"] = kuboApiUrl;
        await using var provider = Provider(settings);

        Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOffChainStore>())
            .Message.ShouldContain("OffChain:");
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddOffChainStore(configuration.GetSection("OffChain"))
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    [Fact]
    public void Options_DefaultToTheEmbeddedStore()
    {
        var options = new OffChainStoreOptions();
        options.Kind.ShouldBe(OffChainStoreOptions.EmbeddedKind);
        Options.Create(options).Value.KuboTimeout.ShouldBe(TimeSpan.FromSeconds(60));
    }
}
