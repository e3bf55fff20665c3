namespace MaaS.Testing;

/// <summary>The checkout the tests run from: MAAS_ROOT, else the first folder upwards that holds the solution.</summary>
public static class Repository
{
    public static string Root { get; } = Locate();

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable("MAAS_ROOT") is { Length: > 0 } root) return root;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MaaS.Services.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find the checkout (MaaS.Services.sln); set MAAS_ROOT.");
    }
}
