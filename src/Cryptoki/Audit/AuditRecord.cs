using System.Security.Cryptography;
using System.Text;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Cryptoki.Audit;

/// <summary>
/// The journal form of an audited token event (manifest <see cref="Manifest"/>): who, when, the event
/// itself (its own manifest and bytes), the hash of the previous audited event of the same token and this
/// record's hash. Shared by the daemon (which writes it) and <c>ock audit</c> (which reads the journal
/// database directly), so it depends on nothing but the wire primitives.
/// <code>
/// u32 format (1) | bytes previousHash | u64 atUnixMs | u32 pid | u32 uid | u64 session
/// | bytes eventManifest | bytes eventPayload | bytes hash
/// hash = SHA-256("ock-audit-1" || every byte of the record before the hash field)
/// </code>
/// </summary>
public sealed record AuditRecord(
    byte[] PreviousHash,
    DateTimeOffset At,
    int Pid,
    int Uid,
    ulong Session,
    string EventManifest,
    byte[] EventPayload,
    byte[] Hash)
{
    public const string Manifest = "Audited.v1";
    public const int HashLength = 32;
    private const uint Format = 1;
    private static readonly byte[] Domain = "ock-audit-1"u8.ToArray();

    /// <summary>The hash a chain starts from (no audited event before).</summary>
    public static byte[] Genesis => new byte[HashLength];

    /// <summary>Builds a record and computes its hash.</summary>
    public static AuditRecord Create(byte[] previousHash, DateTimeOffset at, int pid, int uid, ulong session, string eventManifest, byte[] eventPayload)
    {
        using var w = new WireWriter();
        WriteBody(w, previousHash, at, pid, uid, session, eventManifest, eventPayload);
        return new AuditRecord(previousHash, at, pid, uid, session, eventManifest, eventPayload, ComputeHash(w.WrittenSpan));
    }

    public byte[] ToBinary()
    {
        using var w = new WireWriter();
        WriteBody(w, PreviousHash, At, Pid, Uid, Session, EventManifest, EventPayload);
        w.WriteBytes(Hash);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Parses a record; <see cref="HashValid"/> tells whether its stored hash matches its bytes.</summary>
    public static AuditRecord Parse(ReadOnlySpan<byte> bytes, out bool hashValid)
    {
        var r = new WireReader(bytes);
        var format = r.ReadUInt32();
        if (format != Format) throw new WireFormatException($"audit record format {format} unknown");
        var previous = r.ReadBytes();
        var at = DateTimeOffset.FromUnixTimeMilliseconds((long)r.ReadULong());
        var pid = (int)r.ReadUInt32();
        var uid = (int)r.ReadUInt32();
        var session = r.ReadULong();
        var manifest = Encoding.UTF8.GetString(r.ReadBytesSpan());
        var payload = r.ReadBytes();
        var bodyLength = bytes.Length - r.Remaining;
        var hash = r.ReadBytes();
        r.ExpectEnd();
        hashValid = CryptographicOperations.FixedTimeEquals(hash, ComputeHash(bytes[..bodyLength]));
        return new AuditRecord(previous, at, pid, uid, session, manifest, payload, hash);
    }

    private static void WriteBody(WireWriter w, byte[] previousHash, DateTimeOffset at, int pid, int uid, ulong session, string manifest, byte[] payload)
    {
        w.WriteUInt32(Format);
        w.WriteBytes(previousHash);
        w.WriteULong((ulong)at.ToUnixTimeMilliseconds());
        w.WriteUInt32((uint)pid);
        w.WriteUInt32((uint)uid);
        w.WriteULong(session);
        w.WriteBytes(Encoding.UTF8.GetBytes(manifest));
        w.WriteBytes(payload);
    }

    private static byte[] ComputeHash(ReadOnlySpan<byte> body)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(Domain);
        h.AppendData(body);
        return h.GetHashAndReset();
    }

    /// <summary>
    /// What an event is about, from its manifest and payload, without secrets: the action name, the object id
    /// (object events) and the user type (login events; 0 = SO, 1 = User).
    /// </summary>
    public static (string Action, ulong? ObjectId, ulong? UserType) Describe(string manifest, ReadOnlySpan<byte> payload)
    {
        var name = manifest.Split('.')[0];
        try
        {
            var r = new WireReader(payload);
            return name switch
            {
                "ObjectCreated" or "ObjectChanged" or "ObjectDestroyed" => (name, r.ReadULong(), null),
                "LoginFailed" or "LoginFailuresReset" or "LoginSucceeded" => (name, null, r.ReadULong()),
                _ => (name, null, null),
            };
        }
        catch (WireFormatException)
        {
            return (name, null, null);
        }
    }
}
