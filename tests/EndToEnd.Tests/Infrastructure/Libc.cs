using System.Runtime.InteropServices;

namespace OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

/// <summary>The few libc calls the fixture needs: the real process environment and signals.</summary>
internal static partial class Libc
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    /// <summary>
    /// Sets a variable in the native environment. Environment.SetEnvironmentVariable does not (on Unix .NET keeps
    /// its own copy), and the NativeAOT module reads the native one.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "getuid")]
    public static partial uint GetUid();
}
