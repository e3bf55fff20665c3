namespace MaaS.Gateway;

/// <summary>Names the gateway's assembly for hosts and tests (the services' Program classes would clash).</summary>
public sealed class GatewayApi;
