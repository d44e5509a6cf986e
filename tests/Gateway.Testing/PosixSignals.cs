using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Gateway.Testing;

/// <summary>
/// Sends POSIX signals. <see cref="Process.Kill()"/> only sends SIGKILL; graceful-shutdown tests need SIGTERM,
/// which is what an orchestrator sends on deploy, and partition tests SIGSTOP/SIGCONT (a frozen peer whose TCP
/// connections stay open).
/// </summary>
internal static class PosixSignals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    public static void Send(Process process, int signal)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("POSIX signals are not available on Windows.");
        }

        if (Kill(process.Id, signal) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            const int NoSuchProcess = 3; // ESRCH: it has already exited, which is what the caller wanted.
            if (errno != NoSuchProcess)
            {
                throw new InvalidOperationException($"kill({process.Id}, {signal}) failed with errno {errno}.");
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
