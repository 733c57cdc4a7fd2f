using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.Policy;
using static OpenCryptokiActors.Tokens.State.TokenCalls;

namespace OpenCryptokiActors.Tokens.State;

/// <summary>
/// The limits a token's rules use: PIN lengths, the login failures that lock a PIN (0: never), PBKDF2 iterations of new PIN
/// records, and the slot's key-management mode (<see cref="KeyManagementPolicy"/>: what copies and changes may make of a key).
/// </summary>
public sealed record TokenLimits(int MinPinLength, int MaxPinLength, int MaxLoginFailures, int Pbkdf2Iterations,
    KeyManagement KeyManagement = KeyManagement.Strict);

/// <summary>
/// The rules of one token, without actors: its committed state (<see cref="State"/>, rebuilt from the journal by
/// <see cref="Apply"/>), what it holds in memory (<see cref="Memory"/>: sessions, session objects, logins) and its keys
/// (<see cref="Vault"/>). <see cref="Process"/> checks a call against them and says what it comes to (an
/// <see cref="Outcome"/>: a code, or events to journal and what becomes true once they are committed); changes that
/// are never journaled (session objects, logout) are made at once. The TokenActor journals, applies and answers.
/// </summary>
public sealed partial class TokenMachine(TokenLimits limits, ObjectVault vault)
{
    /// <summary>Touch key of token-level state (PINs, failure counters); object ids are below it.</summary>
    public const ulong TokenKey = ulong.MaxValue;

    public TokenState State { get; } = new();

    public TokenMemory Memory { get; } = new();

    public ObjectVault Vault { get; } = vault;

    public TokenLimits Limits { get; } = limits;

    public void Apply(ITokenEvent e) => State.Apply(e);

    // ------------------------------------------------------------------ token flags and PINs

    /// <summary>CK_TOKEN_INFO.flags: initialisation, PIN state and the PIN counters (low, final try, locked).</summary>
    public ulong TokenFlags()
    {
        var flags = CKF.RNG | CKF.LOGIN_REQUIRED | CKF.RESTORE_KEY_NOT_NEEDED;
        if (!State.Initialized) return flags;
        flags |= CKF.TOKEN_INITIALIZED;
        if (State.UserPin is not null) flags |= CKF.USER_PIN_INITIALIZED;
        flags |= PinFlags(State.UserFailures, CKF.USER_PIN_COUNT_LOW, CKF.USER_PIN_FINAL_TRY, CKF.USER_PIN_LOCKED);
        flags |= PinFlags(State.SoFailures, CKF.SO_PIN_COUNT_LOW, CKF.SO_PIN_FINAL_TRY, CKF.SO_PIN_LOCKED);
        return flags;
    }

    private ulong PinFlags(int failures, ulong low, ulong finalTry, ulong locked)
    {
        if (failures == 0) return 0;
        var max = Limits.MaxLoginFailures;
        if (max > 0 && failures >= max) return locked;
        if (max > 0 && failures == max - 1) return low | finalTry;
        return low;
    }

    public bool Locked(ulong userType) => Limits.MaxLoginFailures > 0 && State.Failures(userType) >= Limits.MaxLoginFailures;

    private void CheckPinLength(ReadOnlySpan<byte> pin)
    {
        if (pin.Length < Limits.MinPinLength || pin.Length > Limits.MaxPinLength) throw new CkException(CKR.PIN_LEN_RANGE);
    }

    // ------------------------------------------------------------------ calls

    /// <summary>
    /// The rules of one call (PKCS#11 3.0 §5.6–5.7): its outcome, or a CkException with the code it gets. Session calls
    /// name a session of their application (else CKR_SESSION_HANDLE_INVALID).
    /// </summary>
    public Outcome Process(Call call)
    {
        switch (call)
        {
            case TokenCalls.InitToken c: return InitToken(c);
            case TokenCalls.OpenSession c: return OpenSession(c);
        }

        var sc = (SessionCall)call;
        if (!Memory.TryGetSession(sc.App, sc.Session, out var s)) throw new CkException(CKR.SESSION_HANDLE_INVALID);
        return call switch
        {
            TokenCalls.CloseSession => CloseSession(s),
            TokenCalls.Login c => Login(c, s),
            TokenCalls.Logout => Logout(s),
            TokenCalls.InitPin c => InitPin(c, s),
            TokenCalls.SetPin c => SetPin(c, s),
            CreateObject c => Store(s, [TemplateValidator.ForCreate(c.Template, Memory.LoggedIn(s.App) == CKU.SO)]),
            CopyObject c => Copy(c, s),
            DestroyObject c => Destroy(c, s),
            SetAttributeValue c => Set(c, s),
            StoreObjects c => Store(s, c.Objects),
            _ => throw new CkException(CKR.FUNCTION_NOT_SUPPORTED),
        };
    }

    /// <summary>The outcome's events are committed and applied: what they make true in memory, and the call's code.</summary>
    public ulong Committed(Outcome outcome)
    {
        switch (outcome.Effect)
        {
            case PinFailed f:
                return !f.AlwaysIncorrect && Locked(f.UserType) ? CKR.PIN_LOCKED : CKR.PIN_INCORRECT;
            case LoggedIn l:
                Vault.Offer(l.MasterKey);
                if (!l.Context) Memory.SetLogin(l.App, l.UserType);
                return CKR.OK;
            case Initialized:
                Vault.Forget();
                Memory.ClearLogins();
                return CKR.OK;
            case ObjectReplaced r:
                Vault.Forget(r.Id);
                return CKR.OK;
            default:
                return outcome.Rv;
        }
    }

    /// <summary>The journal did not take the outcome's events: what it held goes.</summary>
    public static void Abandoned(Outcome outcome)
    {
        if (outcome.Effect is LoggedIn l) CryptographicOperations.ZeroMemory(l.MasterKey);
    }

    private Outcome InitToken(TokenCalls.InitToken c)
    {
        if (Memory.Sessions.Count > 0) throw new CkException(CKR.SESSION_EXISTS);
        CheckPinLength(c.SoPin);
        if (State.Initialized && State.SoPin is not null)
        {
            if (Locked(CKU.SO)) throw new CkException(CKR.PIN_LOCKED);
            var mk = PinCrypto.TryUnwrap(State.SoPin, c.SoPin);
            if (mk is null) return new Outcome(CKR.OK, [new LoginFailed(CKU.SO)], TokenKey, Effect: new PinFailed(CKU.SO, AlwaysIncorrect: true));
            CryptographicOperations.ZeroMemory(mk);
        }

        var masterKey = PinCrypto.NewMasterKey();
        var record = PinCrypto.Wrap(masterKey, c.SoPin, Limits.Pbkdf2Iterations);
        CryptographicOperations.ZeroMemory(masterKey);
        return new Outcome(CKR.OK, [new TokenInitialized(c.Label, record, DateTimeOffset.UtcNow)], TokenKey, Exclusive: true, Effect: Initialized.Instance);
    }

    private Outcome OpenSession(TokenCalls.OpenSession c)
    {
        var rw = (c.Flags & CKF.RW_SESSION) != 0;
        if ((c.Flags & CKF.SERIAL_SESSION) == 0) return Outcome.Answer(CKR.SESSION_PARALLEL_NOT_SUPPORTED);
        if (!State.Initialized) return Outcome.Answer(CKR.TOKEN_NOT_RECOGNIZED);
        if (!rw && Memory.LoggedIn(c.App) == CKU.SO) return Outcome.Answer(CKR.SESSION_READ_WRITE_SO_EXISTS);
        Memory.AddSession(new TokenSession(c.App, c.Handle, rw));
        return Outcome.Ok;
    }

    private Outcome CloseSession(TokenSession s)
    {
        if (Memory.RemoveSession(s)) DropKeyIfNoLogin();
        return Outcome.Ok;
    }

    /// <summary>The application is gone: its sessions, session objects and login go (and the master key with the last login).</summary>
    public void DropApplication(ulong app)
    {
        if (Memory.DropApplication(app)) DropKeyIfNoLogin();
    }

    private void DropKeyIfNoLogin()
    {
        if (Memory.LoginCount == 0) Vault.Forget();
    }

    /// <summary>
    /// C_Login (§5.6): CKU_CONTEXT_SPECIFIC needs a login and re-authenticates as it; a second login of the same type is
    /// CKR_USER_ALREADY_LOGGED_IN, of the other CKR_USER_ANOTHER_ALREADY_LOGGED_IN; the SO may not log in while the
    /// application has a read-only session. A wrong PIN is counted (journaled) and locks the PIN at the limit.
    /// </summary>
    private Outcome Login(TokenCalls.Login c, TokenSession s)
    {
        var userType = c.UserType;
        if (userType != CKU.SO && userType != CKU.USER && userType != CKU.CONTEXT_SPECIFIC) throw new CkException(CKR.USER_TYPE_INVALID);
        var current = Memory.LoggedIn(s.App);
        if (userType == CKU.CONTEXT_SPECIFIC)
        {
            if (current == TokenMemory.Public) throw new CkException(CKR.USER_NOT_LOGGED_IN);
            userType = current;
        }
        else if (current == userType) throw new CkException(CKR.USER_ALREADY_LOGGED_IN);
        else if (current != TokenMemory.Public) throw new CkException(CKR.USER_ANOTHER_ALREADY_LOGGED_IN);

        if (userType == CKU.SO && Memory.HasReadOnlySession(s.App)) throw new CkException(CKR.SESSION_READ_ONLY_EXISTS);
        var record = userType == CKU.SO ? State.SoPin : State.UserPin;
        if (record is null) throw new CkException(userType == CKU.SO ? CKR.TOKEN_NOT_RECOGNIZED : CKR.USER_PIN_NOT_INITIALIZED);
        if (Locked(userType)) throw new CkException(CKR.PIN_LOCKED);

        var mk = PinCrypto.TryUnwrap(record, c.Pin);
        if (mk is null) return new Outcome(CKR.OK, [new LoginFailed(userType)], TokenKey, Effect: new PinFailed(userType));
        // logged in only once the journal has the login: a failed write leaves the application logged out
        return new Outcome(CKR.OK, [new LoginSucceeded(userType)], TokenKey, Effect: new LoggedIn(s.App, userType, mk, c.Pin, current != TokenMemory.Public));
    }

    private Outcome Logout(TokenSession s)
    {
        if (!Memory.Logout(s.App)) throw new CkException(CKR.USER_NOT_LOGGED_IN);
        DropKeyIfNoLogin();
        return Outcome.Ok;
    }

    private void RefuseDuringRekey()
    {
        if (State.Rekey is not null) throw new CkException(CKR.FUNCTION_FAILED, "a master-key rotation is under way");
    }

    /// <summary>C_InitPIN: only in an R/W SO session (§5.6).</summary>
    private Outcome InitPin(TokenCalls.InitPin c, TokenSession s)
    {
        if (Memory.SessionState(s) != CKS.RW_SO_FUNCTIONS) throw new CkException(s.ReadWrite ? CKR.USER_NOT_LOGGED_IN : CKR.SESSION_READ_ONLY);
        CheckPinLength(c.Pin);
        RefuseDuringRekey();
        var record = PinCrypto.Wrap(Vault.MasterKey ?? throw new CkException(CKR.USER_NOT_LOGGED_IN), c.Pin, Limits.Pbkdf2Iterations);
        return new Outcome(CKR.OK, [new UserPinSet(record)], TokenKey);
    }

    /// <summary>C_SetPIN: the PIN of whoever is logged in (the User's when nobody is), in an R/W session; a wrong old PIN counts as a failed login.</summary>
    private Outcome SetPin(TokenCalls.SetPin c, TokenSession s)
    {
        if (!s.ReadWrite) throw new CkException(CKR.SESSION_READ_ONLY);
        RefuseDuringRekey();
        var userType = Memory.LoggedIn(s.App) == CKU.SO ? CKU.SO : CKU.USER;
        var record = userType == CKU.SO ? State.SoPin : State.UserPin;
        if (record is null) throw new CkException(CKR.USER_PIN_NOT_INITIALIZED);
        if (Locked(userType)) throw new CkException(CKR.PIN_LOCKED);
        CheckPinLength(c.NewPin);
        var mk = PinCrypto.TryUnwrap(record, c.OldPin);
        if (mk is null) return new Outcome(CKR.OK, [new LoginFailed(userType)], TokenKey, Effect: new PinFailed(userType));
        var fresh = PinCrypto.Wrap(mk, c.NewPin, Limits.Pbkdf2Iterations);
        CryptographicOperations.ZeroMemory(mk);
        return new Outcome(CKR.OK, [userType == CKU.SO ? new SoPinSet(fresh) : new UserPinSet(fresh)], TokenKey);
    }

    // ------------------------------------------------------------------ objects

    /// <summary>The object's attributes if the application may see it (stored form for token objects; private ones only to the User).</summary>
    public bool TryVisible(ulong app, ulong handle, out AttributeSet attrs, out bool isTokenObject)
    {
        if (TokenProvidedObjects.Get(handle) is { } provided)
        {
            attrs = provided;
            isTokenObject = false;
            return true;
        }

        isTokenObject = handle < TokenMemory.SessionObjectBase;
        if (isTokenObject)
        {
            if (!State.Objects.TryGetValue(handle, out attrs!)) return false;
        }
        else
        {
            if (!Memory.TryGetSessionObject(app, handle, out var so))
            {
                attrs = null!;
                return false;
            }

            attrs = so.Attributes;
        }

        return !attrs.IsTrue(CKA.PRIVATE) || Memory.IsUser(app);
    }

    /// <summary>A visible object with its secret values opened (for use as a key, copy, or change); <paramref name="invalidRv"/> when not visible.</summary>
    public AttributeSet Open(ulong app, ulong handle, ulong invalidRv)
    {
        if (!TryVisible(app, handle, out var attrs, out var isTokenObject)) throw new CkException(invalidRv);
        return isTokenObject ? Vault.Open(handle, attrs, State.Rekey is not null && State.IsResealed(handle)) : attrs;
    }

    /// <summary>Session and login rules for a new object (create, copy, generate, unwrap, derive).</summary>
    private void CheckMayStore(TokenSession s, AttributeSet attrs)
    {
        if (attrs.IsTrue(CKA.TOKEN) && !s.ReadWrite) throw new CkException(CKR.SESSION_READ_ONLY);
        if (attrs.IsTrue(CKA.PRIVATE) && !Memory.IsUser(s.App)) throw new CkException(CKR.USER_NOT_LOGGED_IN);
    }

    /// <summary>New objects: session objects kept at once, token objects journaled (sealed); the handles in the outcome.</summary>
    private Outcome Store(TokenSession s, IReadOnlyList<AttributeSet> objects)
    {
        foreach (var o in objects) CheckMayStore(s, o);
        var handles = new ulong[objects.Count];
        var events = new List<ITokenEvent>();
        for (var i = 0; i < objects.Count; i++)
        {
            var o = objects[i];
            if (o.IsTrue(CKA.TOKEN))
            {
                var id = State.AllocateObjectId();
                o.Set(CKA.UNIQUE_ID, Encoding.ASCII.GetBytes(id.ToString(CultureInfo.InvariantCulture)));
                events.Add(new ObjectCreated(id, Vault.Seal(id, o)));
                handles[i] = id;
            }
            else
            {
                var id = Memory.AllocateSessionObject();
                o.Set(CKA.UNIQUE_ID, Encoding.ASCII.GetBytes("s" + id.ToString(CultureInfo.InvariantCulture)));
                Memory.PutSessionObject(id, new SessionObject(s.App, s.Handle, o));
                handles[i] = id;
            }
        }

        return new Outcome(CKR.OK, events, Handles: handles);
    }

    private Outcome Copy(CopyObject c, TokenSession s)
    {
        if (TokenProvidedObjects.IsProvided(c.Object)) throw new CkException(CKR.ACTION_PROHIBITED);
        var source = Open(s.App, c.Object, CKR.OBJECT_HANDLE_INVALID);
        var copy = TemplateValidator.ForCopy(source.Clone(), c.Template, Memory.LoggedIn(s.App) == CKU.SO);
        KeyManagementPolicy.CheckChange(Limits.KeyManagement, source, copy);
        copy.Remove(CKA.UNIQUE_ID);
        return Store(s, [copy]) with { Touches = c.Object };
    }

    /// <summary>C_DestroyObject: a token object needs an R/W session; CKA_DESTROYABLE FALSE and the token's own objects are CKR_ACTION_PROHIBITED.</summary>
    private Outcome Destroy(DestroyObject c, TokenSession s)
    {
        if (!TryVisible(s.App, c.Object, out var attrs, out var isTokenObject)) throw new CkException(CKR.OBJECT_HANDLE_INVALID);
        if (isTokenObject && !s.ReadWrite) throw new CkException(CKR.SESSION_READ_ONLY);
        if (attrs.GetBool(CKA.DESTROYABLE) == false || TokenProvidedObjects.IsProvided(c.Object)) throw new CkException(CKR.ACTION_PROHIBITED);
        if (!isTokenObject)
        {
            Memory.RemoveSessionObject(s.App, c.Object);
            return Outcome.Ok;
        }

        return new Outcome(CKR.OK, [new ObjectDestroyed(c.Object)], c.Object, Effect: new ObjectReplaced(c.Object));
    }

    /// <summary>C_SetAttributeValue: the template rules of <see cref="TemplateValidator.ForSet"/>; CKA_PRIVATE never changes.</summary>
    private Outcome Set(SetAttributeValue c, TokenSession s)
    {
        if (!TryVisible(s.App, c.Object, out _, out var isTokenObject)) throw new CkException(CKR.OBJECT_HANDLE_INVALID);
        if (isTokenObject && !s.ReadWrite) throw new CkException(CKR.SESSION_READ_ONLY);
        if (TokenProvidedObjects.IsProvided(c.Object)) throw new CkException(CKR.ACTION_PROHIBITED);
        var current = Open(s.App, c.Object, CKR.OBJECT_HANDLE_INVALID);
        var updated = TemplateValidator.ForSet(current.Clone(), c.Changes, Memory.LoggedIn(s.App) == CKU.SO);
        KeyManagementPolicy.CheckChange(Limits.KeyManagement, current, updated);
        if (updated.IsTrue(CKA.PRIVATE) != current.IsTrue(CKA.PRIVATE)) throw new CkException(CKR.ATTRIBUTE_READ_ONLY);
        if (!isTokenObject)
        {
            Memory.TryGetSessionObject(s.App, c.Object, out var so);
            Memory.PutSessionObject(c.Object, so with { Attributes = updated });
            return Outcome.Ok;
        }

        return new Outcome(CKR.OK, [new ObjectChanged(c.Object, Vault.Seal(c.Object, updated))], c.Object, Effect: new ObjectReplaced(c.Object));
    }
}
