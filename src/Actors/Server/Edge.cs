using OpenCryptokiActors.Actors.Protocol;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Akka.Event;
using static OpenCryptokiActors.Actors.Applications.ApplicationProtocol;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>
/// The connection machinery of one listening socket (the module socket, the admin socket): an accept thread, one epoll
/// thread and a bounded pool of reader threads. A connection is parked on epoll (no thread) until it has sent its whole
/// Hello (read there without blocking, at most <see cref="Cryptoki.Wire.Frame.MaxHelloFrame"/> bytes, within
/// hello-timeout) and whenever it is idle after admission; while it is active a reader thread serves it with blocking
/// reads (one recv per small request, the latency of a thread per connection) and gives the thread back after
/// park-after of silence. Counts connections (all, per uid; admitted and not yet) and frame memory against
/// <see cref="EdgeLimits"/>; the same thread sweeps Hello deadlines and ticks keep-alives once a second.
/// </summary>
internal sealed unsafe class Edge : IDisposable
{
    private const int MaxEvents = 256;
    private static readonly TimeSpan IdleWorkerExit = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<long, EdgeConnection> _all = new();
    private readonly ConcurrentDictionary<int, UidCounts> _uids = new();
    private readonly ConcurrentQueue<EdgeConnection> _ready = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Lock _workerGate = new();
    private readonly int _epoll;
    private long _nextKey;
    private int _workers;
    private int _idle;
    private int _connections;
    private int _unadmitted;
    private long _frameBytes;
    private long _lastWarning;
    private volatile bool _stopped;

    public Edge(string name, EdgeLimits limits, ILoggingAdapter log)
    {
        Name = name;
        Limits = limits;
        Log = log;
        _epoll = Libc.epoll_create1(0x80000 /* EPOLL_CLOEXEC */);
        if (_epoll < 0) throw new IOException($"epoll_create1 failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
        new Thread(EpollLoop, 256 * 1024) { IsBackground = true, Name = "ock-epoll" }.Start();
    }

    public string Name { get; }

    public EdgeLimits Limits { get; }

    public ILoggingAdapter Log { get; }

    /// <summary>Admitted connections now, all users.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Connections not admitted yet (before their Hello).</summary>
    public int Unadmitted => Volatile.Read(ref _unadmitted);

    /// <summary>Reader threads now (active connections are served by them).</summary>
    public int ReaderThreads => Volatile.Read(ref _workers);

    /// <summary>True when connections wait for a reader thread (active readers then park at their next silence).</summary>
    internal bool Waiting => !_ready.IsEmpty;

    /// <summary>Admitted connections per uid now.</summary>
    public IReadOnlyDictionary<int, int> ConnectionsPerUid =>
        _uids.Where(x => x.Value.Connections > 0).ToDictionary(x => x.Key, x => x.Value.Connections);

    /// <summary>Serves <paramref name="listener"/> (listening) on an accept thread; <paramref name="create"/> makes a connection object.</summary>
    public void Accept(Socket listener, Func<Socket, PeerCredentials, EdgeConnection> create) =>
        new Thread(() => AcceptLoop(listener, create), 256 * 1024) { IsBackground = true, Name = "ock-accept" }.Start();

    private void AcceptLoop(Socket listener, Func<Socket, PeerCredentials, EdgeConnection> create)
    {
        while (!_stopped)
        {
            Socket client;
            try
            {
                client = listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            try
            {
                var peer = PeerOf(client);
                var counts = _uids.GetOrAdd(peer.Uid, _ => new UidCounts());
                if (Interlocked.Increment(ref _unadmitted) > Limits.MaxUnadmitted
                    | Interlocked.Increment(ref counts.Unadmitted) > Limits.MaxUnadmittedPerUid)
                {
                    Interlocked.Decrement(ref _unadmitted);
                    Interlocked.Decrement(ref counts.Unadmitted);
                    Warn($"{Name}: closed a connection of pid {peer.Pid} uid {peer.Uid} at once: too many connections before Hello " +
                         $"({Limits.MaxUnadmitted} in all, {Limits.MaxUnadmittedPerUid} per uid: opencryptoki.limits.max-unadmitted*)");
                    client.Dispose();
                    continue;
                }

                var c = create(client, peer);
                c.Attach(this, Interlocked.Increment(ref _nextKey), Stopwatch.GetTimestamp() + (long)(Limits.HelloTimeout.TotalSeconds * Stopwatch.Frequency));
                _all[c.Key] = c;
                Arm(c, Libc.EPOLL_CTL_ADD);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                client.Dispose();
            }
        }
    }

    internal static PeerCredentials PeerOf(Socket socket)
    {
        Span<byte> cred = stackalloc byte[12];
        socket.GetRawSocketOption(1 /* SOL_SOCKET */, 17 /* SO_PEERCRED */, cred);
        return new PeerCredentials(BitConverter.ToInt32(cred[..4]), BitConverter.ToInt32(cred.Slice(4, 4)), BitConverter.ToInt32(cred.Slice(8, 4)));
    }

    /// <summary>Waits on epoll for the next bytes of <paramref name="c"/> (one event, then it is disarmed).</summary>
    internal void Arm(EdgeConnection c, int op = Libc.EPOLL_CTL_MOD)
    {
        var ev = stackalloc byte[16];
        Libc.EpollEvent(ev, Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLONESHOT, (ulong)c.Key);
        if (Libc.epoll_ctl(_epoll, op, c.Fd, ev) != 0) Close(c, null);
    }

    private void EpollLoop()
    {
        var events = stackalloc byte[MaxEvents * 16];
        var lastSweep = Stopwatch.GetTimestamp();
        while (!_stopped)
        {
            var n = Libc.epoll_wait(_epoll, events, MaxEvents, 1000);
            for (var i = 0; i < n; i++)
            {
                if (!_all.TryGetValue((long)Libc.EpollData(events, i), out var c)) continue;
                try
                {
                    var what = Libc.EpollEvents(events, i);
                    if ((what & (Libc.EPOLLRDHUP | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0 && (what & Libc.EPOLLIN) == 0) Close(c, null); // gone, nothing left to read
                    else if (c.Admitted) Schedule(c);
                    else if (c.ReadHello()) Schedule(c);
                }
                catch (Exception e)
                {
                    Log.Error(e, "{0}: connection failed", Name);
                    Close(c, null);
                }
            }

            var now = Stopwatch.GetTimestamp();
            if (now - lastSweep < Stopwatch.Frequency) continue;
            lastSweep = now;
            foreach (var c in _all.Values)
            {
                try
                {
                    if (!c.Admitted && !c.Scheduled && now > c.HelloDeadline) Close(c, $"no Hello within {Limits.HelloTimeout.TotalSeconds:0.#} s (opencryptoki.limits.hello-timeout)");
                    else if (c.Admitted) c.Tick(now);
                }
                catch (Exception e)
                {
                    Log.Error(e, "{0}: connection tick failed", Name);
                }
            }
        }
    }

    /// <summary>Hands <paramref name="c"/> to a reader thread (a new one up to reader-threads when none is idle).</summary>
    internal void Schedule(EdgeConnection c)
    {
        c.Scheduled = true;
        _ready.Enqueue(c);
        _signal.Release();
        if (Volatile.Read(ref _idle) > 0) return;
        lock (_workerGate)
        {
            if (_workers >= Limits.ReaderThreads) return;
            _workers++;
        }

        new Thread(Worker, 512 * 1024) { IsBackground = true, Name = "ock-reader" }.Start();
    }

    private void Worker()
    {
        while (!_stopped)
        {
            Interlocked.Increment(ref _idle);
            var got = _signal.Wait(IdleWorkerExit);
            Interlocked.Decrement(ref _idle);
            if (!got)
            {
                lock (_workerGate)
                {
                    if (_signal.CurrentCount == 0)
                    {
                        _workers--;
                        return;
                    }
                }

                continue;
            }

            if (!_ready.TryDequeue(out var c)) continue;
            try
            {
                c.Serve();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                Close(c, null);
            }
            catch (Exception e)
            {
                Log.Error(e, "{0}: connection failed", Name);
                Close(c, null);
            }
        }

        lock (_workerGate) _workers--;
    }

    /// <summary>
    /// Counts <paramref name="c"/> as admitted (it said a good Hello), or returns the sentence why not: a limit of
    /// opencryptoki.limits reached.
    /// </summary>
    internal string? TryAdmit(EdgeConnection c)
    {
        var counts = _uids.GetOrAdd(c.Peer.Uid, _ => new UidCounts());
        var all = Interlocked.Increment(ref _connections);
        var mine = Interlocked.Increment(ref counts.Connections);
        if (all <= Limits.MaxConnections && mine <= Limits.MaxConnectionsPerUid)
        {
            c.Counted = true;
            return null;
        }

        Interlocked.Decrement(ref _connections);
        Interlocked.Decrement(ref counts.Connections);
        return all > Limits.MaxConnections
            ? $"too many connections: ock-slotd holds {Limits.MaxConnections} already, its limit (opencryptoki.limits.max-connections). Fix: close idle connections, or raise the limit"
            : $"too many connections: uid {c.Peer.Uid} holds {Limits.MaxConnectionsPerUid} already, the limit per user (opencryptoki.limits.max-connections-per-uid). " +
              "Fix: close idle connections (C_Finalize), or raise the limit";
    }

    /// <summary>Charges <paramref name="bytes"/> of frame memory to <paramref name="uid"/>; false (nothing charged) beyond a budget.</summary>
    internal bool Charge(int uid, long bytes)
    {
        var counts = _uids.GetOrAdd(uid, _ => new UidCounts());
        var all = Interlocked.Add(ref _frameBytes, bytes);
        var mine = Interlocked.Add(ref counts.FrameBytes, bytes);
        if (all <= Limits.FrameBudget && mine <= Limits.FrameBudgetPerUid) return true;
        Interlocked.Add(ref _frameBytes, -bytes);
        Interlocked.Add(ref counts.FrameBytes, -bytes);
        return false;
    }

    internal void Uncharge(int uid, long bytes)
    {
        if (bytes == 0) return;
        Interlocked.Add(ref _frameBytes, -bytes);
        if (_uids.TryGetValue(uid, out var counts)) Interlocked.Add(ref counts.FrameBytes, -bytes);
    }

    /// <summary>Closes <paramref name="c"/> once (its counts, its buffers, its application), logging <paramref name="why"/>.</summary>
    internal void Close(EdgeConnection c, string? why)
    {
        if (!c.MarkClosed()) return;
        _all.TryRemove(c.Key, out _);
        if (_uids.TryGetValue(c.Peer.Uid, out var counts))
        {
            if (c.Counted) Interlocked.Decrement(ref counts.Connections);
            if (!c.Admitted) Interlocked.Decrement(ref counts.Unadmitted);
        }

        if (c.Counted) Interlocked.Decrement(ref _connections);
        if (!c.Admitted) Interlocked.Decrement(ref _unadmitted);
        if (why is not null) Warn($"{Name}: closed the connection of pid {c.Peer.Pid} uid {c.Peer.Uid}: {why}");
        c.Closed();
    }

    /// <summary>From <see cref="EdgeConnection.Serve"/> after a good Hello: no longer counted as unadmitted.</summary>
    internal void Admitted(EdgeConnection c)
    {
        Interlocked.Decrement(ref _unadmitted);
        if (_uids.TryGetValue(c.Peer.Uid, out var counts)) Interlocked.Decrement(ref counts.Unadmitted);
    }

    /// <summary>A warning at most every 100 ms (a flood of refused connections does not flood the log).</summary>
    internal void Warn(string message)
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastWarning);
        if (now - last < 100 || Interlocked.CompareExchange(ref _lastWarning, now, last) != last) return;
        Log.Warning(message);
    }

    public void Dispose()
    {
        _stopped = true;
        foreach (var c in _all.Values) Close(c, null);
        _signal.Release(Math.Max(1, Volatile.Read(ref _workers)));
        Libc.close(_epoll);
    }

    private sealed class UidCounts
    {
        public int Connections;
        public int Unadmitted;
        public long FrameBytes;
    }
}
