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
/// before stay readable as they are. Snapshots: TokenSnapshot.v2 = head of the audit chain + the v1 layout;
/// TokenSnapshot.v3 (written) = the v2 header + objects grouped by shape with varint lengths (<see cref="CompactSnapshot"/>).
/// ObjectCreated.v2 and ObjectChanged.v2 have the layouts of ObjectCreated.v1 and ObjectChanged.v1; what changed is their
/// meaning, as from v2 to v3 of the snapshot: the secret values of public objects are sealed under the token's object key
/// (before, only private objects' were sealed). The older ones decode with <c>PublicInClear</c> set, and the token seals them as it loads.
/// A backup (<see cref="BackupManifest"/>) is a snapshot with the object key its public secrets are sealed under.
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
        ObjectCreated c => c.PublicInClear ? "ObjectCreated.v1" : "ObjectCreated.v2",
        ObjectChanged c => c.PublicInClear ? "ObjectChanged.v1" : "ObjectChanged.v2",
        ObjectDestroyed => "ObjectDestroyed.v1",
        LoginFailed => "LoginFailed.v1",
        LoginFailuresReset => "LoginFailuresReset.v1",
        TokenSnapshot s => s.PublicInClear ? "TokenSnapshot.v2" : CompactSnapshot.Manifest,
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
        if (obj is TokenSnapshot { PublicInClear: false } snapshot) return CompactSnapshot.Encode(snapshot, WriteSnapshotHeader);
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
            case TokenSnapshot s: // read from a row of the v2 layout (public secrets in clear): written back as it was
                WriteSnapshotHeader(w, s);
                w.WriteUInt32((uint)s.Objects.Count);
                foreach (var (id, attrs) in s.Objects)
                {
                    w.WriteULong(id);
                    WriteAttributes(w, attrs);
                }

                break;
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
            "ObjectCreated.v1" => new ObjectCreated(r.ReadULong(), ReadAttributes(ref r)) { PublicInClear = true },
            "ObjectCreated.v2" => new ObjectCreated(r.ReadULong(), ReadAttributes(ref r)),
            "ObjectChanged.v1" => new ObjectChanged(r.ReadULong(), ReadAttributes(ref r)) { PublicInClear = true },
            "ObjectChanged.v2" => new ObjectChanged(r.ReadULong(), ReadAttributes(ref r)),
            "ObjectDestroyed.v1" => new ObjectDestroyed(r.ReadULong()),
            "LoginFailed.v1" => new LoginFailed(r.ReadULong()),
            "LoginFailuresReset.v1" => new LoginFailuresReset(r.ReadULong()),
            "RekeyStarted.v1" => new RekeyStarted(ReadPin(ref r), ReadOptionalPin(ref r)),
            "ObjectsResealed.v1" => new ObjectsResealed(ReadObjects(ref r)),
            "RekeyCompleted.v1" => new RekeyCompleted((int)r.ReadUInt32()),
            "TokenSnapshot.v1" => ReadSnapshot(ref r, null) with { PublicInClear = true },
            "TokenSnapshot.v2" => ReadSnapshot(ref r, r.ReadBytes()) with { PublicInClear = true },
            _ => throw new ArgumentException($"unknown token event manifest '{manifest}'"),
        };
        r.ExpectEnd();
        return result;
    }

    /// <summary>Manifest of a token backup (`ock token backup`): bytes objectKey | bytes snapshotManifest | bytes snapshot.</summary>
    public const string BackupManifest = "TokenBackup.v1";

    /// <summary>
    /// A backup of <paramref name="snapshot"/> with the object key its public objects' secret values are sealed under, so that a token
    /// elsewhere (another object key) can restore them. The caller protects the whole (ock encrypts it under the SO PIN's backup key).
    /// </summary>
    public static byte[] EncodeBackup(byte[] objectKey, TokenSnapshot snapshot)
    {
        using var w = new WireWriter();
        w.WriteBytes(objectKey);
        w.WriteBytes(System.Text.Encoding.UTF8.GetBytes(ManifestOf(snapshot)));
        w.WriteBytes(Encode(snapshot));
        return w.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The snapshot of a backup and the object key its public secrets are sealed under: <see cref="BackupManifest"/>, or a bare
    /// TokenSnapshot (backups made before the object key: public secrets in clear, key null).
    /// </summary>
    /// <exception cref="ArgumentException">Neither, or a bare snapshot whose public secrets are sealed (its key is missing).</exception>
    public static (byte[]? ObjectKey, TokenSnapshot Snapshot) DecodeBackup(string manifest, byte[] bytes)
    {
        byte[]? key = null;
        if (manifest == BackupManifest)
        {
            var r = new WireReader(bytes);
            key = r.ReadBytes();
            manifest = System.Text.Encoding.UTF8.GetString(r.ReadBytesSpan());
            bytes = r.ReadBytes();
            r.ExpectEnd();
            if (key.Length != PinCrypto.MasterKeyLength) throw new ArgumentException("backup object key of a wrong length");
        }

        if (!manifest.StartsWith("TokenSnapshot", StringComparison.Ordinal) || Decode(bytes, manifest) is not TokenSnapshot s)
            throw new ArgumentException($"not a token snapshot: {manifest}");
        if (key is null && !s.PublicInClear) throw new ArgumentException($"a bare {manifest} lacks the object key of its public objects");
        return (key, s);
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
