using System.Diagnostics;
using System.Text;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native;

/// <summary>
/// The process's one connection to ock-slotd (docs/wire-protocol.md). Purely synchronous: a non-blocking
/// Unix socket driven with poll() on the caller's thread, no tasks, no timers, no threads of its own, so
/// it also works in a fork()ed child. Callers hold <see cref="Gate"/> around Begin → Call → reading the reply
/// → <see cref="Release"/>; the request writer and the receive buffer are reused under it.
/// </summary>
internal sealed unsafe class Connection
{
    /// <summary>Budget for connect + Hello: without a daemon C_Initialize fails fast instead of hanging.</summary>
    private const int HandshakeTimeoutMs = 1000;

    private const int InitialBufferSize = 4096;
    private const int KeepBufferSize = 1024 * 1024;

    private const int IoOk = 0;
    private const int IoEof = -1;
    private const int IoTimeout = -2;

    private readonly WireWriter _writer = new(InitialBufferSize);
    private byte[] _receive = new byte[InitialBufferSize];
    private int _received;
    private int _fd;
    private uint _nextId;
    private bool _broken;
    private bool _closed;

    private Connection(int pid, string socketPath, int fd)
    {
        Pid = pid;
        SocketPath = socketPath;
        _fd = fd;
    }

    /// <summary>The pid at C_Initialize; a different getpid() means we are in a fork()ed child.</summary>
    public int Pid { get; }

    public string SocketPath { get; }

    /// <summary>Serializes the calls of all threads of the process on this connection.</summary>
    public Lock Gate { get; } = new();

    public ulong ApplicationId { get; private set; }

    /// <summary>True after C_Finalize: calls that raced with it answer CKR_CRYPTOKI_NOT_INITIALIZED.</summary>
    public bool Closed => _closed;

    /// <summary>True after an I/O or framing failure: every later call answers CKR_DEVICE_ERROR.</summary>
    public bool Broken => _broken;

    /// <summary>Where the daemon listens: env, then ./var/run/slotd.socket if it exists, then the system path.</summary>
    public const string SocketVariable = "OPENCRYPTOKI_ACTORS_SOCKET";

    public static string ResolveSocketPath()
    {
        var env = Environment.GetEnvironmentVariable(SocketVariable);
        if (!string.IsNullOrEmpty(env)) return env;
        const string local = "./var/run/slotd.socket";
        try
        {
            if (File.Exists(local)) return Path.GetFullPath(local);
        }
        catch
        {
            // unreadable cwd: fall through to the system path
        }

        return "/run/opencryptoki-actors/slotd.socket";
    }

    /// <summary>Connects and says Hello within one second. Returns CKR_OK and the connection, or the rv for C_Initialize.</summary>
    public static ulong Open(int pid, out Connection? connection)
    {
        connection = null;
        var path = ResolveSocketPath();
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * HandshakeTimeoutMs / 1000;

        var error = ConnectSocket(path, deadline, out var fd);
        if (error != IoOk)
        {
            Trace.Error("C_Initialize: " + (error == IoTimeout
                ? ConnectHelp.Timeout(path, HandshakeTimeoutMs)
                : ConnectHelp.ConnectFailed(path, error, SocketVariable, (int)Libc.GetUid(), Libc.FileGroup(path), Libc.ErrorText(error))));
            return CKR.DEVICE_ERROR;
        }

        var c = new Connection(pid, path, fd);
        var w = c.Begin(Opcode.Hello);
        w.WriteUInt32(Frame.Magic);
        w.WriteUInt32(Frame.ProtocolVersion);
        w.WriteUInt32((uint)pid);
        var rv = c.Call(out var reply, deadline);
        try
        {
            if (c._broken)
            {
                Trace.Error("C_Initialize: no Hello reply: " + ConnectHelp.Timeout(path, HandshakeTimeoutMs));
                return CKR.DEVICE_ERROR;
            }

            if (rv != CKR.OK)
            {
                var reason = reply.Remaining >= 4 ? Encoding.UTF8.GetString(reply.ReadBytesSpan()) : "(no reason given)";
                Trace.Error($"C_Initialize: {ConnectHelp.Refused(path, reason)} ({CkRvNames.Name(rv)})");
                c.Drop();
                return rv == CKR.FUNCTION_FAILED ? CKR.FUNCTION_FAILED : CKR.DEVICE_ERROR;
            }

            var version = reply.ReadUInt32();
            c.ApplicationId = reply.ReadULong();
            if (version != Frame.ProtocolVersion)
            {
                Trace.Error("C_Initialize: " + ConnectHelp.VersionMismatch(path, version, Frame.ProtocolVersion, "this module"));
                c.Drop();
                return CKR.DEVICE_ERROR;
            }
        }
        catch (WireFormatException e)
        {
            Trace.Error($"C_Initialize: malformed Hello reply from {path}: {e.Message}");
            c.Drop();
            return CKR.DEVICE_ERROR;
        }
        finally
        {
            c.Release();
        }

        if (Trace.On(Trace.Calls)) Trace.Info($"connected to ock-slotd at {path}, application id {c.ApplicationId}");
        connection = c;
        return CKR.OK;
    }

    /// <summary>Starts a request: resets the reused writer and writes the header; the caller appends the payload.</summary>
    public WireWriter Begin(Opcode opcode)
    {
        _writer.Reset();
        _writer.Reserve(4); // length, patched by Call
        _writer.WriteUInt32(0); // request id, patched by Call
        _writer.WriteUInt16((ushort)opcode);
        _writer.WriteUInt16(0); // flags
        return _writer;
    }

    /// <summary>
    /// Sends the request built since <see cref="Begin"/> and reads its reply. Returns the reply's rv with a reader
    /// over its payload (valid until <see cref="Release"/>), or CKR_DEVICE_ERROR when the connection failed,
    /// in which case it is dropped for good.
    /// </summary>
    public ulong Call(out WireReader reply, long deadline = 0)
    {
        reply = default;
        if (_broken) return CKR.DEVICE_ERROR;
        var length = _writer.Length - 4;
        if (length > Frame.MaxFrameLength) return CKR.DATA_LEN_RANGE;
        var id = ++_nextId;
        _writer.PatchUInt32(0, (uint)length);
        _writer.PatchUInt32(4, id);

        int error;
        fixed (byte* p = _writer.WrittenSpan) error = SendAll(p, _writer.Length, deadline);
        if (error != IoOk) return Fail("send", error);

        var header = stackalloc byte[4];
        error = ReceiveExactly(header, 4, deadline);
        if (error != IoOk) return Fail("receive", error);
        var replyLength = (int)(header[0] | (uint)header[1] << 8 | (uint)header[2] << 16 | (uint)header[3] << 24);
        if (replyLength < Frame.ReplyHeaderSize - 4 || replyLength > Frame.MaxFrameLength)
        {
            Trace.Error($"bad reply frame length {(uint)replyLength} from ock-slotd; dropping the connection");
            Drop();
            return CKR.DEVICE_ERROR;
        }

        if (_receive.Length < replyLength) _receive = new byte[Math.Max(replyLength, _receive.Length * 2)];
        _received = replyLength;
        fixed (byte* p = _receive) error = ReceiveExactly(p, replyLength, deadline);
        if (error != IoOk) return Fail("receive", error);

        var r = new WireReader(_receive.AsSpan(0, replyLength));
        var replyId = r.ReadUInt32();
        var rv = r.ReadULong();
        if (replyId != id)
        {
            Trace.Error($"reply id {replyId} does not match request id {id}; dropping the connection to ock-slotd");
            Drop();
            return CKR.DEVICE_ERROR;
        }

        reply = r;
        return rv;
    }

    /// <summary>Wipes the request and reply bytes (they may hold PINs or data) and leaves the lock.</summary>
    public void Release()
    {
        try
        {
            _writer.Clear();
            if (_receive.Length > KeepBufferSize) _receive = new byte[InitialBufferSize];
            else _receive.AsSpan(0, _received).Clear();
            _received = 0;
        }
        finally
        {
            if (Gate.IsHeldByCurrentThread) Gate.Exit();
        }
    }

    /// <summary>C_Finalize: closes the socket; the daemon sees the end of the application.</summary>
    public void Close()
    {
        _closed = true;
        Drop();
    }

    /// <summary>
    /// In a fork()ed child: forget the parent's connection without a word on it. Closing our copy of the
    /// descriptor sends nothing (the parent's copy keeps the socket open).
    /// </summary>
    public void Abandon()
    {
        _closed = true;
        _broken = true;
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) Libc.Close(fd);
    }

    private ulong Fail(string what, int error)
    {
        var text = error switch
        {
            IoEof => "connection closed by ock-slotd",
            IoTimeout => "timed out",
            _ => Libc.ErrorText(error),
        };
        Trace.Error($"{what} on {SocketPath} failed: {text}; dropping the connection (C_Finalize + C_Initialize to reconnect)");
        Drop();
        return CKR.DEVICE_ERROR;
    }

    private void Drop()
    {
        _broken = true;
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) Libc.Close(fd);
    }

    private static int ConnectSocket(string path, long deadline, out int fd)
    {
        fd = -1;
        var pathBytes = Encoding.UTF8.GetBytes(path);
        if (pathBytes.Length >= Libc.SunPathLength) return Libc.ENOENT;

        // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
        var address = stackalloc byte[2 + Libc.SunPathLength];
        new Span<byte>(address, 2 + Libc.SunPathLength).Clear();
        address[0] = Libc.AF_UNIX;
        pathBytes.CopyTo(new Span<byte>(address + 2, pathBytes.Length));
        var addressLength = (uint)(2 + pathBytes.Length + 1);

        var s = Libc.Socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (s < 0) return System.Runtime.InteropServices.Marshal.GetLastPInvokeError();

        while (true)
        {
            if (Libc.Connect(s, address, addressLength) == 0) break;
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR) continue;
            if (errno == Libc.EAGAIN)
            {
                // listen backlog full: the daemon is busy; retry within the budget
                if (Stopwatch.GetTimestamp() >= deadline)
                {
                    Libc.Close(s);
                    return IoTimeout;
                }

                Thread.Sleep(5);
                continue;
            }

            if (errno == Libc.EINPROGRESS)
            {
                var wait = WaitFor(s, Libc.POLLOUT, deadline);
                if (wait == IoOk)
                {
                    int soError = 0;
                    var size = (uint)sizeof(int);
                    if (Libc.GetSockOpt(s, Libc.SOL_SOCKET, Libc.SO_ERROR, &soError, &size) != 0)
                        soError = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                    wait = soError;
                }

                if (wait == IoOk) break;
                Libc.Close(s);
                return wait;
            }

            Libc.Close(s);
            return errno;
        }

        fd = s;
        return IoOk;
    }

    private int SendAll(byte* data, int length, long deadline)
    {
        var sent = 0;
        while (sent < length)
        {
            var n = Libc.Send(_fd, data + sent, (nuint)(length - sent), Libc.MSG_NOSIGNAL);
            if (n > 0)
            {
                sent += (int)n;
                continue;
            }

            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR) continue;
            if (errno != Libc.EAGAIN) return errno;
            var wait = WaitFor(_fd, Libc.POLLOUT, deadline);
            if (wait != IoOk) return wait;
        }

        return IoOk;
    }

    private int ReceiveExactly(byte* data, int length, long deadline)
    {
        var got = 0;
        while (got < length)
        {
            var n = Libc.Recv(_fd, data + got, (nuint)(length - got), 0);
            if (n > 0)
            {
                got += (int)n;
                continue;
            }

            if (n == 0) return IoEof;
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR) continue;
            if (errno != Libc.EAGAIN) return errno;
            var wait = WaitFor(_fd, Libc.POLLIN, deadline);
            if (wait != IoOk) return wait;
        }

        return IoOk;
    }

    /// <summary>poll() for one event until the deadline (0 = wait as long as it takes).</summary>
    private static int WaitFor(int fd, short events, long deadline)
    {
        while (true)
        {
            var timeout = -1;
            if (deadline != 0)
            {
                var left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0) return IoTimeout;
                timeout = (int)Math.Max(1, left * 1000 / Stopwatch.Frequency);
            }

            Libc.PollFd pfd;
            pfd.Fd = fd;
            pfd.Events = events;
            pfd.Revents = 0;
            var n = Libc.Poll(&pfd, 1, timeout);
            if (n > 0) return IoOk; // readable/writable, or POLLERR/POLLHUP: the next recv/send reports it
            if (n == 0) return IoTimeout;
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno != Libc.EINTR) return errno;
        }
    }
}
