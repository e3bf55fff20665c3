namespace MaaS.OffChain;

/// <summary>A store could not do what was asked (e.g. Kubo answered with an error that is not "not found").</summary>
public class OffChainStoreException : Exception
{
    public OffChainStoreException()
    {
    }

    public OffChainStoreException(string message)
        : base(message)
    {
    }

    public OffChainStoreException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The store does not hold (or could not find) the object with this CID.</summary>
public sealed class ContentNotFoundException : OffChainStoreException
{
    public ContentNotFoundException()
    {
    }

    public ContentNotFoundException(string message)
        : base(message)
    {
    }

    public ContentNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public ContentNotFoundException(Cid cid, string? detail = null)
        : base($"Off-chain object {cid} was not found{(detail is null ? "." : $": {detail}")}") => Cid = cid;

    public Cid? Cid { get; }
}

/// <summary>
/// Bytes that came back for a CID do not hash to it (a tampered or damaged file, a lying or broken
/// node), or a store named a CID other than the one computed locally. The bytes are never returned.
/// </summary>
public sealed class ContentIntegrityException : OffChainStoreException
{
    public ContentIntegrityException()
    {
    }

    public ContentIntegrityException(string message)
        : base(message)
    {
    }

    public ContentIntegrityException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public ContentIntegrityException(Cid expected, string? actual, string detail)
        : base($"Integrity check failed for {expected}: {detail}{(actual is null ? "" : $" (got {actual})")}.")
    {
        Expected = expected;
        Actual = actual;
    }

    public Cid? Expected { get; }

    /// <summary>What the bytes or the node gave instead, where there is a CID to show.</summary>
    public string? Actual { get; }
}

/// <summary>Content larger than one UnixFS chunk: split it before storing, or its CID would not be a one-block CID.</summary>
public sealed class ContentTooLargeException : ArgumentException
{
    public ContentTooLargeException()
    {
    }

    public ContentTooLargeException(string message)
        : base(message)
    {
    }

    public ContentTooLargeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public ContentTooLargeException(long length)
        : base($"Content is {length:N0} bytes; an off-chain object is one UnixFS chunk of at most {UnixFsBlock.MaxContentLength:N0} bytes. Split it into several objects.", "content")
        => Length = length;

    public long Length { get; }
}
