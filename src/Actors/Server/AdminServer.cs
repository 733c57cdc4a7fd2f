using OpenCryptokiActors.Actors.Protocol;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Actors.Slots;
using OpenCryptokiActors.Actors.Statistics;
using OpenCryptokiActors.Actors.Tokens;
using OpenCryptokiActors.Cryptoki.Admin;
using OpenCryptokiActors.Cryptoki.Wire;
using static OpenCryptokiActors.Actors.Applications.ApplicationProtocol;
using static OpenCryptokiActors.Actors.Slots.SlotManagerProtocol;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>
/// The admin socket (opencryptoki.admin): root, the daemon's own user and members of admin.group change the slot
/// table at run time and read the daemon's status. Users of the module (opencryptoki.group) who are not admins may
/// connect too, for their own mechanism statistics only (ock stats, as pkcsstats); everything else is refused with
/// the reason. Connections are driven by an <see cref="Edge"/> under the same opencryptoki.limits as the module socket
/// (no thread per idle connection, a small Hello before admission); requests are served one at a time on a reader
/// thread by asking the actors (this is not an actor: blocking here is fine).
/// </summary>
public sealed class AdminServer : IDisposable
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(60);

    /// <summary>A rekey answers when every private object is re-encrypted: minutes for a million objects.</summary>
    private static readonly TimeSpan RekeyTimeout = TimeSpan.FromHours(2);

    private readonly AdminSettings _settings;
    private readonly IActorRef _slotManager;
    private readonly IActorRef _applications;
    private readonly Func<IReadOnlyList<SlotSettings>> _reloadSlots;
    private readonly string _store;
    private readonly string _clientGroup;
    private readonly MechanismStatistics _stats;
    private readonly ILoggingAdapter _log;
    private readonly DateTime _started = DateTime.UtcNow;
    private AdminListener? _listener;

    /// <summary>The zcrypt device pool (ock devices); null when the daemon runs none.</summary>
    public IActorRef? DevicePool { get; init; }

    public AdminServer(AdminSettings settings, IActorRef slotManager, IActorRef applications,
        Func<IReadOnlyList<SlotSettings>> reloadSlots, string store, ILoggingAdapter log, string clientGroup = "", MechanismStatistics? stats = null)
    {
        _clientGroup = clientGroup;
        _stats = stats ?? new MechanismStatistics();
        _settings = settings;
        _slotManager = slotManager;
        _applications = applications;
        _reloadSlots = reloadSlots;
        _store = store;
        _log = log;
    }

    public string SocketPath => Path.GetFullPath(_settings.Socket);

    /// <summary>The module socket, whose connection counts `ock status` shows.</summary>
    public SocketServer? ModuleSocket { get; init; }

    /// <summary>
    /// The admin socket, bound and accepting before the daemon switches users; a Hello is answered "starting" until
    /// <see cref="Start"/> gets it.
    /// </summary>
    public static AdminListener Bind(AdminSettings settings, EdgeLimits limits, ILoggingAdapter log)
    {
        var socket = SocketServer.BindUnix(Path.GetFullPath(settings.Socket), settings.SocketMode, settings.Group, log, 64);
        return new AdminListener(socket, new Edge("admin socket", limits, log));
    }

    /// <summary>Serves <paramref name="listener"/> (from <see cref="Bind"/>; bound here when null).</summary>
    public void Start(AdminListener? listener = null, EdgeLimits? limits = null)
    {
        _listener = listener ?? Bind(_settings, limits ?? new EdgeLimits(), _log);
        _listener.Server = this;
    }

    /// <summary>The admin socket's listener and edge; its connections go to <see cref="Server"/> once set.</summary>
    public sealed class AdminListener : IDisposable
    {
        internal AdminListener(Socket socket, Edge edge)
        {
            Socket = socket;
            Edge = edge;
            edge.Accept(socket, (s, peer) => new AdminConnection(s, peer, this));
        }

        internal Socket Socket { get; }

        internal Edge Edge { get; }

        internal volatile AdminServer? Server;

        public void Dispose()
        {
            Socket.Dispose();
            Edge.Dispose();
        }
    }

    /// <summary>One admin connection: its Hello, then one request after the other.</summary>
    private sealed class AdminConnection(Socket socket, PeerCredentials peer, AdminListener listener) : EdgeConnection(socket, peer)
    {
        private bool _admin;
        private string _refusal = "";

        // before the Hello has admitted the peer a request is small; an admin's may carry a whole token (TokenRestore)
        protected override uint MaxFrame => _admin ? (uint)Frame.MaxFrameLength : 1024u * 1024;

        protected override bool Admit(uint requestId, ushort opcode, ReadOnlySpan<byte> payload)
        {
            using var w = new WireWriter();
            AdminStatus status;
            if (listener.Server is not { } server) status = Fail(w, AdminStatus.Failed, "ock-slotd is starting: its tokens are being recovered; try again");
            else
            {
                status = server.Hello(Peer, (AdminOp)opcode, payload.ToArray(), w, out _admin, out _refusal);
                if (status == AdminStatus.Ok && Edge.TryAdmit(this) is { } limit) status = Fail(w, AdminStatus.Refused, limit);
            }

            Send(Socket, requestId, status, w);
            return status == AdminStatus.Ok;
        }

        protected override void OnFrame(uint requestId, ushort opcode, ReadOnlySpan<byte> payload)
        {
            var server = listener.Server!;
            var op = (AdminOp)opcode;
            using var w = new WireWriter();
            AdminStatus status;
            try
            {
                status = _admin || op == AdminOp.Stats ? server.Handle(Peer, op, payload.ToArray(), w) : Fail(w, AdminStatus.Refused, _refusal);
            }
            catch (WireFormatException e)
            {
                status = Fail(w, AdminStatus.BadRequest, "malformed request: " + e.Message);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                status = Fail(w, AdminStatus.Failed, "ock-slotd did not finish the request within " + AskTimeout.TotalSeconds + " s");
            }

            Send(Socket, requestId, status, w);
        }
    }

    private static bool InGroup(PeerCredentials peer, int? gid) =>
        gid is { } g && (peer.Gid == g || UnixGroups.GroupsOf(peer.Pid).Contains(g));

    private bool Admitted(PeerCredentials peer, out string refusal)
    {
        refusal = "";
        if (peer.Uid == 0 || (uint)peer.Uid == Libc.geteuid()) return true;
        var gid = _settings.Group.Length == 0 ? null : UnixGroups.Gid(_settings.Group);
        if (InGroup(peer, gid)) return true;
        refusal = _settings.Group.Length == 0
            ? $"user {ConnectHelp.UserName(peer.Uid)} (uid {peer.Uid}) may not administer ock-slotd: only root and the daemon's user may (opencryptoki.admin.group is empty)"
            : ConnectHelp.NotInGroup(peer.Uid, _settings.Group, gid is not null, "the admin socket");
        return false;
    }

    /// <summary>
    /// Admits admins (<paramref name="admin"/>) and, for their own statistics only, users of the module; anyone else is
    /// refused. <paramref name="refusal"/>: the sentence a non-admin gets for any other request.
    /// </summary>
    private AdminStatus Hello(PeerCredentials peer, AdminOp op, byte[] payload, WireWriter w, out bool admin, out string refusal)
    {
        admin = false;
        refusal = "";
        var r = new WireReader(payload);
        if (op != AdminOp.Hello || r.Remaining < 8 || r.ReadUInt32() != AdminCodec.Magic)
            return Fail(w, AdminStatus.BadRequest, "not an ock admin client (first request must be Hello)");
        var version = r.ReadUInt32();
        admin = Admitted(peer, out refusal);
        var moduleUser = !admin && _clientGroup.Length > 0 && InGroup(peer, UnixGroups.Gid(_clientGroup));
        if (moduleUser)
            refusal += " (without it, user " + ConnectHelp.UserName(peer.Uid) + " may only read its own mechanism statistics here: ock stats)";
        if (!admin && !moduleUser)
        {
            _log.Warning("admin socket: refused pid {0} uid {1}: {2}", peer.Pid, peer.Uid, refusal);
            return Fail(w, AdminStatus.Refused, refusal);
        }

        if (version != AdminCodec.Version)
            return Fail(w, AdminStatus.Refused, ConnectHelp.VersionMismatch(SocketPath, AdminCodec.Version, version, "ock"));
        w.WriteUInt32(AdminCodec.Version);
        return AdminStatus.Ok;
    }

    private AdminStatus Handle(PeerCredentials peer, AdminOp op, byte[] payload, WireWriter w)
    {
        var r = new WireReader(payload);
        switch (op)
        {
            case AdminOp.SlotList:
            {
                r.ExpectEnd();
                var list = _slotManager.Ask<SlotList>(ListSlots.Instance, AskTimeout).GetAwaiter().GetResult();
                AdminCodec.WriteSlots(w, list.Slots.Select(ToAdmin).ToList());
                return AdminStatus.Ok;
            }

            case AdminOp.SlotAdd:
            {
                var s = AdminCodec.ReadSlot(ref r);
                var policyText = r.Remaining > 0 ? AdminCodec.ReadString(ref r) : null;
                r.ExpectEnd();
                var slot = new SlotSettings(s.Id, s.TokenType, s.TokenName, s.Description.Length == 0 ? s.TokenName : s.Description,
                    (int)s.MaxLoginFailures, s.Group.Length == 0 ? null : s.Group);
                try
                {
                    if (policyText != null) slot = slot with { Policy = OpenCryptokiSettings.ParsePolicyText(s.Id, policyText) };
                }
                catch (ConfigurationException e)
                {
                    return Fail(w, AdminStatus.BadRequest, e.Message);
                }

                return Result(peer, op, w, _slotManager.Ask<AdminResult>(new AddSlot(slot), AskTimeout).GetAwaiter().GetResult());
            }

            case AdminOp.SlotRemove:
            {
                var id = r.ReadULong();
                r.ExpectEnd();
                return Result(peer, op, w, _slotManager.Ask<AdminResult>(new RemoveSlot(id), AskTimeout).GetAwaiter().GetResult());
            }

            case AdminOp.SlotReload:
            {
                r.ExpectEnd();
                IReadOnlyList<SlotSettings> slots;
                try
                {
                    slots = _reloadSlots();
                }
                catch (Exception e) when (e is ConfigurationException or IOException or FormatException or InvalidOperationException)
                {
                    return Fail(w, AdminStatus.Failed, "reload: " + e.Message);
                }

                return Result(peer, op, w, _slotManager.Ask<AdminResult>(new ReloadSlots(slots), AskTimeout).GetAwaiter().GetResult());
            }

            case AdminOp.TokenBackup:
            {
                var id = r.ReadULong();
                r.ExpectEnd();
                if (TokenOf(id) is not { } token) return Fail(w, AdminStatus.Failed, $"no slot {id}");
                var state = token.Ask<TokenProtocol.ExportedState>(TokenProtocol.ExportState.Instance, AskTimeout).GetAwaiter().GetResult();
                if (!state.Initialized) return Fail(w, AdminStatus.Failed, $"the token in slot {id} is not initialised");
                if (state.Busy is { } busy) return Fail(w, AdminStatus.Failed, busy);
                _log.Info("admin {0} by uid {1} (pid {2}): slot {3}", op, peer.Uid, peer.Pid, id);
                w.WriteString(state.Manifest);
                w.WriteBytes(state.Snapshot);
                return AdminStatus.Ok;
            }

            case AdminOp.TokenRestore:
            {
                var id = r.ReadULong();
                var manifest = AdminCodec.ReadString(ref r);
                var state = r.ReadBytes();
                r.ExpectEnd();
                if (TokenOf(id) is not { } token) return Fail(w, AdminStatus.Failed, $"no slot {id}");
                var done = token.Ask<TokenProtocol.ImportedState>(new TokenProtocol.ImportState(manifest, state, peer.Pid, peer.Uid), AskTimeout)
                    .GetAwaiter().GetResult();
                return Result(peer, op, w, new AdminResult(done.Ok, done.Message));
            }

            case AdminOp.Stats:
            {
                var q = AdminCodec.ReadStatsQuery(ref r);
                r.ExpectEnd();
                return Stats(peer, q, w);
            }

            case AdminOp.TokenRekey:
            {
                var id = r.ReadULong();
                var soPin = r.ReadBytes();
                var userPin = r.ReadNullableBytes();
                r.ExpectEnd();
                if (TokenOf(id) is not { } token) return Fail(w, AdminStatus.Failed, $"no slot {id}");
                _log.Info("admin {0} by uid {1} (pid {2}): slot {3}", op, peer.Uid, peer.Pid, id);
                var done = token.Ask<TokenProtocol.RekeyDone>(new TokenProtocol.StartRekey(soPin, userPin, peer.Pid, peer.Uid), RekeyTimeout)
                    .GetAwaiter().GetResult();
                return Result(peer, op, w, new AdminResult(done.Ok, done.Message));
            }

            case AdminOp.Devices:
                Cryptoki.Admin.AdminDevices.Write(w, Devices.DeviceMetrics.Query(DevicePool, AskTimeout));
                return AdminStatus.Ok;

            case AdminOp.Status:
            {
                r.ExpectEnd();
                AdminCodec.WriteStatus(w, Status());
                return AdminStatus.Ok;
            }

            default:
                return Fail(w, AdminStatus.BadRequest, $"unknown admin operation {(ushort)op}");
        }
    }

    /// <summary>
    /// ock stats, with pkcsstats' rule: a caller other than root reads and resets its own uid's counters only; root
    /// names any user, or all of them (also the default for root).
    /// </summary>
    private AdminStatus Stats(PeerCredentials peer, AdminStatsQuery q, WireWriter w)
    {
        var root = peer.Uid == 0;
        if (!root && ((q.Uid is { } uid && uid != (uint)peer.Uid) || q.AllUsers))
            return Fail(w, AdminStatus.Refused,
                $"user {ConnectHelp.UserName(peer.Uid)} (uid {peer.Uid}) may only read and reset its own statistics; only root sees other users' " +
                "(run ock stats without --user, or as root)");
        uint? who = root ? (q.AllUsers ? null : q.Uid) : (uint)peer.Uid;
        var rows = _stats.Read(who, q.Slot, q.Reset);
        if (q.Reset)
        {
            _log.Info("admin Stats reset by uid {0} (pid {1}): user {2}, slot {3}", peer.Uid, peer.Pid,
                who?.ToString() ?? "all", q.Slot?.ToString() ?? "all");
        }

        AdminCodec.WriteStats(w, rows.Select(x => new AdminMechanismStats(x.Uid, x.Slot, x.Mechanism, x.PerStrength)).ToList());
        return AdminStatus.Ok;
    }

    private IActorRef? TokenOf(ulong slot)
    {
        var list = _slotManager.Ask<SlotList>(ListSlots.Instance, AskTimeout).GetAwaiter().GetResult();
        return list.Table.Slots.TryGetValue(slot, out var s) ? s.Token : null;
    }

    /// <summary>The daemon's status (ock status; the metrics endpoint), asked of the actors; blocks the calling thread.</summary>
    public AdminStatusReport Status()
    {
        var list = _slotManager.Ask<SlotList>(ListSlots.Instance, AskTimeout).GetAwaiter().GetResult();
        var usages = list.Slots
            .Select(s => list.Table.Slots[s.Id].Token.Ask<TokenProtocol.TokenUsage>(TokenProtocol.GetUsage.Instance, AskTimeout))
            .ToList();
        var apps = _applications.Ask<ApplicationList>(ListApplications.Instance, AskTimeout).GetAwaiter().GetResult();
        var slots = new List<AdminSlotStatus>();
        for (var i = 0; i < list.Slots.Count; i++)
        {
            var u = usages[i].GetAwaiter().GetResult();
            slots.Add(new AdminSlotStatus(ToAdmin(list.Slots[i]), u.Initialized, u.Label, (ulong)u.Sessions, (ulong)u.RwSessions,
                (ulong)u.SessionObjects, (ulong)u.LoggedInApplications));
        }

        var processes = apps.Applications
            .Select(a => new AdminProcess(a.AppId, (uint)a.Pid, (uint)a.Uid, (uint)a.SessionsPerSlot.Values.Sum()))
            .ToList();
        var version = typeof(AdminServer).Assembly.GetName().Version?.ToString() ?? "0";
        AdminConnections? connections = null;
        if (ModuleSocket is { } server)
        {
            var c = server.Counts;
            connections = new AdminConnections((uint)c.Connections, (uint)c.Unadmitted, (uint)c.ReaderThreads, (uint)server.Limits.MaxConnections,
                (uint)server.Limits.MaxConnectionsPerUid, c.PerUid.OrderBy(x => x.Key).Select(x => ((uint)x.Key, (uint)x.Value)).ToList());
        }

        return new AdminStatusReport((uint)Environment.ProcessId, (ulong)(DateTime.UtcNow - _started).TotalSeconds, version, _store, slots, processes)
        {
            Connections = connections,
        };
    }

    private AdminStatus Result(PeerCredentials peer, AdminOp op, WireWriter w, AdminResult result)
    {
        _log.Info("admin {0} by uid {1} (pid {2}): {3}", op, peer.Uid, peer.Pid, result.Message);
        w.WriteString(result.Message);
        return result.Ok ? AdminStatus.Ok : AdminStatus.Failed;
    }

    private static AdminSlot ToAdmin(SlotSettings s) =>
        new(s.Id, s.TokenType, s.TokenName, s.Description, (uint)s.MaxLoginFailures, s.Group ?? "");

    private static AdminStatus Fail(WireWriter w, AdminStatus status, string message)
    {
        w.Reset();
        w.WriteBytes(Encoding.UTF8.GetBytes(message));
        return status;
    }

    private static void Send(Socket socket, uint id, AdminStatus status, WireWriter payload)
    {
        var frame = new byte[Frame.ReplyHeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(frame.Length - 4));
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), id);
        BinaryPrimitives.WriteUInt64LittleEndian(frame.AsSpan(8), (ulong)status);
        payload.WrittenSpan.CopyTo(frame.AsSpan(Frame.ReplyHeaderSize));
        socket.Send(frame);
    }

    public void Dispose()
    {
        if (_listener is null) return; // never started: status source of the metrics endpoint only
        _listener.Dispose();
        try
        {
            File.Delete(SocketPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

}
