namespace MaaS.Contracts.Invoicing;

// Published by the Invoicing service when the chain event is final. Never rename: consumers bind to these names.
// Hashes are lower-case hex without prefix; CIDs are CIDv0 strings; amounts are minor units of the terms' currency.

/// <summary>The OEM issued revision <paramref name="Revision"/> of the invoice of <paramref name="Period"/>; the document is off-chain at <paramref name="DocumentCid"/>.</summary>
public sealed record InvoiceIssued(
    Guid MachineId, uint Period, ushort Revision, uint TermsVersion, long Total, string InvoiceHash, string DocumentCid, string InputsRoot,
    string TransactionHash, long Block, DateTimeOffset At);

public sealed record InvoiceAccepted(Guid MachineId, uint Period, ushort Revision, string TransactionHash, long Block, DateTimeOffset At);

/// <summary>The customer disputed; <paramref name="EvidenceCid"/> is the invoice document it computed itself.</summary>
public sealed record InvoiceDisputed(Guid MachineId, uint Period, ushort Revision, string EvidenceCid, string TransactionHash, long Block, DateTimeOffset At);

/// <summary>The OEM recorded the (off-chain) payment.</summary>
public sealed record InvoiceSettled(Guid MachineId, uint Period, ushort Revision, string TransactionHash, long Block, DateTimeOffset At);
