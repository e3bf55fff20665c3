using System.Runtime.InteropServices;

namespace MaaS.OffChain;

/// <summary>
/// fsync on a directory, so that a rename or unlink in it survives a power loss. .NET has no API for
/// it (a directory cannot be opened as a FileStream), hence the two libc calls.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0;
    private const int InvalidArgument = 22;

    public static void Flush(string directory)
    {
        // Windows has no directory handle to flush; NTFS journals the rename itself.
        if (OperatingSystem.IsWindows())
            return;

        var fd = Open(directory, ReadOnly);
        if (fd < 0)
            throw new IOException($"Cannot open directory '{directory}' to sync it (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            // Some filesystems (tmpfs, some FUSE mounts) refuse fsync on a directory with EINVAL: nothing to make durable there.
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() != InvalidArgument)
                throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    // DllImport rather than LibraryImport: the generated stubs would need AllowUnsafeBlocks for three trivial calls.
    [DllImport("libc", EntryPoint = "open", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open(string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);
}
