using System.Runtime.InteropServices;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>The few libc calls the socket server and the privilege drop need.</summary>
internal static unsafe partial class Libc
{
    internal const int EINTR = 4;
    internal const int EAGAIN = 11;
    internal const int MSG_DONTWAIT = 0x40;
    internal const int MSG_NOSIGNAL = 0x4000;
    internal const uint EPOLLIN = 0x001;
    internal const uint EPOLLERR = 0x008;
    internal const uint EPOLLHUP = 0x010;
    internal const uint EPOLLRDHUP = 0x2000;
    internal const uint EPOLLONESHOT = 1u << 30;
    internal const int EPOLL_CTL_ADD = 1;
    internal const int EPOLL_CTL_DEL = 2;
    internal const int EPOLL_CTL_MOD = 3;
    internal const int SOL_SOCKET = 1;
    internal const int SO_RCVTIMEO = 20;
    internal const int PR_SET_DUMPABLE = 4;

    /// <summary>struct epoll_event: packed (12 bytes) on x86-64, 16 bytes elsewhere.</summary>
    internal static readonly int EpollEventSize = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture ==
                                                  System.Runtime.InteropServices.Architecture.X64 ? 12 : 16;

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int epoll_wait(int epfd, byte* events, int maxEvents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial nint recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial nint send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int setsockopt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial void* mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial void* mremap(void* address, nuint oldLength, nuint newLength, int flags);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int munmap(void* address, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <summary>Writes one epoll_event (events, data) into <paramref name="ev"/>.</summary>
    internal static void EpollEvent(byte* ev, uint events, ulong data)
    {
        *(uint*)ev = events;
        *(ulong*)(ev + (EpollEventSize == 12 ? 4 : 8)) = data;
    }

    /// <summary>The data word of the i-th event of an epoll_wait result.</summary>
    internal static ulong EpollData(byte* events, int i) => *(ulong*)(events + i * EpollEventSize + (EpollEventSize == 12 ? 4 : 8));

    internal static uint EpollEvents(byte* events, int i) => *(uint*)(events + i * EpollEventSize);

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
