using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.State;

/// <summary>One open session as the token sees it: its application, handle, read/write flag and find state.</summary>
public sealed class TokenSession(ulong app, ulong handle, bool readWrite)
{
    public ulong App { get; } = app;

    public ulong Handle { get; } = handle;

    public bool ReadWrite { get; } = readWrite;

    /// <summary>The results of the C_FindObjectsInit under way, null when none is.</summary>
    public ulong[]? FindResults { get; set; }

    public int FindPosition { get; set; }
}

/// <summary>A session object: its application and session (it goes with them) and its attributes.</summary>
public sealed record SessionObject(ulong App, ulong Session, AttributeSet Attributes);

/// <summary>
/// What a token holds in memory only and never journals (PKCS#11: sessions, session objects and login state are not
/// persistent): open sessions and their find state, session objects with their index, the login state per application.
/// </summary>
public sealed class TokenMemory
{
    /// <summary>Session objects get handles from this range; token objects below it.</summary>
    public const ulong SessionObjectBase = 1UL << 40;

    /// <summary>"Not logged in" in <see cref="LoggedIn"/>.</summary>
    public const ulong Public = ulong.MaxValue;

    private readonly Dictionary<(ulong App, ulong Handle), TokenSession> _sessions = new();

    /// <summary>Session objects by <see cref="SessionKey"/>: handles are the application's own, so a fork()ed clone keeps them.</summary>
    private readonly Dictionary<ulong, SessionObject> _sessionObjects = new();
    private readonly Dictionary<ulong, ulong> _logins = new();
    private ulong _nextSessionObject = SessionObjectBase;

    /// <summary>Session objects indexed by <see cref="SessionKey"/> (<see cref="HandleOf"/> gives the handle back).</summary>
    public ObjectIndex SessionIndex { get; } = new();

    /// <summary>Bits of a session object's handle in its key; the application id is above them.</summary>
    private const int SessionKeyShift = 44;

    public static ulong SessionKey(ulong app, ulong handle) => (app << SessionKeyShift) | handle;

    public static ulong HandleOf(ulong key) => key & ((1UL << SessionKeyShift) - 1);

    public IReadOnlyCollection<TokenSession> Sessions => _sessions.Values;

    public int SessionObjectCount => _sessionObjects.Count;

    public int LoginCount => _logins.Count;

    public bool TryGetSession(ulong app, ulong handle, out TokenSession session) => _sessions.TryGetValue((app, handle), out session!);

    public void AddSession(TokenSession s) => _sessions[(s.App, s.Handle)] = s;

    /// <summary>CKU_SO, CKU_USER, or <see cref="Public"/>.</summary>
    public ulong LoggedIn(ulong app) => _logins.TryGetValue(app, out var u) ? u : Public;

    public bool IsUser(ulong app) => LoggedIn(app) == CKU.USER;

    public void SetLogin(ulong app, ulong userType) => _logins[app] = userType;

    /// <summary>Ends the application's login; false when it had none.</summary>
    public bool Logout(ulong app) => _logins.Remove(app);

    public void ClearLogins() => _logins.Clear();

    /// <summary>CK_SESSION_INFO.state of a session (PKCS#11 3.0 §5.6 table: the application's login and the session's R/W flag).</summary>
    public ulong SessionState(TokenSession s) => LoggedIn(s.App) switch
    {
        CKU.SO => CKS.RW_SO_FUNCTIONS,
        CKU.USER => s.ReadWrite ? CKS.RW_USER_FUNCTIONS : CKS.RO_USER_FUNCTIONS,
        _ => s.ReadWrite ? CKS.RW_PUBLIC_SESSION : CKS.RO_PUBLIC_SESSION,
    };

    public bool HasReadOnlySession(ulong app) => _sessions.Values.Any(x => x.App == app && !x.ReadWrite);

    public bool HasSessions(ulong app) => _sessions.Keys.Any(k => k.App == app);

    /// <summary>Closes a session: its session objects go. True when it was the application's last session and it was logged in (the login ends).</summary>
    public bool RemoveSession(TokenSession s)
    {
        _sessions.Remove((s.App, s.Handle));
        foreach (var key in _sessionObjects.Where(kv => kv.Value.App == s.App && kv.Value.Session == s.Handle).Select(kv => kv.Key).ToList())
        {
            _sessionObjects.Remove(key);
            SessionIndex.Remove(key);
        }

        return !HasSessions(s.App) && _logins.Remove(s.App);
    }

    /// <summary>The application is gone (or closed all its sessions): its sessions, session objects and login go. True when it was logged in.</summary>
    public bool DropApplication(ulong app)
    {
        foreach (var s in _sessions.Values.Where(s => s.App == app).ToList()) RemoveSession(s);
        return _logins.Remove(app);
    }

    public ulong AllocateSessionObject() => _nextSessionObject++;

    public bool TryGetSessionObject(ulong app, ulong handle, out SessionObject o) => _sessionObjects.TryGetValue(SessionKey(app, handle), out o!);

    /// <summary>A session object by its index key (<see cref="SessionIndex"/>).</summary>
    public bool TryGetSessionObjectByKey(ulong key, out SessionObject o) => _sessionObjects.TryGetValue(key, out o!);

    public void PutSessionObject(ulong handle, SessionObject o)
    {
        var key = SessionKey(o.App, handle);
        _sessionObjects[key] = o;
        SessionIndex.Set(key, o.Attributes);
    }

    public void RemoveSessionObject(ulong app, ulong handle)
    {
        var key = SessionKey(app, handle);
        _sessionObjects.Remove(key);
        SessionIndex.Remove(key);
    }

    /// <summary>
    /// A fork()ed clone of application <paramref name="parent"/> (CKF_INTERFACE_FORK_SAFE): copies of its sessions named in
    /// <paramref name="sessions"/> (same handles, find cursors included), of their session objects (same handles) and of its
    /// login. Token objects are shared, as they are between any two applications.
    /// </summary>
    public void Clone(ulong parent, ulong clone, IEnumerable<ulong> sessions)
    {
        var handles = sessions.ToHashSet();
        foreach (var s in _sessions.Values.Where(x => x.App == parent && handles.Contains(x.Handle)).ToList())
            AddSession(new TokenSession(clone, s.Handle, s.ReadWrite) { FindResults = (ulong[]?)s.FindResults?.Clone(), FindPosition = s.FindPosition });
        foreach (var (key, o) in _sessionObjects.Where(kv => kv.Value.App == parent).ToList())
            PutSessionObject(HandleOf(key), new SessionObject(clone, o.Session, o.Attributes.Clone()));
        if (_logins.TryGetValue(parent, out var user)) _logins[clone] = user;
    }

    public int ApplicationCount => _sessions.Values.Select(x => x.App).Distinct().Count();
}
