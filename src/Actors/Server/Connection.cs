using System.Buffers;
using System.Buffers.Binary;
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
/// One client connection: a dedicated thread reads frames with blocking calls (one recv per small request) and
/// tells each to the actor that serves it — straight to the session actor (session-local calls) or the slot's token
/// (token-scoped calls) through the application's <see cref="SessionDirectory"/>, else to the application's actor:
/// one hop. Replies are written by whichever actor produced them. A process may have several connections, all in
/// one application (the first Hello creates it, later ones join it with its id and secret).
/// </summary>
internal sealed class Connection : IReplySink
{
    private readonly Socket _socket;
    private readonly SocketServer _server;
    private readonly ILoggingAdapter _log;
    private readonly Lock _sendLock = new();
    private byte[] _sendBuffer = new byte[4096];
    private volatile bool _closed;

    /// <summary>Frames read ahead: [_start, _end) of _in. One request is usually one recv.</summary>
    private readonly byte[] _in = GC.AllocateUninitializedArray<byte>(InBufferSize);
    private int _start;
    private int _end;

    private const int InBufferSize = 64 * 1024;
    private const byte HelloNew = 0;
    private const byte HelloJoin = 1;
    private const byte HelloFork = 2;
    private const int SecretLength = 16;

    public Connection(Socket socket, SocketServer server, ILoggingAdapter log)
    {
        _socket = socket;
        _server = server;
        _log = log;
    }

    public void Start()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "ock-connection" };
        thread.Start();
    }

    public void Close()
    {
        _closed = true;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
    }

    public void Send(uint requestId, ulong rv, ReadOnlySpan<byte> payload)
    {
        lock (_sendLock)
        {
            var total = Frame.ReplyHeaderSize + payload.Length;
            if (_sendBuffer.Length < total) _sendBuffer = new byte[Math.Max(total, _sendBuffer.Length * 2)];
            var span = _sendBuffer.AsSpan(0, total);
            BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)(total - 4));
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], requestId);
            BinaryPrimitives.WriteUInt64LittleEndian(span[8..], rv);
            payload.CopyTo(span[Frame.ReplyHeaderSize..]);
            try
            {
                var sent = 0;
                while (sent < total) sent += _socket.Send(span[sent..]);
            }
            catch (SocketException)
            {
                // The client went away; its reader sees the end of the stream and cleans up.
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private void Run()
    {
        IActorRef? application = null;
        try
        {
            var (id, opcode, payload) = ReadRequest();
            if (payload is null) return;
            if (opcode != Opcode.Hello)
            {
                _log.Warning("connection closed: first frame was not Hello");
                return;
            }

            var peer = _server.PeerOf(_socket);
            peer = peer with { Groups = [.. UnixGroups.GroupsOf(peer.Pid)] };
            var refusal = Admit(peer, payload, out var join);
            if (refusal is null)
            {
                object answer = join is null
                    ? _server.Applications.Ask<Connected>(new Connect(peer), TimeSpan.FromSeconds(10)).GetAwaiter().GetResult()
                    : _server.Applications.Ask<object>(join, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
                if (answer is Connected connected)
                {
                    application = connected.Application;
                    using (var w = new WireWriter())
                    {
                        w.WriteUInt32(Frame.ProtocolVersion);
                        w.WriteULong(connected.AppId);
                        w.WriteRaw(connected.Secret);
                        Send(id, CKR.OK, w.WrittenSpan);
                    }

                    Serve(connected, peer);
                    return;
                }

                refusal = (CKR.FUNCTION_FAILED, answer is JoinRefused r ? r.Reason : "cannot join the application");
            }

            using (var w = new WireWriter())
            {
                w.WriteBytes(System.Text.Encoding.UTF8.GetBytes(refusal.Value.Reason));
                Send(id, refusal.Value.Rv, w.WrittenSpan);
            }

            _log.Warning("refused pid {0} uid {1}: {2}", peer.Pid, peer.Uid, refusal.Value.Reason);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (Exception e)
        {
            _log.Error(e, "connection failed");
        }
        finally
        {
            application?.Tell(ConnectionClosed.Instance);
            _server.Forget(this);
            Close();
        }
    }

    /// <summary>Reads requests until the end of the stream, each told to the actor that serves it.</summary>
    private void Serve(Connected connected, PeerCredentials peer)
    {
        var replies = new ConnectionReplies(((IInternalActorRef)_server.Applications).Provider, this, _log);
        var caller = new Caller(connected.AppId, peer);
        try
        {
            while (!_closed)
            {
                var (requestId, op, body) = ReadRequest();
                if (body is null) return;
                Dispatch(requestId, op, body, connected, caller, replies);
            }
        }
        finally
        {
            replies.Close();
        }
    }

    /// <summary>
    /// Decodes one request into a command of the actor protocol and tells it to the actor that serves it: the session's
    /// actor or its token straight from the application's session directory (one hop), else the application's actor.
    /// A payload that does not decode is answered here.
    /// </summary>
    private void Dispatch(uint requestId, Opcode op, byte[] payload, Connected connected, Caller caller, IActorRef replies)
    {
        SessionRoute? route = null;
        if (op != Opcode.CloseSession && RequestDecoder.SessionOf(op, payload) is { } handle) connected.Sessions.Map.TryGetValue(handle, out route);
        Request request;
        try
        {
            request = RequestDecoder.Decode(requestId, op, payload, replies, caller, route?.Session);
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
            if (mode == HelloFork)
            {
                // A fork()ed child takes over the clone its parent's ForkPrepare made (ForkProtocol).
                var appId = r.ReadULong();
                var secret = r.ReadRaw(SecretLength).ToArray();
                r.ExpectEnd();
                join = new ForkProtocol.ClaimClone(appId, secret, peer);
            }
            else if (mode == HelloJoin)
            {
                var appId = r.ReadULong();
                var secret = r.ReadRaw(SecretLength).ToArray();
                r.ExpectEnd();
                join = new Join(appId, secret, peer);
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

    /// <summary>
    /// Reads one request: header and small payload usually come in one recv (read ahead into <see cref="_in"/>);
    /// a payload larger than the buffer is received straight into its own array. Null payload = end of stream or bad
    /// framing (the connection closes).
    /// </summary>
    private (uint Id, Opcode Opcode, byte[]? Payload) ReadRequest()
    {
        if (!Fill(Frame.RequestHeaderSize)) return (0, 0, null);
        var header = _in.AsSpan(_start, Frame.RequestHeaderSize);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var id = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        var opcode = (Opcode)BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        if (length < Frame.RequestHeaderSize - 4 || length > Frame.MaxFrameLength)
        {
            _log.Warning("connection closed: frame length {0} out of range", length);
            return (id, opcode, null);
        }

        var size = (int)length - (Frame.RequestHeaderSize - 4);
        _start += Frame.RequestHeaderSize;
        byte[] payload;
        if (size <= InBufferSize - Frame.RequestHeaderSize)
        {
            if (!Fill(size)) return (id, opcode, null);
            payload = _in.AsSpan(_start, size).ToArray();
            _start += size;
        }
        else
        {
            // Large: no zeroing (every byte is received), no copy through the read-ahead buffer.
            payload = GC.AllocateUninitializedArray<byte>(size);
            var buffered = _end - _start;
            _in.AsSpan(_start, buffered).CopyTo(payload);
            _start = _end = 0;
            if (!ReadExactly(payload.AsSpan(buffered))) return (id, opcode, null);
        }

        if (_start == _end) _start = _end = 0;
        return (id, opcode, payload);
    }

    /// <summary>Makes sure at least <paramref name="count"/> (≤ buffer size) bytes are buffered; false at end of stream.</summary>
    private bool Fill(int count)
    {
        if (_end - _start >= count) return true;
        if (_start + count > _in.Length)
        {
            _in.AsSpan(_start, _end - _start).CopyTo(_in);
            _end -= _start;
            _start = 0;
        }

        while (_end - _start < count)
        {
            var n = _socket.Receive(_in.AsSpan(_end));
            if (n == 0) return false;
            _end += n;
        }

        return true;
    }

    private bool ReadExactly(Span<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = _socket.Receive(buffer[read..]);
            if (n == 0) return false;
            read += n;
        }

        return true;
    }
}
