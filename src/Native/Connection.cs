using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native;

/// <summary>
/// One connection to ock-slotd (docs/wire-protocol.md); a process holds up to <see cref="ConnectionPool.Limit"/> of
/// them, all in one application. Purely synchronous: a Unix socket driven on the caller's thread, no tasks, no
/// timers, no threads of its own, so it also works in a fork()ed child. Non-blocking with poll() during connect +
/// Hello (the 1 s budget), blocking afterwards (one recv per reply). A caller takes the connection from the pool
/// (<see cref="Module.Acquire"/>), then Begin → Call → reading the reply → <see cref="Release"/> (a <c>using</c> does it), which gives it back;
/// the request writer and the receive buffer are reused.
/// </summary>
internal sealed unsafe class Connection : IDisposable
{
    /// <summary>
    /// Budget for one connect + Hello: bounded, so that C_Initialize never hangs on a wedged daemon, and long enough for a
    /// daemon that admits a burst of new processes at once (a refused connect fails at once and is retried).
    /// </summary>
    public const int HandshakeTimeoutMs = 5000;

    /// <summary>
    /// How long C_Initialize keeps retrying a refused connect (ECONNREFUSED, a full backlog) or a daemon that answers
    /// "starting" before it fails: a daemon being (re)started is waited for, a stale socket costs this much.
    /// </summary>
    public const string RetryVariable = "OPENCRYPTOKI_ACTORS_CONNECT_RETRY_MS";

    private const int DefaultRetryMs = 2000;

    /// <summary>
    /// Deadline of silence on a call (seconds): no byte of the reply (nor a keep-alive) for this long and the call answers
    /// CKR_DEVICE_ERROR, is traced and the connection is dropped. The daemon sends keep-alives while it works.
    /// </summary>
    public const string ReplyTimeoutVariable = "OPENCRYPTOKI_ACTORS_REPLY_TIMEOUT";

    private const int DefaultReplyTimeoutSeconds = 30;

    private const int InitialBufferSize = 16 * 1024;
    private const int KeepWriterSize = 1024 * 1024;

    private const int IoOk = 0;
    private const int IoEof = -1;
    private const int IoTimeout = -2;

    private const byte HelloNew = 0;
    private const byte HelloJoin = 1;
    private const byte HelloFork = 2;

    private WireWriter _writer = new(InitialBufferSize);
    private readonly byte[] _receive = GC.AllocateUninitializedArray<byte>(InitialBufferSize);
    private byte[]? _large; // a pooled buffer for a reply that does not fit _receive, returned by Release
    private int _received;
    private int _fd;
    private uint _nextId;
    private bool _broken;
    private bool _blocking; // after Hello: blocking I/O, SO_RCVTIMEO/SO_SNDTIMEO = the reply deadline
    private int _replyTimeoutSeconds = DefaultReplyTimeoutSeconds;

    private Connection(ConnectionPool? pool, int fd)
    {
        Pool = pool;
        _fd = fd;
    }

    /// <summary>The pool this connection belongs to (null only during the first Hello).</summary>
    public ConnectionPool? Pool { get; private set; }

    /// <summary>True after an I/O or framing failure: the pool is then broken (every later call answers CKR_DEVICE_ERROR).</summary>
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

    /// <summary>
    /// C_Initialize: connects and says Hello (a new application) within one second. Returns CKR_OK and the pool
    /// holding this first connection, or the rv for C_Initialize.
    /// </summary>
    public static ulong Open(int pid, ulong epoch, out ConnectionPool? pool, bool forkSafe = false)
    {
        pool = null;
        var path = ResolveSocketPath();
        var retryMs = int.TryParse(Environment.GetEnvironmentVariable(RetryVariable), out var ms) && ms >= 0 ? ms : DefaultRetryMs;
        var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * retryMs / 1000;
        ulong rv;
        Connection? c;
        ulong appId;
        byte[]? secret;
        string? failure;
        while (true)
        {
            rv = Handshake(path, pid, 0, null, out c, out appId, out secret, out var retry, out failure);
            if (rv == CKR.OK || !retry || Stopwatch.GetTimestamp() >= until) break;
            Thread.Sleep(50);
        }

        if (rv != CKR.OK)
        {
            Refusal.Report("C_Initialize: " + failure);
            return rv;
        }

        pool = new ConnectionPool(pid, epoch, path, appId, secret!, c!) { ForkSafe = forkSafe };
        c!.Pool = pool;
        Refusal.Clear();
        if (Trace.On(Trace.Calls)) Trace.Info($"connected to ock-slotd at {path}, application id {appId}");
        return CKR.OK;
    }

    /// <summary>
    /// In a fork()ed child of a fork-safe module: takes over the clone of the parent's application that the daemon made at
    /// ForkPrepare (a Hello of mode 2 with the clone's id and secret). Returns CKR_OK and the child's pool.
    /// </summary>
    public static ulong Claim(int pid, ulong epoch, string path, ulong cloneId, byte[] cloneSecret, out ConnectionPool? pool)
    {
        pool = null;
        var rv = Handshake(path, pid, cloneId, cloneSecret, out var c, out var appId, out var secret, out _, out var failure, fork: true);
        if (rv != CKR.OK)
        {
            Trace.Error("taking over the application after fork(): " + failure);
            return rv;
        }

        pool = new ConnectionPool(pid, epoch, path, appId, secret!, c!) { ForkSafe = true, AwaitsChildInitialize = true };
        c!.Pool = pool;
        if (Trace.On(Trace.Calls)) Trace.Info($"fork()ed child took over application {appId} at {path}");
        return CKR.OK;
    }

    /// <summary>Another connection of the pool's application (JoinApplication Hello). Null when the daemon said no.</summary>
    public static Connection? Join(ConnectionPool pool)
    {
        var rv = Handshake(pool.SocketPath, pool.Pid, pool.ApplicationId, pool.Secret, out var c, out _, out _, out _, out var failure);
        if (rv != CKR.OK)
        {
            Trace.Error("joining another connection: " + failure);
            return null;
        }

        c!.Pool = pool;
        return c;
    }

    /// <summary>
    /// One connect + Hello. On failure <paramref name="failure"/> says why and how to fix it, and <paramref name="retry"/>
    /// whether trying again soon may succeed (a refused connect, a full backlog, a daemon still starting).
    /// </summary>
    private static ulong Handshake(string path, int pid, ulong joinId, byte[]? joinSecret, out Connection? connection,
        out ulong appId, out byte[]? secret, out bool retry, out string? failure, bool fork = false)
    {
        connection = null;
        appId = 0;
        secret = null;
        retry = false;
        failure = null;
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * HandshakeTimeoutMs / 1000;

        var error = ConnectSocket(path, deadline, out var fd);
        if (error != IoOk)
        {
            retry = error is Libc.ECONNREFUSED or IoTimeout;
            failure = error == IoTimeout
                ? ConnectHelp.Timeout(path, HandshakeTimeoutMs)
                : ConnectHelp.ConnectFailed(path, error, SocketVariable, (int)Libc.GetUid(), Libc.FileGroup(path), Libc.ErrorText(error));
            return CKR.DEVICE_ERROR;
        }

        var c = new Connection(null, fd);
        var w = c.Begin(Opcode.Hello);
        w.WriteUInt32(Frame.Magic);
        w.WriteUInt32(Frame.ProtocolVersion);
        w.WriteUInt32((uint)pid);
        if (joinSecret is null) w.WriteByte(HelloNew);
        else
        {
            w.WriteByte(fork ? HelloFork : HelloJoin);
            w.WriteULong(joinId);
            w.WriteRaw(joinSecret);
        }

        var rv = c.Call(out var reply, deadline);
        var ok = false;
        try
        {
            if (c._broken)
            {
                failure = "no Hello reply: " + ConnectHelp.Timeout(path, HandshakeTimeoutMs);
                retry = true;
                return CKR.DEVICE_ERROR;
            }

            if (rv == Frame.HelloStarting)
            {
                failure = ConnectHelp.Starting(path);
                retry = true;
                return CKR.DEVICE_ERROR;
            }

            if (rv != CKR.OK)
            {
                var reason = reply.Remaining >= 4 ? Encoding.UTF8.GetString(reply.ReadBytesSpan()) : "(no reason given)";
                failure = $"{ConnectHelp.Refused(path, reason)} ({CkRvNames.Name(rv)})";
                return rv == CKR.FUNCTION_FAILED ? CKR.FUNCTION_FAILED : CKR.DEVICE_ERROR;
            }

            var version = reply.ReadUInt32();
            if (version != Frame.ProtocolVersion)
            {
                failure = ConnectHelp.VersionMismatch(path, version, Frame.ProtocolVersion, "this module");
                return CKR.DEVICE_ERROR;
            }

            appId = reply.ReadULong();
            secret = reply.ReadRaw(ConnectionPool.SecretLength).ToArray();
            reply.ExpectEnd();
            if (joinSecret is not null && appId != joinId)
            {
                failure = $"the daemon answered application {appId}, not {joinId}";
                return CKR.DEVICE_ERROR;
            }

            // After Hello: blocking I/O, one recv per reply, bounded by the deadline of silence (SO_RCVTIMEO/SO_SNDTIMEO:
            // no extra system call per request).
            var flags = Libc.Fcntl(fd, Libc.F_GETFL, 0);
            if (flags < 0 || Libc.Fcntl(fd, Libc.F_SETFL, flags & ~Libc.O_NONBLOCK) != 0 || !c.SetDeadline())
            {
                failure = $"fcntl/setsockopt on the socket failed: {Libc.ErrorText(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}";
                return CKR.DEVICE_ERROR;
            }

            c._blocking = true;

            ok = true;
        }
        catch (WireFormatException e)
        {
            failure = $"malformed Hello reply from {path}: {e.Message}";
            return CKR.DEVICE_ERROR;
        }
        finally
        {
            c.Wipe();
            if (!ok) c.Drop();
        }

        connection = c;
        return CKR.OK;
    }

    /// <summary>SO_RCVTIMEO and SO_SNDTIMEO = the deadline of silence (OPENCRYPTOKI_ACTORS_REPLY_TIMEOUT, default 30 s; 0 = none).</summary>
    private bool SetDeadline()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable(ReplyTimeoutVariable), out var seconds) && seconds >= 0) _replyTimeoutSeconds = seconds;
        var tv = stackalloc long[2];
        tv[0] = _replyTimeoutSeconds;
        tv[1] = 0;
        return Libc.SetSockOpt(_fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv, 16) == 0
               && Libc.SetSockOpt(_fd, Libc.SOL_SOCKET, Libc.SO_SNDTIMEO, tv, 16) == 0;
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
        if (id == Frame.KeepAliveId) id = ++_nextId; // id 0 is the daemon's keep-alive
        _writer.PatchUInt32(0, (uint)length);
        _writer.PatchUInt32(4, id);

        int error;
        fixed (byte* p = _writer.WrittenSpan) error = SendAll(p, _writer.Length, deadline);
        if (error != IoOk) return Fail("send", error);

        // One recv for the header and, usually, the whole reply: with one request in flight per connection
        // nothing but this reply (and keep-alives for it, skipped here) can arrive.
        int got;
        fixed (byte* p = _receive) error = ReceiveAtLeast(p, _receive.Length, Frame.ReplyHeaderSize, deadline, out got);
        if (error != IoOk) return Fail("receive", error);
        while (BinaryPrimitives.ReadUInt32LittleEndian(_receive.AsSpan(4)) == Frame.KeepAliveId)
        {
            // a keep-alive (docs/wire-protocol.md): the daemon still works on the request; the silence starts again
            var kaLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(_receive) + 4;
            int more;
            if (kaLength != Frame.KeepAliveSize)
            {
                Trace.Error($"bad keep-alive frame length {kaLength} from ock-slotd; dropping the connection");
                Drop();
                return CKR.DEVICE_ERROR;
            }

            if (got < kaLength)
            {
                fixed (byte* p = _receive) error = ReceiveAtLeast(p + got, _receive.Length - got, kaLength - got, deadline, out more);
                if (error != IoOk) return Fail("receive", error);
                got += more;
            }

            _receive.AsSpan(kaLength, got - kaLength).CopyTo(_receive);
            got -= kaLength;
            if (got < Frame.ReplyHeaderSize)
            {
                fixed (byte* p = _receive) error = ReceiveAtLeast(p + got, _receive.Length - got, Frame.ReplyHeaderSize - got, deadline, out more);
                if (error != IoOk) return Fail("receive", error);
                got += more;
            }
        }

        var replyLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(_receive);
        if (replyLength < Frame.ReplyHeaderSize - 4 || replyLength > Frame.MaxFrameLength || got > replyLength + 4)
        {
            Trace.Error($"bad reply frame length {(uint)replyLength} from ock-slotd; dropping the connection");
            Drop();
            return CKR.DEVICE_ERROR;
        }

        var frame = _receive;
        if (replyLength + 4 > _receive.Length)
        {
            _large = ArrayPool<byte>.Shared.Rent(replyLength + 4);
            _receive.AsSpan(0, got).CopyTo(_large);
            frame = _large;
        }

        _received = replyLength + 4;
        if (got < _received)
        {
            fixed (byte* p = frame) error = ReceiveAtLeast(p + got, _received - got, _received - got, deadline, out _);
            if (error != IoOk) return Fail("receive", error);
        }

        var r = new WireReader(frame.AsSpan(4, replyLength));
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

    /// <summary>Wipes the request and reply bytes (they may hold PINs or data) and gives the connection back to its pool.</summary>
    public void Release()
    {
        try
        {
            Wipe();
        }
        finally
        {
            Pool?.Return(this);
        }
    }

    /// <summary><see cref="Release"/>, for <c>using var c = Module.Acquire(out var rv);</c>.</summary>
    void IDisposable.Dispose() => Release();

    private void Wipe()
    {
        if (_writer.Length > KeepWriterSize)
        {
            _writer.Clear();
            _writer.Dispose();
            _writer = new WireWriter(InitialBufferSize);
        }
        else _writer.Clear();

        if (_large is not null)
        {
            ArrayPool<byte>.Shared.Return(_large, clearArray: true);
            _large = null;
            _receive.AsSpan().Clear();
        }
        else _receive.AsSpan(0, Math.Min(_received, _receive.Length)).Clear();

        _received = 0;
    }

    /// <summary>Closes the socket (C_Finalize): the daemon sees this connection end, and the application with its last one.</summary>
    public void Close() => Drop();

    /// <summary>
    /// In a fork()ed child: forget the parent's connection without a word on it. Closing our copy of the
    /// descriptor sends nothing (the parent's copy keeps the socket open).
    /// </summary>
    public void Abandon()
    {
        _broken = true;
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) Libc.Close(fd);
    }

    private ulong Fail(string what, int error)
    {
        var text = error switch
        {
            IoEof => "connection closed by ock-slotd",
            IoTimeout when _blocking => $"no reply from ock-slotd within {_replyTimeoutSeconds} s of silence ({ReplyTimeoutVariable})",
            IoTimeout => "timed out",
            _ => Libc.ErrorText(error),
        };
        Trace.Error($"{what} on {Pool?.SocketPath} failed: {text}; dropping the connection (C_Finalize + C_Initialize to reconnect)");
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
            if (_blocking) return IoTimeout; // SO_SNDTIMEO passed
            var wait = WaitFor(_fd, Libc.POLLOUT, deadline);
            if (wait != IoOk) return wait;
        }

        return IoOk;
    }

    /// <summary>Receives into data[0..capacity) until at least <paramref name="least"/> bytes are there.</summary>
    private int ReceiveAtLeast(byte* data, int capacity, int least, long deadline, out int got)
    {
        got = 0;
        while (got < least)
        {
            var n = Libc.Recv(_fd, data + got, (nuint)(capacity - got), 0);
            if (n > 0)
            {
                got += (int)n;
                continue;
            }

            if (n == 0) return IoEof;
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR) continue;
            if (errno != Libc.EAGAIN) return errno;
            if (_blocking) return IoTimeout; // SO_RCVTIMEO passed: the deadline of silence
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
