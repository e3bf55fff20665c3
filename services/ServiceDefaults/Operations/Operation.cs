using System.Numerics;
using MaaS.Chain.Transactions;

namespace MaaS.ServiceDefaults.Operations;

/// <summary>One transaction of an operation, planned when the command is accepted and sent in order.</summary>
public sealed record OperationStep(string Name, string From, string To, string Data, string Value = "0", long? Gas = null)
{
    public TransactionRequest ToRequest(string idempotencyKey) =>
        new(idempotencyKey, From, To, Data) { Value = BigInteger.Parse(Value, System.Globalization.CultureInfo.InvariantCulture), Gas = Gas };
}

// The operation's events: the intent is event-sourced like the chain facts it leads to.
public sealed record OperationAccepted(Guid OperationId, string Kind, Guid MemberId, string Subject, IReadOnlyList<OperationStep> Steps, DateTimeOffset At);

public sealed record OperationStepSubmitted(Guid OperationId, int Step, string TransactionKey, string TransactionHash, long Nonce, DateTimeOffset At);

public sealed record OperationStepMined(Guid OperationId, int Step, string TransactionHash, long Block, long GasUsed, DateTimeOffset At);

public sealed record OperationStepFinal(Guid OperationId, int Step, DateTimeOffset At);

public sealed record OperationStepFailed(Guid OperationId, int Step, string Error, string? TransactionHash, DateTimeOffset At);

public enum OperationStatus
{
    Submitted,
    Mined,
    Final,
    Failed,
}

public sealed record StepView(
    string Name, string? TransactionHash, long? Nonce, long? Block, long? GasUsed, string? Error,
    DateTimeOffset? SubmittedAt, DateTimeOffset? MinedAt, DateTimeOffset? FinalAt)
{
    public bool IsMined => MinedAt is not null;

    public bool IsFinal => FinalAt is not null;

    public bool IsFailed => Error is not null;
}

/// <summary>The operation resource (inline projection): what was asked, and how far each transaction has come.</summary>
public sealed record OperationView(
    Guid Id, string Kind, Guid MemberId, string Subject, OperationStatus Status, IReadOnlyList<StepView> Steps, DateTimeOffset AcceptedAt,
    DateTimeOffset? CompletedAt, string? Error, IReadOnlyList<OperationStep> Plan)
{
    public bool IsTerminal => Status is OperationStatus.Final or OperationStatus.Failed;

    /// <summary>The step to work on next: the first one not yet mined.</summary>
    public int NextStep => Steps.Select((s, i) => (s, i)).FirstOrDefault(x => !x.s.IsMined, (null!, Steps.Count)).Item2;

    public static OperationView Create(OperationAccepted e) => new(e.OperationId, e.Kind, e.MemberId, e.Subject, OperationStatus.Submitted,
        [.. e.Steps.Select(s => new StepView(s.Name, null, null, null, null, null, null, null, null))], e.At, null, null, e.Steps);

    public OperationView Apply(OperationStepSubmitted e) =>
        With(e.Step, s => s with { TransactionHash = e.TransactionHash, Nonce = e.Nonce, SubmittedAt = s.SubmittedAt ?? e.At }, e.At);

    public OperationView Apply(OperationStepMined e) =>
        With(e.Step, s => s with { TransactionHash = e.TransactionHash, Block = e.Block, GasUsed = e.GasUsed, MinedAt = e.At }, e.At);

    public OperationView Apply(OperationStepFinal e) => With(e.Step, s => s with { FinalAt = e.At }, e.At);

    public OperationView Apply(OperationStepFailed e) =>
        With(e.Step, s => s with { Error = e.Error, TransactionHash = e.TransactionHash ?? s.TransactionHash }, e.At) with { Error = e.Error };

    private OperationView With(int index, Func<StepView, StepView> change, DateTimeOffset at)
    {
        var steps = Steps.Select((s, i) => i == index ? change(s) : s).ToList();
        var status = steps.Any(s => s.IsFailed) ? OperationStatus.Failed
            : steps.All(s => s.IsFinal) ? OperationStatus.Final
            : steps.All(s => s.IsMined) ? OperationStatus.Mined
            : OperationStatus.Submitted;
        return this with
        {
            Steps = steps,
            Status = status,
            CompletedAt = status is OperationStatus.Final or OperationStatus.Failed ? CompletedAt ?? at : null,
        };
    }
}
