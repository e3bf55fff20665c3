namespace MaaS.Invoicing;

/// <summary>Names this service's assembly for hosts and tests (several services' Program classes would clash).</summary>
public sealed class InvoicingApi;
