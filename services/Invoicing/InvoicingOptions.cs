namespace MaaS.Invoicing;

/// <summary>Configuration section <c>Invoicing</c> (docs/invoicing.md §6).</summary>
public sealed class InvoicingOptions
{
    public const string Section = "Invoicing";

    /// <summary>
    /// Late data allowance: a period is invoiced this long after its end, over the batches anchored (by chain time) before
    /// its end plus this grace. Readings anchored later go to the next period.
    /// </summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long after the cut-off the run waits before computing, so that batches anchored just before the cut-off have been
    /// announced (their round's finality plus delivery).
    /// </summary>
    public TimeSpan Settle { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the invoicing run and the verifier look for due work.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The Anchoring service's address (this deployment's): the readings of a batch are decrypted there for the member asking.</summary>
    public Uri AnchoringUrl { get; set; } = new("http://127.0.0.1:5103/");

    /// <summary>Verify and accept or dispute every issued invoice whose customer's key this deployment holds.</summary>
    public bool AutoVerify { get; set; } = true;

    /// <summary>Answer every dispute of an invoice whose OEM's key this deployment holds: compute again, re-issue if it now differs.</summary>
    public bool AnswerDisputes { get; set; } = true;
}
