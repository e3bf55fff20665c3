namespace MaaS.ServiceDefaults.Hosting;

/// <summary>
/// Which service this process is, which instance of it (several may run behind the gateway), and the assembly
/// that holds its slices (validators and consumers are found there).
/// </summary>
public sealed record ServiceIdentity(string Name, string InstanceId, System.Reflection.Assembly Assembly)
{
    /// <summary>Every public route of the service lives under this prefix, which is also its gateway route.</summary>
    public string RoutePrefix => $"/api/{Name}";
}
