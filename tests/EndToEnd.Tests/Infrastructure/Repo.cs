using System.Reflection;

namespace OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

/// <summary>Where things are: the repository root, the published module, the daemon's build output.</summary>
public static class Repo
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    /// <summary>The published NativeAOT module; <c>OCK_MODULE</c> overrides the path.</summary>
    public static string ModulePath
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("OCK_MODULE");
            return string.IsNullOrEmpty(fromEnv)
                ? Path.Combine(Root, "artifacts", "native", "libopencryptoki-actors.so")
                : Path.GetFullPath(fromEnv);
        }
    }

    /// <summary>
    /// The daemon entry: <c>OCK_SLOTD</c> (a .dll run with dotnet, or an executable) overrides; otherwise
    /// src/Host's build output for the configuration these tests were built with (the test project references
    /// src/Host, so it is built first).
    /// </summary>
    public static string DaemonPath
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("OCK_SLOTD");
            if (!string.IsNullOrEmpty(fromEnv))
                return Path.GetFullPath(fromEnv);
            var dir = typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .First(a => a.Key == "HostOutputDir").Value!;
            return Path.Combine(dir, "ock-slotd.dll");
        }
    }

    /// <summary>ock.dll from src/Cli's build output (the test projects that run ock reference src/Cli and carry CliOutputDir).</summary>
    public static string OckDll =>
        Path.Combine(typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "CliOutputDir").Value!, "ock.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OpenCryptokiActors.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException(
            $"Cannot find the repository root (OpenCryptokiActors.sln) above {AppContext.BaseDirectory}.");
    }
}
