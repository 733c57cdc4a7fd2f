using System.Buffers.Binary;
using System.Net.Sockets;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Fuzz;

/// <summary>
/// Random frames and random call sequences against a live daemon: every opcode, bodies from <see cref="WireGrammar"/>
/// with the session and object handles this client got back (and sometimes random ones), truncated and extended
/// bodies, and now and then a connection with a bad header. Every well-framed request must get exactly one reply
/// with its id; the count of those that did not (closed connection or no reply within the deadline) is the result.
/// </summary>
public sealed class RandomClient : IDisposable
{
    private static readonly TimeSpan ReplyDeadline = TimeSpan.FromSeconds(60);
    private static readonly ulong[] Mechanisms =
    [
        CKM.AES_KEY_GEN, CKM.AES_CBC, CKM.AES_CBC_PAD, CKM.AES_GCM, CKM.AES_ECB, CKM.AES_CTR, CKM.AES_KEY_WRAP, CKM.AES_CCM,
        CKM.SHA256, CKM.SHA_1, CKM.SHA512, CKM.SHA256_HMAC, CKM.GENERIC_SECRET_KEY_GEN, CKM.EC_KEY_PAIR_GEN, CKM.ECDSA,
        CKM.ECDH1_DERIVE, CKM.RSA_PKCS, CKM.RSA_PKCS_OAEP, CKM.SHA256_RSA_PKCS, CKM.DES3_KEY_GEN, CKM.DES3_CBC, CKM.HKDF_DERIVE,
        CKM.PKCS5_PBKD2, CKM.CHACHA20_POLY1305, CKM.EDDSA, CKM.SP800_108_COUNTER_KDF, CKM.TLS12_KDF, CKM.CONCATENATE_BASE_AND_DATA,
        CKM.AES_CBC_ENCRYPT_DATA, CKM.ML_DSA, CKM.ML_KEM, 0x12345678,
    ];

    private static readonly ulong[] AttributeTypes =
    [
        CKA.CLASS, CKA.KEY_TYPE, CKA.TOKEN, CKA.PRIVATE, CKA.LABEL, CKA.ID, CKA.VALUE, CKA.VALUE_LEN, CKA.SENSITIVE, CKA.EXTRACTABLE,
        CKA.ENCRYPT, CKA.DECRYPT, CKA.WRAP, CKA.UNWRAP, CKA.SIGN, CKA.VERIFY, CKA.DERIVE, CKA.EC_PARAMS, CKA.MODULUS_BITS,
        CKA.WRAP_TEMPLATE, CKA.UNWRAP_TEMPLATE, CKA.ALLOWED_MECHANISMS, CKA.TRUSTED, CKA.WRAP_WITH_TRUSTED, CKA.MODIFIABLE, 0xFFFF_FFFF,
    ];

    private readonly Random _rng;
    private readonly string _path;
    private Socket? _socket;
    private uint _nextId;
    private readonly List<ulong> _sessions = [];
    private readonly List<ulong> _objects = [];
    public long Sent;
    public long Answered;
    public long Unanswered;
    public long Reconnects;
    public long BadHeaders;
    public readonly Dictionary<ulong, long> Codes = [];

    private RandomClient(string path, int seed)
    {
        _path = path;
        _rng = new Random(seed);
    }

    public static int Run(string socket, TimeSpan duration, int seed)
    {
        using var c = new RandomClient(socket, seed);
        var end = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < end)
        {
            if (c._socket is null && !c.Connect()) return 3;
            c.Step();
        }

        Console.WriteLine($"seed {seed}: sent {c.Sent}, answered {c.Answered}, unanswered {c.Unanswered}, reconnects {c.Reconnects}, bad headers {c.BadHeaders}");
        Console.WriteLine("codes: " + string.Join(", ", c.Codes.OrderByDescending(kv => kv.Value).Take(12).Select(kv => $"0x{kv.Key:X}={kv.Value}")));
        return c.Unanswered == 0 ? 0 : 1;
    }

    private bool Connect()
    {
        _socket?.Dispose();
        _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { ReceiveTimeout = (int)ReplyDeadline.TotalMilliseconds };
        try
        {
            _socket.Connect(new UnixDomainSocketEndPoint(_path));
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"cannot connect to {_path}: {e.Message}");
            return false;
        }

        _nextId = 1;
        _sessions.Clear();
        _objects.Clear();
        Reconnects++;
        using var w = new WireWriter();
        w.WriteUInt32(Frame.Magic);
        w.WriteUInt32(Frame.ProtocolVersion);
        w.WriteUInt32((uint)Environment.ProcessId);
        w.WriteByte(0);
        var (rv, _) = Call(Opcode.Hello, w.WrittenSpan.ToArray());
        return rv == CKR.OK;
    }

    private void Step()
    {
        var roll = _rng.Next(1000);
        if (roll == 0)
        {
            BadHeader();
            return;
        }

        if (roll < 3)
        {
            Connect();
            return;
        }

        // Keep a few sessions open: most frames then carry a valid session prefix.
        if (_sessions.Count < 2 || roll < 40)
        {
            using var open = new WireWriter();
            open.WriteULong(0);
            open.WriteULong(_rng.Next(4) == 0 ? 0x4UL : 0x6UL); // CKF_SERIAL_SESSION [| CKF_RW_SESSION]
            var (rv, reply) = Call(Opcode.OpenSession, open.WrittenSpan.ToArray());
            if (rv == CKR.OK && reply.Length >= 8) _sessions.Add(BinaryPrimitives.ReadUInt64LittleEndian(reply));
            return;
        }

        var op = WireGrammar.AllOpcodes[_rng.Next(WireGrammar.AllOpcodes.Length)];
        if (op == Opcode.Hello || (op == Opcode.InitToken && _rng.Next(20) != 0)) op = Opcode.GetSlotList;
        var body = Body(op);
        var mutate = _rng.Next(20);
        if (mutate == 0 && body.Length > 0) body = body[.._rng.Next(body.Length)];
        else if (mutate == 1) body = [.. body, .. Bytes(_rng.Next(1, 16))];
        else if (mutate == 2 && body.Length > 0) body[_rng.Next(body.Length)] ^= (byte)(1 << _rng.Next(8));
        var (code, payload) = Call(op, body);
        if (_socket is null) return;
        if (code == CKR.OK && payload.Length >= 8 && op is Opcode.CreateObject or Opcode.GenerateKey or Opcode.CopyObject or Opcode.UnwrapKey or Opcode.DeriveKey)
            _objects.Add(BinaryPrimitives.ReadUInt64LittleEndian(payload));
        if (code == CKR.OK && payload.Length >= 16 && op == Opcode.GenerateKeyPair)
        {
            _objects.Add(BinaryPrimitives.ReadUInt64LittleEndian(payload));
            _objects.Add(BinaryPrimitives.ReadUInt64LittleEndian(payload.AsSpan(8)));
        }
        if (op is Opcode.CloseSession && code == CKR.OK && body.Length >= 8) _sessions.Remove(BinaryPrimitives.ReadUInt64LittleEndian(body));
        if (op is Opcode.CloseAllSessions && code == CKR.OK) _sessions.Clear();
    }

    private byte[] Body(Opcode op)
    {
        using var w = new WireWriter();
        foreach (var field in WireGrammar.Requests[op]) Write(w, field, 0);
        return w.WrittenSpan.ToArray();
    }

    private void Write(WireWriter w, Field field, int depth)
    {
        switch (field)
        {
            case Field.Bool: w.WriteByte((byte)_rng.Next(3)); break;
            case Field.U32: w.WriteUInt32((uint)_rng.Next()); break;
            case Field.U64: w.WriteULong(Number()); break;
            case Field.Session: w.WriteULong(_sessions.Count > 0 && _rng.Next(10) != 0 ? _sessions[_rng.Next(_sessions.Count)] : Number()); break;
            case Field.Slot: w.WriteULong(_rng.Next(8) == 0 ? Number() : 0); break;
            case Field.Handle: w.WriteULong(_objects.Count > 0 && _rng.Next(5) != 0 ? _objects[_rng.Next(_objects.Count)] : Number()); break;
            case Field.Bytes: w.WriteBytes(Bytes(Length())); break;
            case Field.NullableBytes:
                if (_rng.Next(8) == 0) w.WriteNullableBytes(null);
                else w.WriteBytes(Bytes(Length()));
                break;
            case Field.Padded32: w.WriteRaw(Bytes(32)); break;
            case Field.Cap: w.WriteULong(_rng.Next(4) switch { 0 => Frame.NullBuffer, 1 => 0, 2 => (ulong)_rng.Next(64), _ => 1 << 20 }); break;
            case Field.Template: Template(w, depth); break;
            case Field.Mechanism:
                w.WriteULong(Mechanisms[_rng.Next(Mechanisms.Length)]);
                if (_rng.Next(3) == 0) w.WriteNullableBytes(null);
                else w.WriteBytes(Bytes(_rng.Next(4) == 0 ? 16 : Length()));
                break;
            case Field.AttributeQuery:
                var n = _rng.Next(6);
                w.WriteUInt32((uint)n);
                for (var i = 0; i < n; i++)
                {
                    w.WriteULong(AttributeTypes[_rng.Next(AttributeTypes.Length)]);
                    w.WriteULong(_rng.Next(3) == 0 ? Frame.NullBuffer : (ulong)_rng.Next(300));
                }
                break;
            case Field.MessageParam:
                using (var p = new WireWriter())
                {
                    p.WriteULong((ulong)_rng.Next(5));
                    p.WriteBytes(Bytes(_rng.Next(20)));
                    p.WriteULong(Number());
                    p.WriteULong((ulong)_rng.Next(6));
                    p.WriteULong((ulong)_rng.Next(200));
                    p.WriteULong(Number());
                    p.WriteBytes(Bytes(_rng.Next(20)));
                    w.WriteBytes(p.WrittenSpan);
                }
                break;
        }
    }

    private void Template(WireWriter w, int depth)
    {
        var n = _rng.Next(8);
        w.WriteUInt32((uint)n);
        for (var i = 0; i < n; i++)
        {
            var type = AttributeTypes[_rng.Next(AttributeTypes.Length)];
            w.WriteULong(type);
            if (type is CKA.WRAP_TEMPLATE or CKA.UNWRAP_TEMPLATE && depth < 5)
            {
                using var inner = new WireWriter();
                Template(inner, depth + 1);
                w.WriteBytes(inner.WrittenSpan);
            }
            else if (_rng.Next(10) == 0) w.WriteNullableBytes(null);
            else w.WriteBytes(_rng.Next(3) switch { 0 => [(byte)_rng.Next(2)], 1 => BitConverter.GetBytes((ulong)_rng.Next(0x20)), _ => Bytes(Length()) });
        }
    }

    private ulong Number() => _rng.Next(6) switch
    {
        0 => 0,
        1 => ulong.MaxValue,
        2 => (ulong)_rng.Next(16),
        3 => 1UL << _rng.Next(64),
        _ => (ulong)_rng.NextInt64(),
    };

    private int Length() => _rng.Next(10) switch { 0 => 0, < 8 => _rng.Next(64), 8 => _rng.Next(4096), _ => _rng.Next(1 << 17) };

    private byte[] Bytes(int n)
    {
        var b = new byte[n];
        _rng.NextBytes(b);
        return b;
    }

    /// <summary>A throwaway connection with a header that claims too much or too little: the daemon must just close it.</summary>
    private void BadHeader()
    {
        BadHeaders++;
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { ReceiveTimeout = 10_000 };
        try
        {
            s.Connect(new UnixDomainSocketEndPoint(_path));
            var header = new byte[Frame.RequestHeaderSize];
            BinaryPrimitives.WriteUInt32LittleEndian(header, _rng.Next(2) == 0 ? uint.MaxValue : 3);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)Opcode.Hello);
            s.Send(header);
            var buf = new byte[64];
            while (s.Receive(buf) > 0)
            {
            }
        }
        catch (SocketException)
        {
        }
    }

    private (ulong Rv, byte[] Payload) Call(Opcode op, byte[] body)
    {
        var s = _socket!;
        var id = _nextId++;
        var frame = new byte[Frame.RequestHeaderSize + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(8 + body.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(8), (ushort)op);
        body.CopyTo(frame, Frame.RequestHeaderSize);
        Sent++;
        try
        {
            s.Send(frame);
            var header = new byte[Frame.ReplyHeaderSize];
            Receive(s, header);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
            var replyId = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
            var rv = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(8));
            if (replyId != id || length < 12 || length > Frame.MaxFrameLength) throw new IOException($"bad reply to {op}: id {replyId} (sent {id}), length {length}");
            var payload = new byte[length - 12];
            Receive(s, payload);
            Answered++;
            Codes[rv] = Codes.GetValueOrDefault(rv) + 1;
            return (rv, payload);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            Unanswered++;
            Console.Error.WriteLine($"UNANSWERED {op} ({body.Length}-byte body): {e.Message}; body {Convert.ToHexString(body.AsSpan(0, Math.Min(body.Length, 256)))}");
            s.Dispose();
            _socket = null;
            return (ulong.MaxValue, []);
        }
    }

    private static void Receive(Socket s, Span<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = s.Receive(buffer[read..]);
            if (n == 0) throw new IOException("connection closed by the daemon");
            read += n;
        }
    }

    public void Dispose() => _socket?.Dispose();
}
