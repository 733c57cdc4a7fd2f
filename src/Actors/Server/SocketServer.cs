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
/// user, members of the configured group), one <see cref="Connection"/> per client.
/// </summary>
public sealed class SocketServer : IDisposable
{
    private readonly OpenCryptokiSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly ConcurrentDictionary<Connection, byte> _connections = new();
    private readonly int? _groupId;
    private Socket? _listener;

    public SocketServer(OpenCryptokiSettings settings, ILoggingAdapter log)
    {
        _settings = settings;
        _log = log;
        _groupId = UnixGroups.Gid(settings.Group);
    }

    /// <summary>The daemon's own user (admitted); read at each check, since ock-slotd may switch users after binding.</summary>
    private static uint OwnUid => Libc.geteuid();

    internal IActorRef Applications { get; private set; } = ActorRefs.Nobody;

    internal string GroupName => _settings.Group;

    internal bool GroupExists => _groupId is not null;

    public string SocketPath => Path.GetFullPath(_settings.Socket);

    /// <summary>
    /// Creates and binds the socket (mode and group from the settings), not yet listening: until <see cref="Start"/>
    /// a client's connect is refused at once, as when no daemon runs.
    /// </summary>
    public void Bind() => _listener = BindUnix(SocketPath, _settings.SocketMode, _settings.Group, _log);

    /// <summary>Accepts connections for <paramref name="applications"/> (binds first when <see cref="Bind"/> was not called).</summary>
    public void Start(IActorRef applications)
    {
        Applications = applications;
        if (_listener is null) Bind();
        _listener!.Listen(512);
        var thread = new Thread(AcceptLoop) { IsBackground = true, Name = "ock-accept" };
        thread.Start();
    }

    /// <summary>A Unix socket bound at <paramref name="path"/> (a stale file is replaced) with the mode and, as root, the group given; not listening yet.</summary>
    internal static Socket BindUnix(string path, string mode, string group, ILoggingAdapter log)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path)) File.Delete(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));
            if (group.Length > 0 && UnixGroups.Gid(group) is { } gid && OwnUid == 0 && Libc.chown(path, -1, gid) != 0)
                log.Warning("could not give socket {0} to group {1}", path, group);
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    private void AcceptLoop()
    {
        var listener = _listener!;
        while (true)
        {
            Socket client;
            try
            {
                client = listener.Accept();
            }
            catch (SocketException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            var connection = new Connection(client, this, _log);
            _connections[connection] = 0;
            connection.Start();
        }
    }

    internal void Forget(Connection connection) => _connections.TryRemove(connection, out _);

    internal PeerCredentials PeerOf(Socket socket)
    {
        Span<byte> cred = stackalloc byte[12];
        socket.GetRawSocketOption(1 /* SOL_SOCKET */, 17 /* SO_PEERCRED */, cred);
        return new PeerCredentials(
            BitConverter.ToInt32(cred[..4]),
            BitConverter.ToInt32(cred.Slice(4, 4)),
            BitConverter.ToInt32(cred.Slice(8, 4)));
    }

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
