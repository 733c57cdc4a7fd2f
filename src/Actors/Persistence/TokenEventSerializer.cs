using Akka.Actor;
using Akka.Serialization;
using OpenCryptokiActors.Cryptoki.Audit;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.State;

namespace OpenCryptokiActors.Actors.Persistence;

/// <summary>
/// Explicit, versioned binary form of token events and snapshots (the journal outlives the code).
/// Manifests are short and stable; a new layout gets a new manifest, old ones stay readable.
/// Since the audit trail every event is journaled inside an <see cref="AuditedEvent"/> (Audited.v1, see
/// <see cref="AuditRecord"/>) whose record carries the inner event's manifest and bytes; v1 events written
/// before stay readable as they are. Snapshots: TokenSnapshot.v2 = head of the audit chain + the v1 layout (read only);
/// TokenSnapshot.v3 (written) = the v2 header + objects grouped by shape with varint lengths (<see cref="CompactSnapshot"/>).
/// </summary>
public sealed class TokenEventSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public override int Identifier => 7411;

    public override string Manifest(object o) => ManifestOf(o);

    public static string ManifestOf(object o) => o switch
    {
        AuditedEvent => AuditRecord.Manifest,
        LoginSucceeded => "LoginSucceeded.v1",
        TokenInitialized => "TokenInitialized.v1",
        SoPinSet => "SoPinSet.v1",
        UserPinSet => "UserPinSet.v1",
        ObjectCreated => "ObjectCreated.v1",
        ObjectChanged => "ObjectChanged.v1",
        ObjectDestroyed => "ObjectDestroyed.v1",
        LoginFailed => "LoginFailed.v1",
        LoginFailuresReset => "LoginFailuresReset.v1",
        TokenSnapshot => CompactSnapshot.Manifest,
        RekeyStarted => "RekeyStarted.v1",
        ObjectsResealed => "ObjectsResealed.v1",
        RekeyCompleted => "RekeyCompleted.v1",
        _ => throw new ArgumentException($"cannot serialize {o.GetType().Name}"),
    };

    public override byte[] ToBinary(object obj) => Encode(obj);

    /// <summary>The bytes of an event or snapshot under <see cref="ManifestOf"/>.</summary>
    public static byte[] Encode(object obj)
    {
        if (obj is AuditedEvent a) return a.Record.ToBinary();
        if (obj is TokenSnapshot snapshot) return CompactSnapshot.Encode(snapshot, WriteSnapshotHeader);
        using var w = new WireWriter();
        switch (obj)
        {
            case LoginSucceeded l: w.WriteULong(l.UserType); break;
            case TokenInitialized t:
                w.WriteBytes(System.Text.Encoding.UTF8.GetBytes(t.Label));
                WritePin(w, t.SoPin);
                w.WriteULong((ulong)t.At.ToUnixTimeMilliseconds());
                break;
            case SoPinSet s: WritePin(w, s.SoPin); break;
            case UserPinSet u: WritePin(w, u.UserPin); break;
            case ObjectCreated c:
                w.WriteULong(c.Id);
                WriteAttributes(w, c.Attributes);
                break;
            case ObjectChanged c:
                w.WriteULong(c.Id);
                WriteAttributes(w, c.Attributes);
                break;
            case ObjectDestroyed d: w.WriteULong(d.Id); break;
            case LoginFailed f: w.WriteULong(f.UserType); break;
            case LoginFailuresReset r: w.WriteULong(r.UserType); break;
            case RekeyStarted k:
                WritePin(w, k.SoPin);
                WriteOptionalPin(w, k.UserPin);
                break;
            case ObjectsResealed o:
                w.WriteUInt32((uint)o.Objects.Count);
                foreach (var (id, attrs) in o.Objects)
                {
                    w.WriteULong(id);
                    WriteAttributes(w, attrs);
                }

                break;
            case RekeyCompleted k: w.WriteUInt32((uint)k.Objects); break;
            default: throw new ArgumentException($"cannot serialize {obj.GetType().Name}");
        }

        return w.WrittenSpan.ToArray();
    }

    /// <summary>The fields of a snapshot before its objects (the v2 layout's beginning; the header of v3).</summary>
    private static void WriteSnapshotHeader(WireWriter w, TokenSnapshot s)
    {
        w.WriteBytes(s.LastHash ?? AuditRecord.Genesis);
        w.WriteBool(s.Initialized);
        w.WriteBytes(System.Text.Encoding.UTF8.GetBytes(s.Label));
        WriteOptionalPin(w, s.SoPin);
        WriteOptionalPin(w, s.UserPin);
        w.WriteUInt32((uint)s.SoFailures);
        w.WriteUInt32((uint)s.UserFailures);
        w.WriteULong(s.NextObjectId);
    }

    /// <summary>
    /// A journal row that does not decode (bad bytes, unknown version) becomes a <see cref="DamagedEvent"/>: the
    /// token reports and skips it rather than failing to load. A snapshot that does not decode still fails.
    /// </summary>
    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (manifest.StartsWith("TokenSnapshot", StringComparison.Ordinal)) return Decode(bytes, manifest);
        AuditRecord? record = null;
        try
        {
            if (manifest != AuditRecord.Manifest) return Decode(bytes, manifest);
            record = AuditRecord.Parse(bytes, out _);
            return Decode(bytes, manifest);
        }
        catch (Exception e) when (e is WireFormatException or ArgumentException or FormatException or OverflowException or CkException)
        {
            if (record is null && manifest.StartsWith("Audited.", StringComparison.Ordinal))
            {
                try
                {
                    var guess = AuditRecord.Parse(bytes, out _);
                    return new DamagedEvent(manifest, AuditRecord.Describe(guess.EventManifest, guess.EventPayload).ObjectId, e.Message);
                }
                catch (Exception inner) when (inner is WireFormatException or ArgumentException)
                {
                    // nothing more to tell
                }
            }

            var (_, objectId, _) = record is null ? AuditRecord.Describe(manifest, bytes) : AuditRecord.Describe(record.EventManifest, record.EventPayload);
            var damaged = new DamagedEvent(record?.EventManifest ?? manifest, objectId, e.Message);
            return record is null ? damaged : new AuditedEvent(damaged, record);
        }
    }

    public static object Decode(byte[] bytes, string manifest)
    {
        if (manifest == AuditRecord.Manifest)
        {
            var record = AuditRecord.Parse(bytes, out _);
            if (record.EventManifest == AuditRecord.Manifest || record.EventManifest.StartsWith("TokenSnapshot", StringComparison.Ordinal))
                throw new ArgumentException($"audited event cannot hold '{record.EventManifest}'");
            return new AuditedEvent((ITokenEvent)Decode(record.EventPayload, record.EventManifest), record);
        }

        if (manifest == CompactSnapshot.Manifest) return CompactSnapshot.Decode(bytes, static (ref WireReader h, List<KeyValuePair<ulong, AttributeSet>> objects) =>
            ReadSnapshotHeader(ref h, h.ReadBytes(), objects));
        var r = new WireReader(bytes);
        object result = manifest switch
        {
            "LoginSucceeded.v1" => new LoginSucceeded(r.ReadULong()),
            "TokenInitialized.v1" => new TokenInitialized(
                System.Text.Encoding.UTF8.GetString(r.ReadBytesSpan()), ReadPin(ref r), DateTimeOffset.FromUnixTimeMilliseconds((long)r.ReadULong())),
            "SoPinSet.v1" => new SoPinSet(ReadPin(ref r)),
            "UserPinSet.v1" => new UserPinSet(ReadPin(ref r)),
            "ObjectCreated.v1" => new ObjectCreated(r.ReadULong(), ReadAttributes(ref r)),
            "ObjectChanged.v1" => new ObjectChanged(r.ReadULong(), ReadAttributes(ref r)),
            "ObjectDestroyed.v1" => new ObjectDestroyed(r.ReadULong()),
            "LoginFailed.v1" => new LoginFailed(r.ReadULong()),
            "LoginFailuresReset.v1" => new LoginFailuresReset(r.ReadULong()),
            "RekeyStarted.v1" => new RekeyStarted(ReadPin(ref r), ReadOptionalPin(ref r)),
            "ObjectsResealed.v1" => new ObjectsResealed(ReadObjects(ref r)),
            "RekeyCompleted.v1" => new RekeyCompleted((int)r.ReadUInt32()),
            "TokenSnapshot.v1" => ReadSnapshot(ref r, null),
            "TokenSnapshot.v2" => ReadSnapshot(ref r, r.ReadBytes()),
            _ => throw new ArgumentException($"unknown token event manifest '{manifest}'"),
        };
        r.ExpectEnd();
        return result;
    }

    private static TokenSnapshot ReadSnapshot(ref WireReader r, byte[]? lastHash) => ReadSnapshotHeader(ref r, lastHash, null);

    /// <summary>The fields after the chain head; the objects follow (v1, v2: <paramref name="objects"/> null) or are given (v3).</summary>
    private static TokenSnapshot ReadSnapshotHeader(ref WireReader r, byte[]? lastHash, List<KeyValuePair<ulong, AttributeSet>>? objects)
    {
        var initialized = r.ReadBool();
        var label = System.Text.Encoding.UTF8.GetString(r.ReadBytesSpan());
        var so = ReadOptionalPin(ref r);
        var user = ReadOptionalPin(ref r);
        var soFailures = (int)r.ReadUInt32();
        var userFailures = (int)r.ReadUInt32();
        var next = r.ReadULong();
        return new TokenSnapshot(initialized, label, so, user, soFailures, userFailures, next, objects ?? ReadObjects(ref r), lastHash);
    }

    private static List<KeyValuePair<ulong, AttributeSet>> ReadObjects(ref WireReader r)
    {
        var count = r.ReadUInt32();
        var objects = new List<KeyValuePair<ulong, AttributeSet>>((int)Math.Min(count, 1 << 20));
        for (var i = 0u; i < count; i++)
        {
            var id = r.ReadULong();
            objects.Add(new(id, ReadAttributes(ref r)));
        }

        return objects;
    }

    private static void WritePin(WireWriter w, PinRecord p)
    {
        w.WriteBytes(p.Salt);
        w.WriteUInt32((uint)p.Iterations);
        w.WriteBytes(p.WrappedMasterKey);
    }

    private static PinRecord ReadPin(ref WireReader r) => new(r.ReadBytes(), (int)r.ReadUInt32(), r.ReadBytes());

    private static void WriteOptionalPin(WireWriter w, PinRecord? p)
    {
        w.WriteBool(p is not null);
        if (p is not null) WritePin(w, p);
    }

    private static PinRecord? ReadOptionalPin(ref WireReader r) => r.ReadBool() ? ReadPin(ref r) : null;

    private static void WriteAttributes(WireWriter w, AttributeSet attrs)
    {
        w.WriteUInt32((uint)attrs.Count);
        foreach (var (type, value) in attrs)
        {
            w.WriteULong(type);
            w.WriteBytes(value);
        }
    }

    private static AttributeSet ReadAttributes(ref WireReader r)
    {
        var count = r.ReadUInt32();
        var set = new AttributeSet();
        for (var i = 0u; i < count; i++)
        {
            var type = r.ReadULong();
            set.Set(type, r.ReadBytes());
        }

        return set;
    }
}
