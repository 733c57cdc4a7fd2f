using OpenCryptokiActors.Actors.Protocol;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Configuration;
using static OpenCryptokiActors.Actors.Applications.ApplicationProtocol;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>
/// The Unix socket the PKCS#11 module connects to: admission by peer credentials (root, the daemon's own
/// user, members of the configured group) and opencryptoki.limits, one <see cref="Connection"/> per client, all driven
/// by one <see cref="Edge"/> (no thread per idle connection). The socket file appears only once the daemon accepts: it is
/// bound under a temporary name, listening, then renamed into place; until <see cref="Start"/> a Hello is answered
/// "starting" (the module retries), never a refused connect that looks like a stale socket.
/// </summary>
public sealed class SocketServer : IDisposable
{
    private readonly OpenCryptokiSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly ConcurrentDictionary<Connection, byte> _connections = new();
    private readonly int? _groupId;
    private Socket? _listener;
    private Edge? _edge;
    private volatile bool _ready;

    public SocketServer(OpenCryptokiSettings settings, ILoggingAdapter log)
    {
        _settings = settings;
        _log = log;
        _groupId = UnixGroups.Gid(settings.Group);
    }

    /// <summary>The daemon's own user (admitted); read at each check, since ock-slotd may switch users after binding.</summary>
    private static uint OwnUid => Libc.geteuid();

    internal IActorRef Applications { get; private set; } = ActorRefs.Nobody;

    internal bool Ready => _ready;

    internal string GroupName => _settings.Group;

    internal bool GroupExists => _groupId is not null;

    public string SocketPath => Path.GetFullPath(_settings.Socket);

    /// <summary>opencryptoki.limits.</summary>
    public EdgeLimits Limits => _settings.Limits;

    /// <summary>Admitted connections, connections before Hello, reader threads, admitted connections per uid (ock status).</summary>
    public (int Connections, int Unadmitted, int ReaderThreads, IReadOnlyDictionary<int, int> PerUid) Counts =>
        _edge is { } e ? (e.Connections, e.Unadmitted, e.ReaderThreads, e.ConnectionsPerUid) : (0, 0, 0, new Dictionary<int, int>());

    /// <summary>
    /// Creates the socket (mode and group from the settings), listening and accepting; a Hello is answered "starting"
    /// until <see cref="Start"/>.
    /// </summary>
    public void Bind()
    {
        _listener = BindUnix(SocketPath, _settings.SocketMode, _settings.Group, _log, 512);
        _edge = new Edge("module socket", _settings.Limits, _log);
        _edge.Accept(_listener, (socket, peer) =>
        {
            var c = new Connection(socket, peer, this, _log);
            _connections[c] = 0;
            return c;
        });
    }

    /// <summary>Admits connections for <paramref name="applications"/> (binds first when <see cref="Bind"/> was not called).</summary>
    public void Start(IActorRef applications)
    {
        Applications = applications;
        if (_listener is null) Bind();
        _ready = true;
    }

    /// <summary>
    /// A Unix socket at <paramref name="path"/> with the mode and, as root, the group given, listening: bound under a
    /// temporary name beside it and renamed into place (atomically replacing a stale file), so that whoever sees the
    /// path can connect.
    /// </summary>
    internal static Socket BindUnix(string path, string mode, string group, ILoggingAdapter log, int backlog)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.new");
        if (File.Exists(temporary)) File.Delete(temporary);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(temporary));
            File.SetUnixFileMode(temporary, (UnixFileMode)Convert.ToInt32(mode, 8));
            if (group.Length > 0 && UnixGroups.Gid(group) is { } gid && OwnUid == 0 && Libc.chown(temporary, -1, gid) != 0)
                log.Warning("could not give socket {0} to group {1}", path, group);
            listener.Listen(backlog);
            File.Move(temporary, path, overwrite: true);
            return listener;
        }
        catch
        {
            listener.Dispose();
            try
            {
                File.Delete(temporary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }

            throw;
        }
    }

    internal void Forget(Connection connection) => _connections.TryRemove(connection, out _);

    internal bool IsAdmitted(PeerCredentials peer)
    {
        if (peer.Uid == 0 || (uint)peer.Uid == OwnUid) return true;
        if (_groupId is not { } gid) return false;
        return peer.Gid == gid || (peer.Groups.IsDefault ? UnixGroups.GroupsOf(peer.Pid) : (IReadOnlyCollection<int>)peer.Groups).Contains(gid);
    }

    /// <summary>Stops accepting, closes every connection (their applications clean up) and removes the socket file.</summary>
    public void Dispose()
    {
        _listener?.Dispose();
        _edge?.Dispose();
        foreach (var c in _connections.Keys) c.Close();
        try
        {
            File.Delete(SocketPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
