using System.Runtime.InteropServices;

namespace OpenCryptokiActors.Native.Interop;

/// <summary>
/// The few libc calls the module needs. Raw file descriptors instead of System.Net.Sockets: no hidden
/// threads, no finalizers, nothing that would not survive fork(); every call blocks on the caller's thread.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    public const int AF_UNIX = 1;
    public const int SOCK_STREAM = 1;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;
    public const int SO_ERROR = 4;
    public const int MSG_NOSIGNAL = 0x4000;

    public const short POLLIN = 0x1;
    public const short POLLOUT = 0x4;

    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int ECONNREFUSED = 111;
    public const int EINPROGRESS = 115;

    /// <summary>sizeof(sockaddr_un.sun_path).</summary>
    public const int SunPathLength = 108;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Lib, EntryPoint = "getpid")]
    public static partial int GetPid();

    [LibraryImport(Lib, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Lib, EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int fd, byte* address, uint addressLength);

    [LibraryImport(Lib, EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Lib, EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, ulong count, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int name, int* value, uint* length);

    [LibraryImport(Lib, EntryPoint = "getuid")]
    public static partial uint GetUid();

    [LibraryImport(Lib, EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, byte* buffer);

    /// <summary>The owning group of a file (x86_64 struct stat: st_gid at offset 32), or null.</summary>
    public static int? FileGroup(string path)
    {
        var buffer = stackalloc byte[256];
        if (Stat(path, buffer) != 0) return null;
        return *(int*)(buffer + 32);
    }

    public const int F_GETFL = 3;
    public const int F_SETFL = 4;
    public const int O_NONBLOCK = 0x800;
    public const int PROT_READ_WRITE = 0x1 | 0x2;
    public const int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    public const int MADV_WIPEONFORK = 18;

    [LibraryImport(Lib, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport(Lib, EntryPoint = "mmap", SetLastError = true)]
    public static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport(Lib, EntryPoint = "munmap")]
    public static partial int Munmap(void* address, nuint length);

    [LibraryImport(Lib, EntryPoint = "madvise", SetLastError = true)]
    public static partial int Madvise(void* address, nuint length, int advice);

    /// <summary>
    /// pthread_atfork is a static stub of libc_nonshared.a, not a symbol of libc.so.6; this is what it calls (the DSO handle
    /// NULL: the handlers stay for the life of the process, as the module does, linked -z nodelete).
    /// </summary>
    [LibraryImport(Lib, EntryPoint = "__register_atfork")]
    private static partial int RegisterAtfork(delegate* unmanaged<void> prepare, delegate* unmanaged<void> parent, delegate* unmanaged<void> child, void* dso);

    public static int PthreadAtfork(delegate* unmanaged<void> prepare, delegate* unmanaged<void> parent, delegate* unmanaged<void> child) =>
        RegisterAtfork(prepare, parent, child, null);

    [LibraryImport(Lib, EntryPoint = "close")]
    public static partial int Close(int fd);

    public const int O_WRONLY = 0x1;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_APPEND = 0x400;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_CLOEXEC = 0x80000;
    public const int EEXIST = 17;
    public const int SO_RCVTIMEO = 20;
    public const int SO_SNDTIMEO = 21;
    public const int LOG_ERR = 3;
    public const int LOG_USER = 1 << 3;
    public const int LOG_PID = 0x01;

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, uint mode);

    [LibraryImport(Lib, EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mkdir(string path, uint mode);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint length);

    [LibraryImport(Lib, EntryPoint = "fchown", SetLastError = true)]
    public static partial int Fchown(int fd, int uid, int gid);

    [LibraryImport(Lib, EntryPoint = "fchmod", SetLastError = true)]
    public static partial int Fchmod(int fd, uint mode);

    [LibraryImport(Lib, EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport(Lib, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

    /// <summary>syslog(3) with a fixed "%s" format: the message is never a format string.</summary>
    [LibraryImport(Lib, EntryPoint = "syslog")]
    public static partial void Syslog(int priority, byte* format, byte* message);

    /// <summary>The mode bits (x86_64 struct stat: st_mode at offset 24) and owner (st_uid at 28) of a path (lstat: links not followed), or null.</summary>
    public static (uint Mode, int Uid)? LinkStat(string path)
    {
        var buffer = stackalloc byte[256];
        if (Lstat(path, buffer) != 0) return null;
        return (*(uint*)(buffer + 24), *(int*)(buffer + 28));
    }

    [LibraryImport(Lib, EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Lstat(string path, byte* buffer);

    public static string ErrorText(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}
