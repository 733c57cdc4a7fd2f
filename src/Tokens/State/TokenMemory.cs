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
    private readonly Dictionary<ulong, SessionObject> _sessionObjects = new();
    private readonly Dictionary<ulong, ulong> _logins = new();
    private ulong _nextSessionObject = SessionObjectBase;

    public ObjectIndex SessionIndex { get; } = new();

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
        foreach (var id in _sessionObjects.Where(kv => kv.Value.App == s.App && kv.Value.Session == s.Handle).Select(kv => kv.Key).ToList())
            RemoveSessionObject(id);
        return !HasSessions(s.App) && _logins.Remove(s.App);
    }

    /// <summary>The application is gone (or closed all its sessions): its sessions, session objects and login go. True when it was logged in.</summary>
    public bool DropApplication(ulong app)
    {
        foreach (var s in _sessions.Values.Where(s => s.App == app).ToList()) RemoveSession(s);
        return _logins.Remove(app);
    }

    public ulong AllocateSessionObject() => _nextSessionObject++;

    public bool TryGetSessionObject(ulong id, out SessionObject o) => _sessionObjects.TryGetValue(id, out o!);

    public void PutSessionObject(ulong id, SessionObject o)
    {
        _sessionObjects[id] = o;
        SessionIndex.Set(id, o.Attributes);
    }

    public void RemoveSessionObject(ulong id)
    {
        _sessionObjects.Remove(id);
        SessionIndex.Remove(id);
    }

    public int ApplicationCount => _sessions.Values.Select(x => x.App).Distinct().Count();
}
