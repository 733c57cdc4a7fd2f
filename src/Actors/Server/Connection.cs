using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Applications;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using static OpenCryptokiActors.Actors.Applications.ApplicationProtocol;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>
/// One client connection: a dedicated thread reads frames with blocking calls and tells them to the
/// application's actor (one hop); replies are written by whichever actor produced them.
/// </summary>
internal sealed class Connection : IReplySink
{
    private readonly Socket _socket;
    private readonly SocketServer _server;
    private readonly ILoggingAdapter _log;
    private readonly Lock _sendLock = new();
    private byte[] _sendBuffer = new byte[4096];
    private volatile bool _closed;

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
        var header = new byte[Frame.RequestHeaderSize];
        try
        {
            if (!ReadExactly(header)) return;
            var (id, opcode, payload) = ParseRequest(header);
            if (opcode != Opcode.Hello || payload is null)
            {
                _log.Warning("connection closed: first frame was not Hello");
                return;
            }

            var peer = _server.PeerOf(_socket);
            peer = peer with { Groups = UnixGroups.GroupsOf(peer.Pid) };
            var refusal = Admit(peer, payload);
            if (refusal is not null)
            {
                using var w = new WireWriter();
                w.WriteBytes(System.Text.Encoding.UTF8.GetBytes(refusal.Value.Reason));
                Send(id, refusal.Value.Rv, w.WrittenSpan);
                _log.Warning("refused pid {0} uid {1}: {2}", peer.Pid, peer.Uid, refusal.Value.Reason);
                return;
            }

            var connected = _server.Applications.Ask<Connected>(new Connect(peer, this), TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            application = connected.Application;
            using (var w = new WireWriter())
            {
                w.WriteUInt32(Frame.ProtocolVersion);
                w.WriteULong(connected.AppId);
                Send(id, CKR.OK, w.WrittenSpan);
            }

            while (!_closed && ReadExactly(header))
            {
                var (requestId, op, body) = ParseRequest(header);
                if (body is null) return;
                application.Tell(new ClientRequest(requestId, op, body, this));
            }
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

    private (ulong Rv, string Reason)? Admit(ApplicationProtocol.PeerCredentials peer, byte[] hello)
    {
        var r = new WireReader(hello);
        if (r.Remaining < 8) return (CKR.DEVICE_ERROR, "malformed Hello");
        var magic = r.ReadUInt32();
        var version = r.ReadUInt32();
        if (magic != Frame.Magic) return (CKR.DEVICE_ERROR, "not an OpenCryptokiActors client");
        if (version != Frame.ProtocolVersion)
            return (CKR.DEVICE_ERROR, ConnectHelp.VersionMismatch(_server.SocketPath, Frame.ProtocolVersion, version, "the module"));
        return _server.IsAdmitted(peer)
            ? null
            : (CKR.FUNCTION_FAILED, ConnectHelp.NotInGroup(peer.Uid, _server.GroupName, _server.GroupExists, "ock-slotd"));
    }

    /// <summary>Reads the rest of a request whose header is in <paramref name="header"/>; null payload = bad framing (connection closes).</summary>
    private (uint Id, Opcode Opcode, byte[]? Payload) ParseRequest(byte[] header)
    {
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var id = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        var opcode = (Opcode)BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(8));
        if (length < Frame.RequestHeaderSize - 4 || length > Frame.MaxFrameLength)
        {
            _log.Warning("connection closed: frame length {0} out of range", length);
            return (id, opcode, null);
        }

        var payload = new byte[length - (Frame.RequestHeaderSize - 4)];
        if (!ReadExactly(payload)) return (id, opcode, null);
        return (id, opcode, payload);
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
