using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.State;

/// <summary>
/// The calls whose rules the token applies (<see cref="TokenMachine.Process"/>): who makes them (the application, and
/// the session for session calls) and their arguments, already decoded. No actor, socket or wire type is involved, so
/// the rules run — and are specified — without an actor system.
/// </summary>
public static class TokenCalls
{
    public abstract record Call(ulong App);

    public abstract record SessionCall(ulong App, ulong Session) : Call(App);

    /// <summary>C_InitToken.</summary>
    public sealed record InitToken(ulong App, byte[] SoPin, string Label) : Call(App);

    /// <summary>C_OpenSession with the handle the application allocated.</summary>
    public sealed record OpenSession(ulong App, ulong Handle, ulong Flags) : Call(App);

    public sealed record CloseSession(ulong App, ulong Session) : SessionCall(App, Session);

    public sealed record Login(ulong App, ulong Session, ulong UserType, byte[] Pin) : SessionCall(App, Session);

    public sealed record Logout(ulong App, ulong Session) : SessionCall(App, Session);

    public sealed record InitPin(ulong App, ulong Session, byte[] Pin) : SessionCall(App, Session);

    public sealed record SetPin(ulong App, ulong Session, byte[] OldPin, byte[] NewPin) : SessionCall(App, Session);

    public sealed record CreateObject(ulong App, ulong Session, AttributeSet Template) : SessionCall(App, Session);

    public sealed record CopyObject(ulong App, ulong Session, ulong Object, AttributeSet Template) : SessionCall(App, Session);

    public sealed record DestroyObject(ulong App, ulong Session, ulong Object) : SessionCall(App, Session);

    public sealed record SetAttributeValue(ulong App, ulong Session, ulong Object, AttributeSet Changes) : SessionCall(App, Session);

    /// <summary>New objects a session made (generate, unwrap, derive, encapsulate), validated already: to be stored.</summary>
    public sealed record StoreObjects(ulong App, ulong Session, IReadOnlyList<AttributeSet> Objects) : SessionCall(App, Session);
}

/// <summary>
/// What a call comes to: its code now (<see cref="Rv"/>, CKR_OK when <see cref="Events"/> are to be journaled first), the
/// events to journal, which committed state its validation read (<see cref="Touches"/>: an object id or
/// <see cref="TokenMachine.TokenKey"/>, so that two writes reading the same state are not journaled in one batch),
/// whether it must be journaled alone, the handles it made, and what becomes true once its events are committed
/// (<see cref="Effect"/>, applied by <see cref="TokenMachine.Committed"/>).
/// </summary>
public sealed record Outcome(ulong Rv, IReadOnlyList<ITokenEvent> Events, ulong? Touches = null, bool Exclusive = false,
    ITokenEffect? Effect = null, ulong[]? Handles = null)
{
    public static Outcome Answer(ulong rv) => new(rv, []);

    public static readonly Outcome Ok = new(Cryptoki.Pkcs11.CKR.OK, []);
}

/// <summary>What becomes true of the token once a call's events are committed (in memory: logins, keys, caches).</summary>
public interface ITokenEffect;

/// <summary>A wrong PIN was counted: the answer is CKR_PIN_LOCKED once the count reaches the limit, else CKR_PIN_INCORRECT.</summary>
public sealed record PinFailed(ulong UserType, bool AlwaysIncorrect = false) : ITokenEffect;

/// <summary>A login succeeded: <paramref name="MasterKey"/> unwrapped by the PIN; a context login leaves the login state as it is.</summary>
public sealed record LoggedIn(ulong App, ulong UserType, byte[] MasterKey, byte[] Pin, bool Context) : ITokenEffect;

/// <summary>C_InitToken: every login and key in memory is forgotten.</summary>
public sealed record Initialized : ITokenEffect
{
    public static readonly Initialized Instance = new();
}

/// <summary>A token object changed or went: its unsealed copy in memory is dropped.</summary>
public sealed record ObjectReplaced(ulong Id) : ITokenEffect;
