namespace MaaS.Contracts.Machines;

// Published by the Machines service when the chain event is final. Never rename: consumers bind to these names.
// Addresses are lower-case 0x hex; CIDs are CIDv0 strings; Block and TransactionHash say where it happened.

public sealed record MachineRegistered(
    Guid MachineId, string Oem, string Customer, string Model, ushort Region, string Device, uint TelemetryIntervalSeconds,
    string SpecCid, string TermsHash, string TransactionHash, long Block, DateTimeOffset At);

public sealed record MachineAccepted(Guid MachineId, uint TermsVersion, string TransactionHash, long Block, DateTimeOffset At);

public sealed record MachineStarted(Guid MachineId, string TransactionHash, long Block, DateTimeOffset At);

public sealed record MachineStopped(Guid MachineId, string TransactionHash, long Block, DateTimeOffset At);

public sealed record MachineReset(Guid MachineId, string TransactionHash, long Block, DateTimeOffset At);

public sealed record MachineTerminated(Guid MachineId, string By, string TransactionHash, long Block, DateTimeOffset At);

public sealed record MachineDeviceChanged(Guid MachineId, string Device, string TransactionHash, long Block, DateTimeOffset At);
