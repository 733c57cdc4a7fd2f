using System.Runtime.InteropServices;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>The few libc calls the socket server needs.</summary>
internal static partial class Libc
{
    [LibraryImport("libc", SetLastError = true)]
    internal static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int chown(string path, int owner, int group);
}

/// <summary>Unix group lookups from /etc/group and /proc (no NSS needed for local groups).</summary>
internal static class UnixGroups
{
    /// <summary>The gid of a group name, or null when no such group exists.</summary>
    public static int? Gid(string name)
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/group"))
            {
                var parts = line.Split(':');
                if (parts.Length >= 3 && parts[0] == name && int.TryParse(parts[2], out var gid)) return gid;
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    /// <summary>All groups (primary and supplementary) of a running process, from /proc/PID/status.</summary>
    public static IReadOnlyCollection<int> GroupsOf(int pid)
    {
        var groups = new HashSet<int>();
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("Gid:", StringComparison.Ordinal) || line.StartsWith("Groups:", StringComparison.Ordinal))
                    foreach (var g in line[(line.IndexOf(':') + 1)..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                        if (int.TryParse(g, out var gid)) groups.Add(gid);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return groups;
    }
}
