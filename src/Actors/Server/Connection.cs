using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Applications;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Tokens;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using static OpenCryptokiActors.Actors.Applications.ApplicationProtocol;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>
/// One client connection of the module socket, driven by the <see cref="Edge"/>: the Hello admits it (peer credentials,
/// group, limits) into a new or an existing application; then each request frame is told to the actor that serves it —
/// straight to the session actor (session-local calls) or the slot's token (token-scoped calls) through the
/// application's <see cref="SessionDirectory"/>, else to the application's actor: one hop (<see cref="Dispatch"/>).
/// Replies are written by whichever actor produced them (<see cref="Send"/>). While a request is outstanding longer than
/// limits.keepalive-interval, a keep-alive frame goes out every interval (docs/wire-protocol.md). A process may have
/// several connections, all in one application (the first Hello creates it, later ones join it with its id and secret).
/// </summary>
internal sealed class Connection : EdgeConnection, IReplySink
{
    private readonly SocketServer _server;
    private readonly ILoggingAdapter _log;
    private readonly Lock _sendLock = new();
    private Connected? _connected;

    /// <summary>Where this connection's requests are answered (the reply reference of the actor protocol) and who makes them.</summary>
    private ConnectionReplies? _replies;
    private Caller? _caller;

    // the request being worked on (one at a time per connection), for keep-alives
    private volatile uint _pendingId;
    private long _pendingSince;
    private long _lastKeepAlive;

    private const byte HelloNew = 0;
    private const byte HelloJoin = 1;
    private const byte HelloFork = 2;
    private const int SecretLength = 16;
    private const int StackReply = 2048;

    public Connection(Socket socket, PeerCredentials peer, SocketServer server, ILoggingAdapter log)
        : base(socket, peer)
    {
        _server = server;
        _log = log;
    }

    public void Close() => Edge.Close(this, null);

    public void Send(uint requestId, ulong rv, ReadOnlySpan<byte> payload)
    {
        lock (_sendLock)
        {
            if (_pendingId == requestId) _pendingId = 0;
            var total = Frame.ReplyHeaderSize + payload.Length;
            byte[]? rented = null;
            Span<byte> span = total <= StackReply ? stackalloc byte[StackReply] : (rented = ArrayPool<byte>.Shared.Rent(total));
            span = span[..total];
            BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)(total - 4));
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], requestId);
            BinaryPrimitives.WriteUInt64LittleEndian(span[8..], rv);
            payload.CopyTo(span[Frame.ReplyHeaderSize..]);
            try
            {
                var sent = 0;
                while (sent < total) sent += Socket.Send(span[sent..]);
            }
            catch (SocketException)
            {
                // The client went away; its reader sees the end of the stream and cleans up.
            }
            catch (ObjectDisposedException)
            {
            }
            finally
            {
                if (rented is not null) ArrayPool<byte>.Shared.Return(rented, clearArray: true);
                else span.Clear();
            }
        }
    }

    /// <summary>
    /// A keep-alive for the request outstanding since more than keepalive-interval (reply frame: id 0, rv 0, u32 request
    /// id), at most one per interval; never after that request's reply (both under the send lock). Not blocking: a
    /// client that does not read gets none.
    /// </summary>
    internal override unsafe void Tick(long now)
    {
        var interval = (long)(Edge.Limits.KeepAliveInterval.TotalSeconds * Stopwatch.Frequency);
        var id = _pendingId;
        if (id == 0 || now - Volatile.Read(ref _pendingSince) < interval || now - _lastKeepAlive < interval) return;
        lock (_sendLock)
        {
            if (_pendingId != id) return;
            var frame = stackalloc byte[Frame.KeepAliveSize];
            var span = new Span<byte>(frame, Frame.KeepAliveSize);
            BinaryPrimitives.WriteUInt32LittleEndian(span, Frame.KeepAliveSize - 4);
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Frame.KeepAliveId);
            BinaryPrimitives.WriteUInt64LittleEndian(span[8..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(span[16..], id);
            var n = Libc.send(Fd, frame, Frame.KeepAliveSize, Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL);
            try
            {
                // a partial write (a nearly full socket buffer) is finished, so that the stream stays framed
                if (n > 0 && n < Frame.KeepAliveSize) Socket.Send(span[(int)n..]);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }

            if (n > 0) _lastKeepAlive = now;
        }
    }

    internal override void Closed()
    {
        _connected?.Application.Tell(ConnectionClosed.Instance);
        _replies?.Close();
        _server.Forget(this);
        base.Closed();
    }

    protected override bool Admit(uint id, ushort opcode, ReadOnlySpan<byte> hello)
    {
        if ((Opcode)opcode != Opcode.Hello)
        {
            _log.Warning("connection closed: first frame was not Hello");
            return false;
        }

        var peer = Peer with { Groups = [.. UnixGroups.GroupsOf(Peer.Pid)] };
        Peer = peer;
        if (!_server.Ready)
        {
            Refuse(id, Frame.HelloStarting, "ock-slotd is starting: its tokens are being recovered");
            return false;
        }

        var refusal = Admit(peer, hello.ToArray(), out var join);
        if (refusal is null && Edge.TryAdmit(this) is { } limit) refusal = (CKR.DEVICE_ERROR, limit);
        if (refusal is null)
        {
            object answer = join is null
                ? _server.Applications.Ask<Connected>(new Connect(peer), TimeSpan.FromSeconds(10)).GetAwaiter().GetResult()
                : _server.Applications.Ask<object>(join, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            if (answer is Connected connected)
            {
                _replies = new ConnectionReplies(((IInternalActorRef)_server.Applications).Provider, this, _log);
                _caller = new Caller(connected.AppId, peer);
                _connected = connected;
                using var w = new WireWriter();
                w.WriteUInt32(Frame.ProtocolVersion);
                w.WriteULong(connected.AppId);
                w.WriteRaw(connected.Secret);
                Send(id, CKR.OK, w.WrittenSpan);
                return true;
            }

            refusal = (CKR.FUNCTION_FAILED, answer is JoinRefused r ? r.Reason : "cannot join the application");
        }

        Refuse(id, refusal.Value.Rv, refusal.Value.Reason);
        _log.Warning("refused pid {0} uid {1}: {2}", peer.Pid, peer.Uid, refusal.Value.Reason);
        return false;
    }

    private void Refuse(uint id, ulong rv, string reason)
    {
        using var w = new WireWriter();
        w.WriteBytes(System.Text.Encoding.UTF8.GetBytes(reason));
        Send(id, rv, w.WrittenSpan);
    }

    protected override void OnFrame(uint requestId, ushort opcode, ReadOnlySpan<byte> payload)
    {
        Volatile.Write(ref _pendingSince, Stopwatch.GetTimestamp());
        _pendingId = requestId;
        Dispatch(requestId, (Opcode)opcode, payload);
    }

    /// <summary>
    /// Decodes one request into a command of the actor protocol and tells it to the actor that serves it: the session's
    /// actor or its token straight from the application's session directory (one hop), else the application's actor.
    /// A payload that does not decode is answered here.
    /// </summary>
    private void Dispatch(uint requestId, Opcode op, ReadOnlySpan<byte> payload)
    {
        var connected = _connected!;
        SessionRoute? route = null;
        if (op != Opcode.CloseSession && RequestDecoder.SessionOf(op, payload) is { } handle) connected.Sessions.Map.TryGetValue(handle, out route);
        Request request;
        try
        {
            request = RequestDecoder.Decode(requestId, op, payload, _replies!, _caller!, route?.Session);
        }
        catch (WireFormatException)
        {
            Send(requestId, CKR.ARGUMENTS_BAD, ReadOnlySpan<byte>.Empty);
            return;
        }
        catch (CkException e)
        {
            Send(requestId, e.Rv, ReadOnlySpan<byte>.Empty);
            return;
        }
        catch (Exception e)
        {
            _log.Error(e, "request {0} ({1}) could not be decoded", requestId, op);
            Send(requestId, CKR.FUNCTION_FAILED, ReadOnlySpan<byte>.Empty);
            return;
        }

        if (route is not null)
        {
            if (request is Sessions.ISessionCommand)
            {
                route.Session.Tell(request);
                return;
            }

            if (request is Tokens.ITokenCommand)
            {
                route.Token.Tell(request);
                return;
            }
        }

        connected.Application.Tell(request);
    }

    private (ulong Rv, string Reason)? Admit(PeerCredentials peer, byte[] hello, out IProtocolMessage? join)
    {
        join = null;
        var r = new WireReader(hello);
        if (r.Remaining < 8) return (CKR.DEVICE_ERROR, "malformed Hello");
        var magic = r.ReadUInt32();
        var version = r.ReadUInt32();
        if (magic != Frame.Magic) return (CKR.DEVICE_ERROR, "not an OpenCryptokiActors client");
        if (version != Frame.ProtocolVersion)
            return (CKR.DEVICE_ERROR, ConnectHelp.VersionMismatch(_server.SocketPath, Frame.ProtocolVersion, version, "the module"));
        if (!_server.IsAdmitted(peer))
            return (CKR.FUNCTION_FAILED, ConnectHelp.NotInGroup(peer.Uid, _server.GroupName, _server.GroupExists, "ock-slotd"));
        try
        {
            r.ReadUInt32(); // the client's pid (SO_PEERCRED is what counts)
            var mode = r.ReadByte();
            if (mode is HelloJoin or HelloFork)
            {
                var appId = r.ReadULong();
                var secret = r.ReadRaw(SecretLength).ToArray();
                r.ExpectEnd();
                // mode 2: a fork()ed child takes over the clone its parent's ForkPrepare made (ForkProtocol)
                join = mode == HelloJoin ? new Join(appId, secret, peer) : new ForkProtocol.ClaimClone(appId, secret, peer);
            }
            else if (mode == HelloNew) r.ExpectEnd();
            else return (CKR.DEVICE_ERROR, "malformed Hello");
        }
        catch (WireFormatException)
        {
            return (CKR.DEVICE_ERROR, "malformed Hello");
        }

        return null;
    }
}
