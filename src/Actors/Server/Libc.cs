using System.Runtime.InteropServices;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>The few libc calls the socket server and the privilege drop need.</summary>
internal static partial class Libc
{
    [LibraryImport("libc", SetLastError = true)]
    internal static partial uint geteuid();

    /// <summary>glibc's wrappers of the set*id calls change every thread of the process (not only the caller).</summary>
    [LibraryImport("libc", SetLastError = true)]
    internal static partial int setgroups(nuint size, [In] uint[] list);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int setresgid(uint rgid, uint egid, uint sgid);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int setresuid(uint ruid, uint euid, uint suid);

    /// <summary>statx(2): owner and mode of a path (fixed layout on every architecture).</summary>
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);

    /// <summary>Owner uid, group gid and mode bits of <paramref name="path"/> (symbolic links not followed); null when it does not exist.</summary>
    internal static (uint Uid, uint Gid, uint Mode)? Stat(string path)
    {
        var buffer = new byte[256];
        if (statx(-100 /* AT_FDCWD */, path, 0x100 /* AT_SYMLINK_NOFOLLOW */, 0x7ff /* STATX_BASIC_STATS */, buffer) != 0) return null;
        return (BitConverter.ToUInt32(buffer, 20), BitConverter.ToUInt32(buffer, 24), BitConverter.ToUInt16(buffer, 28));
    }

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
