using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Cryptoki.Admin;

/// <summary>A failure to talk to the admin socket, with the sentence to print (what and how to fix it).</summary>
public sealed class AdminException(string message) : Exception(message);

/// <summary>
/// Client of ock-slotd's admin socket (used by `ock slot …` and `ock status`): connect, Hello, then one request at a
/// time. Failures throw <see cref="AdminException"/> with the same sentences the module traces.
/// </summary>
public sealed class AdminClient : IDisposable
{
    public const string SocketVariable = "OPENCRYPTOKI_ACTORS_ADMIN_SOCKET";
    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(2);

    private readonly Socket _socket;
    private uint _nextId;

    private AdminClient(Socket socket, string path)
    {
        _socket = socket;
        SocketPath = path;
    }

    public string SocketPath { get; }

    /// <summary>The admin socket: <paramref name="explicitPath"/>, $OPENCRYPTOKI_ACTORS_ADMIN_SOCKET, ./var/run/slotd-admin.socket if present, else the system path.</summary>
    public static string ResolvePath(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath)) return Path.GetFullPath(explicitPath);
        var env = Environment.GetEnvironmentVariable(SocketVariable);
        if (!string.IsNullOrEmpty(env)) return env;
        const string local = "./var/run/slotd-admin.socket";
        return File.Exists(local) ? Path.GetFullPath(local) : "/run/opencryptoki-actors/admin.socket";
    }

    /// <summary>Connects and says Hello; the timeout bounds every later request (reload and add wait for the tokens).</summary>
    public static AdminClient Connect(string path, TimeSpan requestTimeout)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e)
        {
            socket.Dispose();
            var errno = e.SocketErrorCode switch
            {
                SocketError.AddressNotAvailable => ConnectHelp.ENOENT,
                SocketError.ConnectionRefused => ConnectHelp.ECONNREFUSED,
                SocketError.AccessDenied => ConnectHelp.EACCES,
                _ => e.NativeErrorCode,
            };
            if (errno == ConnectHelp.ENOENT && !File.Exists(path)) errno = ConnectHelp.ENOENT;
            throw new AdminException(ConnectHelp.ConnectFailed(path, errno, SocketVariable, CurrentUid(), null, e.Message)
                .Replace("opencryptoki.socket", "opencryptoki.admin.socket").Replace("opencryptoki.group", "opencryptoki.admin.group"));
        }

        var client = new AdminClient(socket, path);
        try
        {
            socket.ReceiveTimeout = (int)HelloTimeout.TotalMilliseconds;
            using var w = new WireWriter();
            w.WriteUInt32(AdminCodec.Magic);
            w.WriteUInt32(AdminCodec.Version);
            var (status, payload) = client.Call(AdminOp.Hello, w);
            if (status != AdminStatus.Ok) throw new AdminException(ConnectHelp.Refused(path, Message(payload)));
            var version = BinaryPrimitives.ReadUInt32LittleEndian(payload);
            if (version != AdminCodec.Version)
                throw new AdminException(ConnectHelp.VersionMismatch(path, version, AdminCodec.Version, "ock"));
            socket.ReceiveTimeout = (int)requestTimeout.TotalMilliseconds;
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>One request; returns the status and the reply payload. Throws <see cref="AdminException"/> on I/O failure.</summary>
    public (AdminStatus Status, byte[] Payload) Call(AdminOp op, WireWriter? payload)
    {
        var body = payload is null ? ReadOnlySpan<byte>.Empty : payload.WrittenSpan;
        var frame = new byte[Frame.RequestHeaderSize + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(frame.Length - 4));
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), ++_nextId);
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(8), (ushort)op);
        body.CopyTo(frame.AsSpan(Frame.RequestHeaderSize));
        try
        {
            _socket.Send(frame);
            var header = new byte[4];
            ReceiveExactly(header);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
            if (length < Frame.ReplyHeaderSize - 4 || length > Frame.MaxFrameLength) throw new AdminException($"bad reply length {length} from {SocketPath}");
            var reply = new byte[length];
            ReceiveExactly(reply);
            var id = BinaryPrimitives.ReadUInt32LittleEndian(reply);
            if (id != _nextId) throw new AdminException($"reply id {id} does not match request {_nextId} on {SocketPath}");
            var status = (AdminStatus)BinaryPrimitives.ReadUInt64LittleEndian(reply.AsSpan(4));
            return (status, reply[12..]);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            throw new AdminException(ConnectHelp.Timeout(SocketPath, _socket.ReceiveTimeout));
        }
        catch (SocketException e)
        {
            throw new AdminException($"connection to ock-slotd at {SocketPath} failed: {e.Message}");
        }
    }

    /// <summary>A request whose OK reply is a message (add, remove, reload); a failure status throws with the daemon's message.</summary>
    public string Command(AdminOp op, WireWriter? payload)
    {
        var (status, reply) = Call(op, payload);
        var message = Message(reply);
        if (status != AdminStatus.Ok) throw new AdminException(message);
        return message;
    }

    public IReadOnlyList<AdminSlot> ListSlots()
    {
        var (status, reply) = Call(AdminOp.SlotList, null);
        if (status != AdminStatus.Ok) throw new AdminException(Message(reply));
        var r = new WireReader(reply);
        return AdminCodec.ReadSlots(ref r);
    }

    public AdminStatusReport Status()
    {
        var (status, reply) = Call(AdminOp.Status, null);
        if (status != AdminStatus.Ok) throw new AdminException(Message(reply));
        var r = new WireReader(reply);
        return AdminCodec.ReadStatus(ref r);
    }

    /// <summary>Mechanism usage counters (ock stats); with <see cref="AdminStatsQuery.Reset"/> they are set to zero and returned as they were.</summary>
    public IReadOnlyList<AdminMechanismStats> Stats(AdminStatsQuery query)
    {
        using var w = new WireWriter();
        AdminCodec.WriteStatsQuery(w, query);
        var (status, reply) = Call(AdminOp.Stats, w);
        if (status != AdminStatus.Ok) throw new AdminException(Message(reply));
        var r = new WireReader(reply);
        var rows = AdminCodec.ReadStats(ref r);
        r.ExpectEnd();
        return rows;
    }

    /// <param name="policy">HOCON of the slot's policy (a <c>policy { … }</c> block or its body); null: none.</param>
    public string AddSlot(AdminSlot slot, string? policy = null)
    {
        using var w = new WireWriter();
        AdminCodec.WriteSlot(w, slot);
        if (policy != null) w.WriteString(policy);
        return Command(AdminOp.SlotAdd, w);
    }

    public string RemoveSlot(ulong id)
    {
        using var w = new WireWriter();
        w.WriteULong(id);
        return Command(AdminOp.SlotRemove, w);
    }

    public string Reload() => Command(AdminOp.SlotReload, null);

    /// <summary>The persistent state of the token in <paramref name="slot"/> as stored (PIN-wrapped master key, sealed values): its manifest and bytes.</summary>
    public (string Manifest, byte[] State) BackupToken(ulong slot)
    {
        using var w = new WireWriter();
        w.WriteULong(slot);
        var (status, reply) = Call(AdminOp.TokenBackup, w);
        if (status != AdminStatus.Ok) throw new AdminException(Message(reply));
        var r = new WireReader(reply);
        var manifest = AdminCodec.ReadString(ref r);
        var state = r.ReadBytes();
        r.ExpectEnd();
        return (manifest, state);
    }

    /// <summary>Loads a state from <see cref="BackupToken"/> into the uninitialised token of <paramref name="slot"/>.</summary>
    public string RestoreToken(ulong slot, string manifest, byte[] state)
    {
        using var w = new WireWriter();
        w.WriteULong(slot);
        w.WriteString(manifest);
        w.WriteBytes(state);
        return Command(AdminOp.TokenRestore, w);
    }

    /// <summary>Rotates the master key of the token in <paramref name="slot"/> (`ock token rekey`); returns once it is done.</summary>
    public string RekeyToken(ulong slot, byte[] soPin, byte[]? userPin)
    {
        using var w = new WireWriter();
        w.WriteULong(slot);
        w.WriteBytes(soPin);
        w.WriteNullableBytes(userPin);
        return Command(AdminOp.TokenRekey, w);
    }

    private static string Message(byte[] payload)
    {
        if (payload.Length < 4) return "(no message)";
        var r = new WireReader(payload);
        try
        {
            return Encoding.UTF8.GetString(r.ReadBytesSpan());
        }
        catch (WireFormatException)
        {
            return "(malformed message)";
        }
    }

    private void ReceiveExactly(Span<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = _socket.Receive(buffer[read..]);
            if (n == 0) throw new AdminException($"ock-slotd closed the admin connection on {SocketPath}");
            read += n;
        }
    }

    private static int CurrentUid()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                    return int.Parse(line[4..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        catch (IOException)
        {
        }

        return -1;
    }

    public void Dispose() => _socket.Dispose();
}
