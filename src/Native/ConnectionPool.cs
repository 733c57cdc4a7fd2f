using OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Native;

/// <summary>
/// The connections of one C_Initialize: several requests in flight per process, one per calling thread. A thread
/// takes a free connection, or opens one (a JoinApplication Hello with the application id and secret the first
/// Hello returned) up to <see cref="Limit"/>, or waits for one. All belong to one application in the daemon, which
/// ends when the last of them closes. Any broken connection breaks the pool: every later call answers
/// CKR_DEVICE_ERROR until C_Finalize + C_Initialize (docs/wire-protocol.md).
/// </summary>
internal sealed class ConnectionPool
{
    public const int SecretLength = 16;

    /// <summary>Environment override of the per-process connection limit (1 = one request in flight per process).</summary>
    public const string LimitVariable = "OPENCRYPTOKI_ACTORS_CONNECTIONS";

    private const int DefaultLimit = 8;

    private readonly object _gate = new();
    private readonly Stack<Connection> _idle = new();
    private Connection[] _all;
    private int _opening;
    private int _busy;
    private int _limit;
    private volatile bool _closed;
    private volatile bool _broken;

    public ConnectionPool(int pid, ulong epoch, string socketPath, ulong applicationId, byte[] secret, Connection first)
    {
        Pid = pid;
        Epoch = epoch;
        SocketPath = socketPath;
        ApplicationId = applicationId;
        Secret = secret;
        _all = [first];
        _idle.Push(first);
        _limit = DefaultLimit;
        if (int.TryParse(Environment.GetEnvironmentVariable(LimitVariable), out var limit) && limit >= 1) _limit = Math.Min(limit, 64);
    }

    /// <summary>Made by the C_Initialize of a fork-safe interface (CKF_INTERFACE_FORK_SAFE): a fork()ed child takes a clone of it over.</summary>
    public bool ForkSafe { get; init; }

    /// <summary>
    /// Made in a fork()ed child by taking the parent's clone over; until the child's first C_Initialize, which it accepts
    /// with CKR_OK and no change (programs written for the 2.40 rule call it), then false.
    /// </summary>
    public bool AwaitsChildInitialize { get; set; }

    /// <summary>The pid at C_Initialize (sent in every Hello).</summary>
    public int Pid { get; }

    /// <summary>The fork epoch at C_Initialize (<see cref="Module"/>): another value in the fork page means a fork()ed child.</summary>
    public ulong Epoch { get; }

    public string SocketPath { get; }

    public ulong ApplicationId { get; }

    public byte[] Secret { get; }

    public int Limit => _limit;

    /// <summary>True after C_Finalize: calls that raced with it answer CKR_CRYPTOKI_NOT_INITIALIZED.</summary>
    public bool Closed => _closed;

    /// <summary>
    /// A connection for one round trip, or null with the rv to answer (closed: CKR_CRYPTOKI_NOT_INITIALIZED,
    /// broken: CKR_DEVICE_ERROR). The caller gives it back with <see cref="Connection.Release"/>.
    /// </summary>
    public Connection? Acquire(out ulong rv)
    {
        lock (_gate)
        {
            while (true)
            {
                if (_closed)
                {
                    rv = CKR.CRYPTOKI_NOT_INITIALIZED;
                    return null;
                }

                if (_broken)
                {
                    rv = CKR.DEVICE_ERROR;
                    return null;
                }

                if (_idle.TryPop(out var idle))
                {
                    _busy++;
                    rv = CKR.OK;
                    return idle;
                }

                if (_all.Length + _opening < _limit) break;
                Monitor.Wait(_gate);
            }

            _opening++;
            _busy++;
        }

        // Connect + JoinApplication outside the lock: the other threads' calls go on meanwhile.
        Connection? joined = null;
        try
        {
            joined = Connection.Join(this);
        }
        finally
        {
            lock (_gate)
            {
                _opening--;
                if (joined is not null && !_closed)
                {
                    _all = [.. _all, joined];
                }
                else
                {
                    _busy--;
                    if (joined is null)
                    {
                        // The daemon (or the system) said no: make do with the connections there are.
                        _limit = Math.Max(1, _all.Length);
                        Trace.Warning($"could not open another connection to ock-slotd; staying with {_all.Length}");
                    }

                    Monitor.PulseAll(_gate);
                }
            }
        }

        if (joined is not null && _closed)
        {
            joined.Close();
            joined = null;
        }

        if (joined is not null)
        {
            rv = CKR.OK;
            return joined;
        }

        return Acquire(out rv);
    }

    /// <summary>From <see cref="Connection.Release"/>: the connection is free again (or broke, which breaks the pool).</summary>
    public void Return(Connection c)
    {
        lock (_gate)
        {
            _busy--;
            if (c.Broken)
            {
                _broken = true;
                Monitor.PulseAll(_gate);
                return;
            }

            _idle.Push(c);
            if (_closed) Monitor.PulseAll(_gate);
            else Monitor.Pulse(_gate);
        }
    }

    /// <summary>C_Finalize: no new calls; waits for the calls in flight on other threads, then closes every connection.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
            while (_busy > 0 || _opening > 0) Monitor.Wait(_gate);
            foreach (var c in _all) c.Close();
            _idle.Clear();
        }
    }

    /// <summary>
    /// In a fork()ed child: forget the parent's connections without a word on them (closing our copies of the
    /// descriptors sends nothing). No lock: a parent thread that no longer exists may hold it.
    /// </summary>
    public void Abandon()
    {
        _closed = true;
        foreach (var c in _all) c.Abandon();
    }
}
