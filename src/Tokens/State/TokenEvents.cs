using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.State;

/// <summary>
/// Everything a token journals. Stored with an explicit, versioned serializer (Actors/Persistence):
/// never rename a record's meaning; add a new event instead. No PIN, key value or plaintext secret:
/// secret attribute values of private objects arrive here already sealed under the master key.
/// </summary>
public interface ITokenEvent;

/// <summary>C_InitToken: a fresh token; all objects and the User PIN are gone.</summary>
public sealed record TokenInitialized(string Label, PinRecord SoPin, DateTimeOffset At) : ITokenEvent;

/// <summary>The SO PIN changed (C_SetPIN by the SO).</summary>
public sealed record SoPinSet(PinRecord SoPin) : ITokenEvent;

/// <summary>The User PIN was set (C_InitPIN by the SO, or C_SetPIN by the user); unlocks it.</summary>
public sealed record UserPinSet(PinRecord UserPin) : ITokenEvent;

/// <summary>A token object was stored (create, copy, generate, unwrap, derive).</summary>
public sealed record ObjectCreated(ulong Id, AttributeSet Attributes) : ITokenEvent;

/// <summary>A token object's attributes were replaced (C_SetAttributeValue).</summary>
public sealed record ObjectChanged(ulong Id, AttributeSet Attributes) : ITokenEvent;

public sealed record ObjectDestroyed(ulong Id) : ITokenEvent;

/// <summary>A wrong PIN (CKU_SO = 0, CKU_USER = 1).</summary>
public sealed record LoginFailed(ulong UserType) : ITokenEvent;

/// <summary>A correct PIN after failures: the failure count goes back to zero.</summary>
public sealed record LoginFailuresReset(ulong UserType) : ITokenEvent;

/// <summary>The whole persistent state of a token, for snapshots.</summary>
public sealed record TokenSnapshot(
    bool Initialized,
    string Label,
    PinRecord? SoPin,
    PinRecord? UserPin,
    int SoFailures,
    int UserFailures,
    ulong NextObjectId,
    IReadOnlyList<KeyValuePair<ulong, AttributeSet>> Objects) : ITokenEvent;
