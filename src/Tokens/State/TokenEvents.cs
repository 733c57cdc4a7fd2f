using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.State;

/// <summary>
/// Everything a token journals. Stored with an explicit, versioned serializer (Actors/Persistence):
/// never rename a record's meaning; add a new event instead. No PIN, key value or plaintext secret:
/// secret attribute values of private objects arrive here already sealed under the master key, those of public objects
/// under the token's object key (<see cref="ObjectKeyFile"/>).
/// <para>
/// <c>PublicInClear</c> marks an object event or snapshot read from a row written before public objects were sealed
/// (ObjectCreated.v1, ObjectChanged.v1, TokenSnapshot.v1/v2): the secret values of its public objects are in clear, and the
/// token seals them under its object key as it loads them. Never set on anything written now.
/// </para>
/// </summary>
public interface ITokenEvent;

/// <summary>C_InitToken: a fresh token; all objects and the User PIN are gone.</summary>
public sealed record TokenInitialized(string Label, PinRecord SoPin, DateTimeOffset At) : ITokenEvent;

/// <summary>The SO PIN changed (C_SetPIN by the SO).</summary>
public sealed record SoPinSet(PinRecord SoPin) : ITokenEvent;

/// <summary>The User PIN was set (C_InitPIN by the SO, or C_SetPIN by the user); unlocks it.</summary>
public sealed record UserPinSet(PinRecord UserPin) : ITokenEvent;

/// <summary>A token object was stored (create, copy, generate, unwrap, derive).</summary>
public sealed record ObjectCreated(ulong Id, AttributeSet Attributes) : ITokenEvent
{
    public bool PublicInClear { get; init; }
}

/// <summary>A token object's attributes were replaced (C_SetAttributeValue).</summary>
public sealed record ObjectChanged(ulong Id, AttributeSet Attributes) : ITokenEvent
{
    public bool PublicInClear { get; init; }
}

public sealed record ObjectDestroyed(ulong Id) : ITokenEvent;

/// <summary>A wrong PIN (CKU_SO = 0, CKU_USER = 1).</summary>
public sealed record LoginFailed(ulong UserType) : ITokenEvent;

/// <summary>A correct PIN after failures: the failure count goes back to zero.</summary>
public sealed record LoginFailuresReset(ulong UserType) : ITokenEvent;

/// <summary>A correct PIN (C_Login): the failure count of that user type goes back to zero.</summary>
public sealed record LoginSucceeded(ulong UserType) : ITokenEvent;

/// <summary>
/// Master-key rotation begins (`ock token rekey`): a new master key, wrapped under the SO PIN and (when set) the User PIN.
/// Until <see cref="RekeyCompleted"/> the old PIN records stay in force; each private object is sealed under the old key
/// until a <see cref="ObjectsResealed"/> names it, and under the new one after.
/// </summary>
public sealed record RekeyStarted(PinRecord SoPin, PinRecord? UserPin) : ITokenEvent;

/// <summary>One batch of a rekey: these private objects' attributes as stored, secret values now sealed under the new master key.</summary>
public sealed record ObjectsResealed(IReadOnlyList<KeyValuePair<ulong, AttributeSet>> Objects) : ITokenEvent;

/// <summary>Every private object is under the new master key: the PIN records of <see cref="RekeyStarted"/> replace the old ones.</summary>
public sealed record RekeyCompleted(int Objects) : ITokenEvent;

/// <summary>
/// A journal row that could not be decoded (damaged bytes, an unknown version): never written, only read back.
/// The token reports it (with the object id when the row names one) and skips it.
/// </summary>
public sealed record DamagedEvent(string Manifest, ulong? ObjectId, string Reason) : ITokenEvent;

/// <summary>Who caused an event and when: the application's peer credentials and its session handle (0: none).</summary>
public sealed record AuditStamp(DateTimeOffset At, int Pid, int Uid, ulong Session);

/// <summary>
/// The journal form of every event since the audit trail (manifest Audited.v1): the event, its stamp and
/// its place in the token's hash chain. <paramref name="Record"/> holds the event's serialized bytes and
/// the hashes (Cryptoki.Audit.AuditRecord); <paramref name="Event"/> is the same event decoded.
/// </summary>
public sealed record AuditedEvent(ITokenEvent Event, OpenCryptokiActors.Cryptoki.Audit.AuditRecord Record) : ITokenEvent
{
    public AuditStamp Stamp => new(Record.At, Record.Pid, Record.Uid, Record.Session);
}

/// <summary>The whole persistent state of a token, for snapshots. <paramref name="LastHash"/>: head of the audit hash chain (v2).</summary>
public sealed record TokenSnapshot(
    bool Initialized,
    string Label,
    PinRecord? SoPin,
    PinRecord? UserPin,
    int SoFailures,
    int UserFailures,
    ulong NextObjectId,
    IReadOnlyList<KeyValuePair<ulong, AttributeSet>> Objects,
    byte[]? LastHash = null) : ITokenEvent
{
    public bool PublicInClear { get; init; }
}
