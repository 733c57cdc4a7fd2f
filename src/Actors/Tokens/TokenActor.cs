using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using OpenCryptokiActors.Actors.Applications;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Actors.Persistence;
using OpenCryptokiActors.Actors.Server;
using OpenCryptokiActors.Cryptoki.Audit;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.State;
using static OpenCryptokiActors.Actors.Tokens.TokenProtocol;

namespace OpenCryptokiActors.Actors.Tokens;

/// <summary>
/// One token: the single writer of its persistent state (PINs, failure counters, token objects), and
/// the keeper of what belongs to it in memory only: open sessions and their find state, session objects,
/// login state per application and, while someone is logged in, the master key. Every change of a token
/// object is journaled before the reply. Crypto does not run here: keys go to sessions as snapshots.
/// <para>
/// Group commit: a write is validated against the committed state and its events are journaled with
/// PersistAllAsync; while that write is in flight, further writes wait in <see cref="_deferred"/> (reads go
/// on), and when it commits, everything waiting that does not touch the same object is validated and
/// journaled as one batch. Every reply still goes out only after its own events are committed.
/// Every event is journaled as an <see cref="AuditedEvent"/>: time, pid, uid, session, hash-chained.
/// </para>
/// </summary>
public sealed partial class TokenActor : ReceivePersistentActor, IWithTimers
{
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Session objects get handles from this range; token objects below it.</summary>
    private const ulong SessionObjectBase = 1UL << 40;

    private readonly SlotSettings _slot;
    private readonly OpenCryptokiSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TokenState _state = new();
    private readonly Dictionary<(ulong App, ulong Handle), SessionEntry> _sessions = new();
    private readonly Dictionary<ulong, SessionObject> _sessionObjects = new();
    private readonly ObjectIndex _sessionIndex = new();
    private readonly Dictionary<ulong, ApplicationProtocol.PeerCredentials> _peers = new();

    // group commit
    private readonly Queue<(ITokenCommand Command, IActorRef Sender)> _deferred = new();
    private readonly Dictionary<ulong, int> _deferredPerApp = new();
    private readonly List<PendingWrite> _batch = new();
    private readonly List<PendingWrite> _inFlight = new();
    private readonly HashSet<ulong> _batchTouched = new();
    private readonly HashSet<ulong> _batchApps = new();
    private bool _batchExclusive;
    private int _inFlightCursor;
    private bool _writing;
    /// <summary>Who waits for a restore being journaled (one write of the whole token): answered also when that write fails.</summary>
    private IActorRef? _importWaiter;
    private bool _collecting;
    private bool _batchFailed;
    private byte[] _chainHead = AuditRecord.Genesis;
    private long _eventsSinceSnapshot;
    private long _batches;
    private long _batchedEvents;
    private ulong _contextApp;
    private ulong _contextSession;

    /// <summary>Touch key of token-level state (PINs, failure counters); object ids are below it.</summary>
    private const ulong TokenKey = ulong.MaxValue;
    private readonly Dictionary<ulong, ulong> _logins = new();
    private readonly Dictionary<ulong, AttributeSet> _unsealed = new();
    private readonly WireWriter _out = new();
    private ulong _nextSessionObject = SessionObjectBase;
    private byte[]? _masterKey;

    /// <summary>Seals the secret values of public token objects at rest (<see cref="ObjectKeyFile"/>); held for the actor's life.</summary>
    private readonly byte[] _objectKey;

    /// <summary>The key file was made at this start: public secrets sealed before (under a lost key) cannot open; told once recovered.</summary>
    private readonly bool _objectKeyCreated;
    private bool _sealedPublicRecovered;
    private int _publicMigrated;
    private bool _ready;
    private IActorRef? _currentSession;
    private readonly List<IActorRef> _awaitingReady = new();

    public TokenActor(SlotSettings slot, OpenCryptokiSettings settings)
    {
        _slot = slot;
        _settings = settings;
        _objectKey = ObjectKeyFile.LoadOrCreate(ObjectKeyFile.PathOf(settings.DataDir, PersistenceId), out _objectKeyCreated);

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is TokenSnapshot s) _state.Apply(Recovered(s));
            _eventsSinceSnapshot = 0;
        });
        Recover<ITokenEvent>(e =>
        {
            if ((e as DamagedEvent ?? (e as AuditedEvent)?.Event as DamagedEvent) is { } d)
            {
                _log.Error("token {0}: journal event {1} ({2}{3}) is damaged and skipped: {4}", _slot.TokenName, LastSequenceNr, d.Manifest,
                    d.ObjectId is { } id ? $", object {id}" : "", d.Reason);
            }

            _state.Apply(Recovered(e));
            _eventsSinceSnapshot++;
        });
        Recover<RecoveryCompleted>(_ =>
        {
            _ready = true;
            _chainHead = _state.LastHash;
            ReportObjectKeyRecovery();
            foreach (var waiter in _awaitingReady) waiter.Tell(new Ready(_slot.Id));
            _awaitingReady.Clear();
            _log.Info("token {0} (slot {1}) recovered: {2} objects", _slot.TokenName, _slot.Id, _state.Objects.Count);
        });

        Command<AwaitReady>(_ =>
        {
            if (_ready) Sender.Tell(new Ready(_slot.Id));
            else _awaitingReady.Add(Sender);
        });
        Command<Request>(r => { if (!Defer(r)) Handle(r); });
        Command<OpenSession>(o => { if (!Defer(o)) HandleOpenSession(o, Sender); });
        Command<ApplicationGone>(g => { if (!Defer(g)) DropApplication(g.AppId); });
        Command<StoreNewObjects>(m => { if (!Defer(m)) HandleStoreNew(m); });
        Command<Applications.ForkProtocol.CloneApplication>(CloneApplication);
        Command<GetUsage>(_ => Sender.Tell(new TokenUsage(_slot.Id, _state.Initialized, _state.Initialized ? _state.Label : "",
            _sessions.Count, _sessions.Values.Count(x => x.ReadWrite), _sessionObjects.Count, _logins.Count,
            _sessions.Values.Select(x => x.App).Distinct().Count())));
        Command<GetStoreStats>(_ => Sender.Tell(new StoreStats(_batches, _batchedEvents, _state.Objects.Count, LastSequenceNr)));
        Command<ExportState>(_ => Sender.Tell(!_state.Initialized ? new ExportedState(false, "", [])
            : _state.Rekey is not null ? new ExportedState(true, "", [], "a master-key rotation (ock token rekey) is under way: back up after it")
            : new ExportedState(true, TokenEventSerializer.BackupManifest, TokenEventSerializer.EncodeBackup(_objectKey, _state.ToSnapshot()))));
        Command<StartRekey>(m => { if (!Defer(m)) HandleStartRekey(m, Sender); });
        Command<RekeyNext>(m => { if (!Defer(m)) RekeyStep(); });
        Command<ImportState>(m => HandleImport(m, Sender));
        Command<WriteAnchor>(_ => WriteAnchorNow());
        Command<SaveSnapshotSuccess>(SnapshotSaved);
        Command<SaveSnapshotFailure>(SnapshotFailed);
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("token {0}: older snapshots not deleted: {1}", _slot.TokenName, f.Cause.Message));
    }

    public override string PersistenceId => "token-" + _slot.TokenName;

    public static Props Props(SlotSettings slot, OpenCryptokiSettings settings) =>
        Akka.Actor.Props.Create(() => new TokenActor(slot, settings));

    private sealed class SessionEntry(ulong app, ulong handle, bool rw, IActorRef actor)
    {
        public ulong App { get; } = app;
        public ulong Handle { get; } = handle;
        public bool ReadWrite { get; } = rw;
        public IActorRef Actor { get; } = actor;
        public ulong[]? FindResults { get; set; }
        public int FindPosition { get; set; }
    }

    private sealed record SessionObject(ulong App, ulong Session, AttributeSet Attributes);

    /// <summary>The events of one command and what to do once they are all committed.</summary>
    private sealed class PendingWrite(ClientRequest? client, int events, Action committed, Action? abandoned)
    {
        /// <summary>Who is answered CKR_DEVICE_ERROR if the write fails; null for the token's own writes (rekey batches).</summary>
        public ClientRequest? Client { get; } = client;
        public Action Committed { get; } = committed;

        /// <summary>Run instead of <see cref="Committed"/> when the journal did not take the events (drops what the command held).</summary>
        public Action? Abandoned { get; } = abandoned;
        public int Remaining { get; set; } = events;
        public bool Failed { get; set; }
    }

    protected override void PostStop()
    {
        WriteAnchorNow();
        Forget();
        DropRekeyKeys();
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(_objectKey);
        _out.Dispose();
        base.PostStop();
    }

    // ------------------------------------------------------------------ dispatch

    private void Handle(Request r)
    {
        var req = r.Client;
        _currentSession = r.Session;
        if (r.Peer is not null) _peers[r.AppId] = r.Peer;
        _contextApp = r.AppId;
        _contextSession = req.Opcode is Opcode.InitToken or Opcode.GetTokenInfo or Opcode.CloseAllSessions ? 0 : req.SessionHandle;
        try
        {
            switch (req.Opcode)
            {
                case Opcode.GetTokenInfo: GetTokenInfo(req); return;
                case Opcode.InitToken: InitToken(req); return;
                case Opcode.CloseAllSessions: CloseAllSessions(req, r.AppId); return;
            }

            var key = (r.AppId, req.SessionHandle);
            if (!_sessions.TryGetValue(key, out var session))
            {
                req.Reply(CKR.SESSION_HANDLE_INVALID);
                return;
            }

            var reader = new WireReader(req.Payload);
            reader.ReadULong();
            switch (req.Opcode)
            {
                case Opcode.CloseSession: CloseSession(req, session); break;
                case Opcode.GetSessionInfo: GetSessionInfo(req, session); break;
                case Opcode.Login: Login(req, session, ref reader); break;
                case Opcode.Logout: Logout(req, session); break;
                case Opcode.InitPIN: InitPin(req, session, ref reader); break;
                case Opcode.SetPIN: SetPin(req, session, ref reader); break;
                case Opcode.CreateObject: CreateObject(req, session, ref reader); break;
                case Opcode.CopyObject: CopyObject(req, session, ref reader); break;
                case Opcode.DestroyObject: DestroyObject(req, session, ref reader); break;
                case Opcode.GetObjectSize: GetObjectSize(req, session, ref reader); break;
                case Opcode.GetAttributeValue: GetAttributeValue(req, session, ref reader); break;
                case Opcode.SetAttributeValue: SetAttributeValue(req, session, ref reader); break;
                case Opcode.FindObjectsInit: FindObjectsInit(req, session, ref reader); break;
                case Opcode.FindObjects: FindObjects(req, session, ref reader); break;
                case Opcode.FindObjectsFinal: FindObjectsFinal(req, session); break;
                case Opcode.EncryptInit or Opcode.DecryptInit or Opcode.SignInit or Opcode.VerifyInit
                    or Opcode.SignRecoverInit or Opcode.VerifyRecoverInit
                    or Opcode.MessageEncryptInit or Opcode.MessageDecryptInit or Opcode.MessageSignInit or Opcode.MessageVerifyInit:
                    BeginWithKey(req, session, ref reader);
                    break;
                case Opcode.DigestKey: DigestKey(req, session, ref reader); break;
                case Opcode.SetOperationState: SetOperationState(req, session, ref reader); break;
                case Opcode.EncapsulateKey: EncapsulateKey(req, session, ref reader); break;
                case Opcode.DecapsulateKey: DecapsulateKey(req, session, ref reader); break;
                case Opcode.VerifySignatureInit: VerifySignatureInit(req, session, ref reader); break;
                case Opcode.WrapKey: WrapKey(req, session, ref reader); break;
                case Opcode.UnwrapKey: UnwrapKey(req, session, ref reader); break;
                case Opcode.DeriveKey: DeriveKey(req, session, ref reader); break;
                case Opcode.IbmReencryptSingle: ReencryptSingle(req, session, ref reader); break;
                default: req.Reply(CKR.FUNCTION_NOT_SUPPORTED); break;
            }
        }
        catch (CkException e)
        {
            req.Reply(e.Rv);
        }
        catch (WireFormatException)
        {
            req.Reply(CKR.ARGUMENTS_BAD);
        }
    }

    // ------------------------------------------------------------------ token and PINs

    private ulong TokenFlags()
    {
        var flags = CKF.RNG | CKF.LOGIN_REQUIRED | CKF.RESTORE_KEY_NOT_NEEDED;
        if (!_state.Initialized) return flags;
        flags |= CKF.TOKEN_INITIALIZED;
        if (_state.UserPin is not null) flags |= CKF.USER_PIN_INITIALIZED;
        flags |= PinFlags(_state.UserFailures, CKF.USER_PIN_COUNT_LOW, CKF.USER_PIN_FINAL_TRY, CKF.USER_PIN_LOCKED);
        flags |= PinFlags(_state.SoFailures, CKF.SO_PIN_COUNT_LOW, CKF.SO_PIN_FINAL_TRY, CKF.SO_PIN_LOCKED);
        return flags;
    }

    private ulong PinFlags(int failures, ulong low, ulong finalTry, ulong locked)
    {
        if (failures == 0) return 0;
        var max = _slot.MaxLoginFailures;
        if (max > 0 && failures >= max) return locked;
        if (max > 0 && failures == max - 1) return low | finalTry;
        return low;
    }

    private bool Locked(ulong userType) => _slot.MaxLoginFailures > 0 && _state.Failures(userType) >= _slot.MaxLoginFailures;

    private void GetTokenInfo(ClientRequest req)
    {
        var rw = 0UL;
        foreach (var s in _sessions.Values)
            if (s.ReadWrite) rw++;
        _out.Reset();
        _out.WritePadded(_state.Initialized ? _state.Label : "", 32);
        _out.WritePadded("OpenCryptokiActors", 32);
        _out.WritePadded("soft", 16);
        _out.WritePadded(Serial(), 16);
        _out.WriteULong(TokenFlags());
        _out.WriteULong(CK.EFFECTIVELY_INFINITE);
        _out.WriteULong((ulong)_sessions.Count);
        _out.WriteULong(CK.EFFECTIVELY_INFINITE);
        _out.WriteULong(rw);
        _out.WriteULong((ulong)_settings.MaxPinLength);
        _out.WriteULong((ulong)_settings.MinPinLength);
        for (var i = 0; i < 4; i++) _out.WriteULong(CK.UNAVAILABLE_INFORMATION);
        _out.WriteByte(0);
        _out.WriteByte(1);
        _out.WriteByte(0);
        _out.WriteByte(1);
        _out.WritePadded("", 16);
        req.Reply(CKR.OK, _out);
    }

    private string Serial()
    {
        var hash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(_slot.TokenName));
        return Convert.ToHexString(hash, 0, 8);
    }

    private void CheckPinLength(ReadOnlySpan<byte> pin)
    {
        if (pin.Length < _settings.MinPinLength || pin.Length > _settings.MaxPinLength) throw new CkException(CKR.PIN_LEN_RANGE);
    }

    private void InitToken(ClientRequest req)
    {
        var r = new WireReader(req.Payload);
        r.ReadULong();
        var pin = r.ReadNullableBytes() ?? throw new CkException(CKR.ARGUMENTS_BAD);
        var label = r.ReadPadded(32);
        r.ExpectEnd();
        if (_sessions.Count > 0) throw new CkException(CKR.SESSION_EXISTS);
        CheckPinLength(pin);
        if (_state.Initialized && _state.SoPin is not null)
        {
            if (Locked(CKU.SO)) throw new CkException(CKR.PIN_LOCKED);
            var mk = PinCrypto.TryUnwrap(_state.SoPin, pin);
            if (mk is null)
            {
                Commit(req, TokenKey, [new LoginFailed(CKU.SO)], () => req.Reply(CKR.PIN_INCORRECT));
                return;
            }

            System.Security.Cryptography.CryptographicOperations.ZeroMemory(mk);
        }

        var masterKey = PinCrypto.NewMasterKey();
        var record = PinCrypto.Wrap(masterKey, pin, _settings.Pbkdf2Iterations);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(masterKey);
        _batchExclusive = true;
        Commit(req, TokenKey, [new TokenInitialized(label, record, DateTimeOffset.UtcNow)], () =>
        {
            Forget();
            _logins.Clear();
            DropRekeyKeys();
            FailRekeyWaiters("the token was initialised");
            _log.Info("token {0} (slot {1}) initialized", _slot.TokenName, _slot.Id);
            req.Ok();
            Context.System.EventStream.Publish(new Applications.ApplicationProtocol.TokenChanged(_slot.Id, "initialized"));
        });
    }

    private ulong LoggedIn(ulong app) => _logins.TryGetValue(app, out var u) ? u : ulong.MaxValue;

    private bool IsUser(ulong app) => LoggedIn(app) == CKU.USER;

    private void Login(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var userType = r.ReadULong();
        var pin = r.ReadNullableBytes() ?? throw new CkException(CKR.ARGUMENTS_BAD);
        r.ExpectEnd();
        if (userType != CKU.SO && userType != CKU.USER && userType != CKU.CONTEXT_SPECIFIC) throw new CkException(CKR.USER_TYPE_INVALID);
        var current = LoggedIn(s.App);
        if (userType == CKU.CONTEXT_SPECIFIC)
        {
            if (current == ulong.MaxValue) throw new CkException(CKR.USER_NOT_LOGGED_IN);
            userType = current;
        }
        else if (current == userType) throw new CkException(CKR.USER_ALREADY_LOGGED_IN);
        else if (current != ulong.MaxValue) throw new CkException(CKR.USER_ANOTHER_ALREADY_LOGGED_IN);

        if (userType == CKU.SO && _sessions.Values.Any(x => x.App == s.App && !x.ReadWrite)) throw new CkException(CKR.SESSION_READ_ONLY_EXISTS);
        var record = userType == CKU.SO ? _state.SoPin : _state.UserPin;
        if (record is null) throw new CkException(userType == CKU.SO ? CKR.TOKEN_NOT_RECOGNIZED : CKR.USER_PIN_NOT_INITIALIZED);
        if (Locked(userType)) throw new CkException(CKR.PIN_LOCKED);

        var mk = PinCrypto.TryUnwrap(record, pin);
        if (mk is null)
        {
            Commit(req, TokenKey, [new LoginFailed(userType)], () => req.Reply(Locked(userType) ? CKR.PIN_LOCKED : CKR.PIN_INCORRECT));
            return;
        }

        // logged in only once the journal has the login: a failed write leaves the application logged out
        var context = req.Opcode == Opcode.Login && current != ulong.MaxValue;
        var session = context ? SessionActor(s) : null;
        Commit(req, TokenKey, [new LoginSucceeded(userType)], () =>
        {
            ResumeRekeyWith(mk, pin, userType);
            if (_masterKey is null) _masterKey = mk;
            else System.Security.Cryptography.CryptographicOperations.ZeroMemory(mk);
            if (!context) _logins[s.App] = userType;
            session?.Tell(ContextLoggedIn.Instance);
            req.Ok();
        }, () => System.Security.Cryptography.CryptographicOperations.ZeroMemory(mk));
    }

    private void Logout(ClientRequest req, SessionEntry s)
    {
        if (!_logins.Remove(s.App)) throw new CkException(CKR.USER_NOT_LOGGED_IN);
        DropKeyIfNoLogin();
        req.Ok();
    }

    private void DropKeyIfNoLogin()
    {
        if (_logins.Count == 0) Forget();
    }

    /// <summary>Drops the master key and every unsealed value from memory.</summary>
    private void Forget()
    {
        if (_masterKey is not null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(_masterKey);
        _masterKey = null;
        _unsealed.Clear();
    }

    private ulong SessionState(SessionEntry s) => LoggedIn(s.App) switch
    {
        CKU.SO => CKS.RW_SO_FUNCTIONS,
        CKU.USER => s.ReadWrite ? CKS.RW_USER_FUNCTIONS : CKS.RO_USER_FUNCTIONS,
        _ => s.ReadWrite ? CKS.RW_PUBLIC_SESSION : CKS.RO_PUBLIC_SESSION,
    };

    private void InitPin(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var pin = r.ReadNullableBytes() ?? throw new CkException(CKR.ARGUMENTS_BAD);
        r.ExpectEnd();
        if (SessionState(s) != CKS.RW_SO_FUNCTIONS) throw new CkException(s.ReadWrite ? CKR.USER_NOT_LOGGED_IN : CKR.SESSION_READ_ONLY);
        CheckPinLength(pin);
        RefuseDuringRekey();
        var record = PinCrypto.Wrap(_masterKey ?? throw new CkException(CKR.USER_NOT_LOGGED_IN), pin, _settings.Pbkdf2Iterations);
        Commit(req, TokenKey, [new UserPinSet(record)], req.Ok);
    }

    private void SetPin(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var oldPin = r.ReadNullableBytes() ?? throw new CkException(CKR.ARGUMENTS_BAD);
        var newPin = r.ReadNullableBytes() ?? throw new CkException(CKR.ARGUMENTS_BAD);
        r.ExpectEnd();
        if (!s.ReadWrite) throw new CkException(CKR.SESSION_READ_ONLY);
        RefuseDuringRekey();
        var userType = LoggedIn(s.App) == CKU.SO ? CKU.SO : CKU.USER;
        var record = userType == CKU.SO ? _state.SoPin : _state.UserPin;
        if (record is null) throw new CkException(CKR.USER_PIN_NOT_INITIALIZED);
        if (Locked(userType)) throw new CkException(CKR.PIN_LOCKED);
        CheckPinLength(newPin);
        var mk = PinCrypto.TryUnwrap(record, oldPin);
        if (mk is null)
        {
            Commit(req, TokenKey, [new LoginFailed(userType)], () => req.Reply(Locked(userType) ? CKR.PIN_LOCKED : CKR.PIN_INCORRECT));
            return;
        }

        var fresh = PinCrypto.Wrap(mk, newPin, _settings.Pbkdf2Iterations);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(mk);
        ITokenEvent evt = userType == CKU.SO ? new SoPinSet(fresh) : new UserPinSet(fresh);
        Commit(req, TokenKey, [evt], req.Ok);
    }

    // ------------------------------------------------------------------ sessions

    private void HandleOpenSession(OpenSession o, IActorRef replyTo)
    {
        if (o.Peer is not null) _peers[o.AppId] = o.Peer;
        ulong rv;
        var rw = (o.Flags & CKF.RW_SESSION) != 0;
        if ((o.Flags & CKF.SERIAL_SESSION) == 0) rv = CKR.SESSION_PARALLEL_NOT_SUPPORTED;
        else if (!_state.Initialized) rv = CKR.TOKEN_NOT_RECOGNIZED;
        else if (!rw && LoggedIn(o.AppId) == CKU.SO) rv = CKR.SESSION_READ_WRITE_SO_EXISTS;
        else
        {
            _sessions[(o.AppId, o.Handle)] = new SessionEntry(o.AppId, o.Handle, rw, ActorRefs.Nobody);
            rv = CKR.OK;
        }

        replyTo.Tell(new SessionOpenResult(o.Client, o.Handle, rv));
    }

    private void GetSessionInfo(ClientRequest req, SessionEntry s)
    {
        _out.Reset();
        _out.WriteULong(_slot.Id);
        _out.WriteULong(SessionState(s));
        _out.WriteULong(CKF.SERIAL_SESSION | (s.ReadWrite ? CKF.RW_SESSION : 0));
        _out.WriteULong(0);
        req.Reply(CKR.OK, _out);
    }

    private void CloseSession(ClientRequest req, SessionEntry s)
    {
        RemoveSession(s);
        if (!_sessions.Keys.Any(k => k.App == s.App) && _logins.Remove(s.App)) DropKeyIfNoLogin();
        req.Ok();
    }

    private void RemoveSession(SessionEntry s)
    {
        _sessions.Remove((s.App, s.Handle));
        foreach (var id in _sessionObjects.Where(kv => kv.Value.App == s.App && kv.Value.Session == s.Handle).Select(kv => kv.Key).ToList())
            RemoveSessionObject(id);
    }

    private void CloseAllSessions(ClientRequest req, ulong app)
    {
        DropApplication(app);
        req.Ok();
    }

    private void DropApplication(ulong app)
    {
        foreach (var s in _sessions.Values.Where(s => s.App == app).ToList()) RemoveSession(s);
        if (_logins.Remove(app)) DropKeyIfNoLogin();
        _peers.Remove(app);
    }

    private void PutSessionObject(ulong id, SessionObject o)
    {
        _sessionObjects[id] = o;
        _sessionIndex.Set(id, o.Attributes);
    }

    private void RemoveSessionObject(ulong id)
    {
        _sessionObjects.Remove(id);
        _sessionIndex.Remove(id);
    }

    // ------------------------------------------------------------------ objects

    /// <summary>The object's attributes if the application may see it (stored form for token objects).</summary>
    private bool TryVisible(ulong app, ulong handle, out AttributeSet attrs, out bool isTokenObject)
    {
        if (TokenProvidedObjects.Get(handle) is { } provided)
        {
            attrs = provided;
            isTokenObject = false;
            return true;
        }

        isTokenObject = handle < SessionObjectBase;
        if (isTokenObject)
        {
            if (!_state.Objects.TryGetValue(handle, out attrs!)) return false;
        }
        else
        {
            if (!_sessionObjects.TryGetValue(SessionKey(app, handle), out var so) || so.App != app)
            {
                attrs = null!;
                return false;
            }

            attrs = so.Attributes;
        }

        return !attrs.IsTrue(CKA.PRIVATE) || IsUser(app);
    }

    /// <summary>Visible object with secret values unsealed (for use as a key, copy, or change).</summary>
    private AttributeSet Open(ulong app, ulong handle, ulong invalidRv)
    {
        if (!TryVisible(app, handle, out var attrs, out var isTokenObject)) throw new CkException(invalidRv);
        if (!isTokenObject) return attrs;
        if (_unsealed.TryGetValue(handle, out var open)) return open;
        if (!PinCrypto.HasSecrets(attrs)) return attrs;
        byte[] key;
        if (attrs.IsTrue(CKA.PRIVATE))
        {
            key = _masterKey ?? throw new CkException(CKR.USER_NOT_LOGGED_IN);
            if (_state.Rekey is not null && _state.IsResealed(handle)) key = _rekeyNew ?? throw Damaged(handle, 0);
        }
        else key = _objectKey;

        open = PinCrypto.OpenSecrets(key, handle, attrs, out var failed) ?? throw Damaged(handle, failed);
        _unsealed[handle] = open;
        return open;
    }

    /// <summary>A sealed value that does not open (damaged ciphertext): logged with the object's id; the caller gets CKR_DEVICE_ERROR.</summary>
    private CkException Damaged(ulong handle, ulong type)
    {
        _log.Error("token {0}: object {1}: sealed attribute 0x{2:X} does not open (damaged ciphertext)", _slot.TokenName, handle, type);
        return new CkException(CKR.DEVICE_ERROR, $"token object {handle}: sealed attribute does not open");
    }

    /// <summary>
    /// A token object's attributes as stored: secret values of a private object sealed under the master key (there only while
    /// someone is logged in), those of a public object under the token's object key, so that no key value is ever journaled in clear.
    /// </summary>
    private AttributeSet Seal(ulong id, AttributeSet plain) =>
        PinCrypto.SealSecrets(plain.IsTrue(CKA.PRIVATE) ? _masterKey ?? throw new CkException(CKR.USER_NOT_LOGGED_IN) : _objectKey, id, plain);

    /// <summary>A public object's attributes with its secret values sealed under the object key (private objects: as they are).</summary>
    private AttributeSet SealPublic(ulong id, AttributeSet attrs) => attrs.IsTrue(CKA.PRIVATE) ? attrs : PinCrypto.SealSecrets(_objectKey, id, attrs);

    /// <summary>
    /// Migration of stores written before public objects were sealed: an event or snapshot read from such a row (PublicInClear) with its
    /// public objects' secret values sealed under the object key as it is loaded, so that the state, and every snapshot and backup made
    /// from it, holds them sealed. (The old rows keep what they were written with: the journal is append-only and hash-chained.)
    /// </summary>
    private ITokenEvent Recovered(ITokenEvent e)
    {
        switch (e)
        {
            case AuditedEvent { Event: ObjectCreated { PublicInClear: true } or ObjectChanged { PublicInClear: true } } a:
                return a with { Event = Recovered(a.Event) };
            case AuditedEvent a:
                NoteSealedPublic(a.Event);
                return a;
            case ObjectCreated { PublicInClear: true } c:
                return new ObjectCreated(c.Id, Migrated(c.Id, c.Attributes));
            case ObjectChanged { PublicInClear: true } c:
                return new ObjectChanged(c.Id, Migrated(c.Id, c.Attributes));
            case TokenSnapshot { PublicInClear: true } s:
                return s with { Objects = s.Objects.Select(o => new KeyValuePair<ulong, AttributeSet>(o.Key, Migrated(o.Key, o.Value))).ToList(), PublicInClear = false };
            default:
                NoteSealedPublic(e);
                return e;
        }
    }

    private AttributeSet Migrated(ulong id, AttributeSet attrs)
    {
        var sealedSet = SealPublic(id, attrs);
        if (!ReferenceEquals(sealedSet, attrs)) _publicMigrated++;
        return sealedSet;
    }

    /// <summary>Whether recovery met a public object sealed under an object key, when the key file was made only now (checked only then).</summary>
    private void NoteSealedPublic(ITokenEvent e)
    {
        if (!_objectKeyCreated || _sealedPublicRecovered) return;
        _sealedPublicRecovered = e switch
        {
            ObjectCreated c => !c.Attributes.IsTrue(CKA.PRIVATE) && PinCrypto.HasSecrets(c.Attributes),
            ObjectChanged c => !c.Attributes.IsTrue(CKA.PRIVATE) && PinCrypto.HasSecrets(c.Attributes),
            TokenSnapshot s => s.Objects.Any(o => !o.Value.IsTrue(CKA.PRIVATE) && PinCrypto.HasSecrets(o.Value)),
            _ => false,
        };
    }

    /// <summary>
    /// After recovery: a lost object key file is reported (its public secrets do not open: they answer CKR_DEVICE_ERROR, logged with
    /// their ids), and public secrets migrated from clear get a snapshot in the sealed form at once.
    /// </summary>
    private void ReportObjectKeyRecovery()
    {
        if (_sealedPublicRecovered)
            _log.Error("token {0}: the object key file {1} was missing and has been made anew: secret values of public objects sealed under " +
                       "the lost key cannot be opened", _slot.TokenName, ObjectKeyFile.PathOf(_settings.DataDir, PersistenceId));
        if (_publicMigrated == 0) return;
        _log.Info("token {0}: {1} public object version(s) written with secret values in clear are now sealed under the object key",
            _slot.TokenName, _publicMigrated);
        _publicMigrated = 0;
        if (_state.Rekey is not null || _settings.SnapshotEvery <= 0 || _snapshotEvents is not null) return;
        StartSnapshot();
    }

    /// <summary>Session and login rules for a new object (create, copy, generate, unwrap, derive).</summary>
    private void CheckMayStore(SessionEntry s, AttributeSet attrs)
    {
        if (attrs.IsTrue(CKA.TOKEN) && !s.ReadWrite) throw new CkException(CKR.SESSION_READ_ONLY);
        if (attrs.IsTrue(CKA.PRIVATE) && !IsUser(s.App)) throw new CkException(CKR.USER_NOT_LOGGED_IN);
    }

    /// <summary>Stores new objects (token objects journaled first) and answers with their handles.</summary>
    private void Store(ClientRequest req, SessionEntry s, IReadOnlyList<AttributeSet> objects, byte[]? replyPrefix = null, byte[]? output = null)
    {
        foreach (var o in objects) CheckMayStore(s, o);
        var handles = new ulong[objects.Count];
        var events = new List<ITokenEvent>();
        for (var i = 0; i < objects.Count; i++)
        {
            var o = objects[i];
            if (o.IsTrue(CKA.TOKEN))
            {
                var id = _state.AllocateObjectId();
                o.Set(CKA.UNIQUE_ID, Encoding.ASCII.GetBytes(id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                events.Add(new ObjectCreated(id, Seal(id, o)));
                handles[i] = id;
            }
            else
            {
                var id = _nextSessionObject++;
                o.Set(CKA.UNIQUE_ID, Encoding.ASCII.GetBytes("s" + id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                PutSessionObject(SessionKey(s.App, id), new SessionObject(s.App, s.Handle, o));
                handles[i] = id;
            }
        }

        void Answer()
        {
            _out.Reset();
            if (replyPrefix is not null) _out.WriteRaw(replyPrefix);
            foreach (var h in handles) _out.WriteULong(h);
            if (output is not null) _out.WriteRaw(output);
            req.Reply(CKR.OK, _out);
        }

        if (events.Count == 0)
        {
            Answer();
            return;
        }

        Commit(req, null, events, Answer);
    }

    private void HandleStoreNew(StoreNewObjects m)
    {
        _currentSession = null;
        _contextApp = m.AppId;
        _contextSession = m.SessionHandle;
        try
        {
            if (!_sessions.TryGetValue((m.AppId, m.SessionHandle), out var s)) throw new CkException(CKR.SESSION_HANDLE_INVALID);
            Store(m.Client, s, m.Objects, m.ReplyPrefix, m.Output);
        }
        catch (CkException e)
        {
            m.Client.Reply(e.Rv);
        }
    }

    private void CreateObject(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var template = AttributeSet.FromTemplate(r.ReadTemplate());
        r.ExpectEnd();
        Store(req, s, [TemplateValidator.ForCreate(template, LoggedIn(s.App) == CKU.SO)]);
    }

    private void CopyObject(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var handle = r.ReadULong();
        var template = AttributeSet.FromTemplate(r.ReadTemplate());
        r.ExpectEnd();
        if (TokenProvidedObjects.IsProvided(handle)) throw new CkException(CKR.ACTION_PROHIBITED);
        var source = Open(s.App, handle, CKR.OBJECT_HANDLE_INVALID);
        var copy = TemplateValidator.ForCopy(source.Clone(), template, LoggedIn(s.App) == CKU.SO);
        copy.Remove(CKA.UNIQUE_ID);
        Store(req, s, [copy]);
    }

    private void DestroyObject(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var handle = r.ReadULong();
        r.ExpectEnd();
        if (!TryVisible(s.App, handle, out var attrs, out var isTokenObject)) throw new CkException(CKR.OBJECT_HANDLE_INVALID);
        if (isTokenObject && !s.ReadWrite) throw new CkException(CKR.SESSION_READ_ONLY);
        if (attrs.GetBool(CKA.DESTROYABLE) == false || TokenProvidedObjects.IsProvided(handle)) throw new CkException(CKR.ACTION_PROHIBITED);
        if (!isTokenObject)
        {
            RemoveSessionObject(SessionKey(s.App, handle));
            req.Ok();
            return;
        }

        Commit(req, handle, [new ObjectDestroyed(handle)], () =>
        {
            _unsealed.Remove(handle);
            req.Ok();
        });
    }

    private void GetObjectSize(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var handle = r.ReadULong();
        r.ExpectEnd();
        if (!TryVisible(s.App, handle, out var attrs, out _)) throw new CkException(CKR.OBJECT_HANDLE_INVALID);
        _out.Reset();
        _out.WriteULong(TemplateValidator.Size(attrs));
        req.Reply(CKR.OK, _out);
    }

    private void GetAttributeValue(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var handle = r.ReadULong();
        var count = r.ReadUInt32();
        if (count > (uint)(r.Remaining / 16)) throw new WireFormatException("template longer than frame");
        if (!TryVisible(s.App, handle, out var stored, out var isTokenObject)) throw new CkException(CKR.OBJECT_HANDLE_INVALID);
        AttributeSet? open = null;
        var rv = CKR.OK;
        _out.Reset();
        _out.WriteUInt32(count);
        for (var i = 0; i < count; i++)
        {
            var type = r.ReadULong();
            var capacity = r.ReadULong();
            var read = TemplateValidator.Read(stored, type);
            if (read.Rv != CKR.OK || read.Value is null)
            {
                rv = rv == CKR.OK ? read.Rv : rv;
                _out.WriteULong(CK.UNAVAILABLE_INFORMATION);
                _out.WriteNullableBytes(null);
                continue;
            }

            var value = read.Value;
            if (isTokenObject && TemplateValidator.IsSecretAtRest(stored, type))
            {
                open ??= Open(s.App, handle, CKR.OBJECT_HANDLE_INVALID);
                value = open[type];
            }

            if (capacity == Frame.NullBuffer)
            {
                _out.WriteULong((ulong)value.Length);
                _out.WriteNullableBytes(null);
            }
            else if (capacity < (ulong)value.Length)
            {
                rv = rv == CKR.OK ? CKR.BUFFER_TOO_SMALL : rv;
                _out.WriteULong(CK.UNAVAILABLE_INFORMATION);
                _out.WriteNullableBytes(null);
            }
            else
            {
                _out.WriteULong((ulong)value.Length);
                _out.WriteBytes(value);
            }
        }

        r.ExpectEnd();
        req.Reply(rv, _out);
    }

    private void SetAttributeValue(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var handle = r.ReadULong();
        var changes = AttributeSet.FromTemplate(r.ReadTemplate());
        r.ExpectEnd();
        if (!TryVisible(s.App, handle, out _, out var isTokenObject)) throw new CkException(CKR.OBJECT_HANDLE_INVALID);
        if (isTokenObject && !s.ReadWrite) throw new CkException(CKR.SESSION_READ_ONLY);
        if (TokenProvidedObjects.IsProvided(handle)) throw new CkException(CKR.ACTION_PROHIBITED);
        var current = Open(s.App, handle, CKR.OBJECT_HANDLE_INVALID);
        var updated = TemplateValidator.ForSet(current.Clone(), changes, LoggedIn(s.App) == CKU.SO);
        if (updated.IsTrue(CKA.PRIVATE) != current.IsTrue(CKA.PRIVATE)) throw new CkException(CKR.ATTRIBUTE_READ_ONLY);
        if (!isTokenObject)
        {
            var so = _sessionObjects[SessionKey(s.App, handle)];
            PutSessionObject(SessionKey(s.App, handle), so with { Attributes = updated });
            req.Ok();
            return;
        }

        Commit(req, handle, [new ObjectChanged(handle, Seal(handle, updated))], () =>
        {
            _unsealed.Remove(handle);
            req.Ok();
        });
    }

    private void FindObjectsInit(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var template = AttributeSet.FromTemplate(r.ReadTemplate());
        r.ExpectEnd();
        if (s.FindResults is not null) throw new CkException(CKR.OPERATION_ACTIVE);
        var user = IsUser(s.App);
        var results = _state.Index.Find(template, user ? null : static (_, attrs) => !attrs.IsTrue(CKA.PRIVATE));
        if (_sessionIndex.Count > 0)
        {
            var app = s.App;
            results.AddRange(_sessionIndex.Find(template, (id, attrs) =>
                _sessionObjects[id].App == app && (user || !attrs.IsTrue(CKA.PRIVATE))).Select(HandleOf));
        }

        results.AddRange(TokenProvidedObjects.Find(template));
        s.FindResults = results.ToArray();
        s.FindPosition = 0;
        req.Ok();
    }

    private void FindObjects(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var max = r.ReadULong();
        r.ExpectEnd();
        var results = s.FindResults ?? throw new CkException(CKR.OPERATION_NOT_INITIALIZED);
        var n = (int)Math.Min(max, (ulong)(results.Length - s.FindPosition));
        _out.Reset();
        _out.WriteULongs(results.AsSpan(s.FindPosition, n));
        s.FindPosition += n;
        req.Reply(CKR.OK, _out);
    }

    private void FindObjectsFinal(ClientRequest req, SessionEntry s)
    {
        if (s.FindResults is null) throw new CkException(CKR.OPERATION_NOT_INITIALIZED);
        s.FindResults = null;
        req.Ok();
    }

    // ------------------------------------------------------------------ keys to sessions

    private KeySnapshot Key(SessionEntry s, ulong handle, ulong invalidRv) => new(handle, Open(s.App, handle, invalidRv));

    /// <summary>The session actor of the request being handled (the application names it in <see cref="Request"/>).</summary>
    private IActorRef SessionActor(SessionEntry s) => _currentSession ?? throw new CkException(CKR.SESSION_HANDLE_INVALID, $"session {s.Handle} has no actor");

    private void BeginWithKey(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var mechanism = r.ReadMechanism();
        var key = r.ReadULong();
        r.ExpectEnd();
        SessionActor(s).Tell(new BeginOperation(req, mechanism, Key(s, key, CKR.KEY_HANDLE_INVALID)));
    }

    private void DigestKey(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var key = r.ReadULong();
        r.ExpectEnd();
        SessionActor(s).Tell(new BeginDigestKey(req, Key(s, key, CKR.KEY_HANDLE_INVALID)));
    }

    private void EncapsulateKey(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var mechanism = r.ReadMechanism();
        var key = r.ReadULong();
        var template = AttributeSet.FromTemplate(r.ReadTemplate());
        var capacity = r.ReadULong();
        r.ExpectEnd();
        SessionActor(s).Tell(new BeginEncapsulate(req, mechanism, Key(s, key, CKR.KEY_HANDLE_INVALID), template, capacity));
    }

    private void DecapsulateKey(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var mechanism = r.ReadMechanism();
        var key = r.ReadULong();
        var template = AttributeSet.FromTemplate(r.ReadTemplate());
        var ciphertext = r.ReadBytes();
        r.ExpectEnd();
        SessionActor(s).Tell(new BeginDecapsulate(req, mechanism, Key(s, key, CKR.KEY_HANDLE_INVALID), template, ciphertext));
    }

    private void VerifySignatureInit(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var mechanism = r.ReadMechanism();
        var key = r.ReadULong();
        var signature = r.ReadBytes();
        r.ExpectEnd();
        SessionActor(s).Tell(new BeginVerifySignature(req, mechanism, Key(s, key, CKR.KEY_HANDLE_INVALID), signature));
    }

    private void SetOperationState(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var state = r.ReadBytes();
        var encryptionKey = r.ReadULong();
        var authenticationKey = r.ReadULong();
        r.ExpectEnd();
        SessionActor(s).Tell(new BeginSetOperationState(req, state,
            encryptionKey == 0 ? null : Key(s, encryptionKey, CKR.KEY_HANDLE_INVALID),
            authenticationKey == 0 ? null : Key(s, authenticationKey, CKR.KEY_HANDLE_INVALID)));
    }

    private void WrapKey(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var mechanism = r.ReadMechanism();
        var wrapping = r.ReadULong();
        var key = r.ReadULong();
        var capacity = r.ReadULong();
        r.ExpectEnd();
        SessionActor(s).Tell(new BeginWrap(req, mechanism, Key(s, wrapping, CKR.WRAPPING_KEY_HANDLE_INVALID), Key(s, key, CKR.KEY_HANDLE_INVALID), capacity));
    }

    private void UnwrapKey(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var mechanism = r.ReadMechanism();
        var unwrapping = r.ReadULong();
        var wrapped = r.ReadBytes();
        var template = AttributeSet.FromTemplate(r.ReadTemplate());
        r.ExpectEnd();
        SessionActor(s).Tell(new BeginUnwrap(req, mechanism, Key(s, unwrapping, CKR.UNWRAPPING_KEY_HANDLE_INVALID), wrapped, template));
    }

    private void DeriveKey(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var mechanism = r.ReadMechanism();
        var baseKey = r.ReadULong();
        var template = AttributeSet.FromTemplate(r.ReadTemplate());
        r.ExpectEnd();
        var other = OpenCryptokiActors.Tokens.Mechanisms.Derive.ConcatenateBaseAndKey.SecondKeyHandle(mechanism.Type, mechanism.Parameter) is { } h ? Key(s, h, CKR.KEY_HANDLE_INVALID) : null;
        SessionActor(s).Tell(new BeginDerive(req, mechanism, Key(s, baseKey, CKR.KEY_HANDLE_INVALID), template) { OtherKey = other });
    }

    /// <summary>C_IBM_ReencryptSingle: resolves both keys, as WrapKey does, and hands the work to the session.</summary>
    private void ReencryptSingle(ClientRequest req, SessionEntry s, ref WireReader r)
    {
        var decrypt = r.ReadMechanism();
        var decryptKey = r.ReadULong();
        var encrypt = r.ReadMechanism();
        var encryptKey = r.ReadULong();
        var data = r.ReadBytes();
        var capacity = r.ReadULong();
        r.ExpectEnd();
        SessionActor(s).Tell(new BeginReencrypt(req, decrypt, Key(s, decryptKey, CKR.KEY_HANDLE_INVALID), encrypt, Key(s, encryptKey, CKR.KEY_HANDLE_INVALID), data, capacity));
    }

    // ------------------------------------------------------------------ master-key rotation (ock token rekey)

    /// <summary>Next batch of the rekey under way (the token sends it to itself after each committed batch).</summary>
    private sealed record RekeyNext : ITokenCommand
    {
        public static readonly RekeyNext Instance = new();
    }

    // Both master keys while a rekey runs (the rekey's own copies, independent of logins); null when none runs here.
    private byte[]? _rekeyOld;
    private byte[]? _rekeyNew;
    private readonly Queue<ulong> _rekeyQueue = new();
    private readonly List<IActorRef> _rekeyWaiters = new();
    private ApplicationProtocol.PeerCredentials? _rekeyBy;
    private bool _rekeyStepQueued;

    private void RefuseDuringRekey()
    {
        if (_state.Rekey is not null) throw new CkException(CKR.FUNCTION_FAILED, "a master-key rotation is under way");
    }

    private void HandleStartRekey(StartRekey m, IActorRef sender)
    {
        _contextApp = 0;
        _contextSession = 0;
        if (!_state.Initialized || _state.SoPin is null) { sender.Tell(new RekeyDone(false, "the token is not initialised")); return; }
        var old = PinCrypto.TryUnwrap(_state.SoPin, m.SoPin);
        if (old is null) { sender.Tell(new RekeyDone(false, "SO PIN incorrect")); return; }
        if (_state.UserPin is not null)
        {
            var user = m.UserPin is null ? null : PinCrypto.TryUnwrap(_state.UserPin, m.UserPin);
            var same = user is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(user, old);
            if (user is not null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(user);
            if (!same)
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(old);
                sender.Tell(new RekeyDone(false, m.UserPin is null ? "the token has a User PIN: give it too (the new master key is wrapped under both PINs)" : "User PIN incorrect"));
                return;
            }
        }

        _rekeyWaiters.Add(sender);
        _rekeyBy = new ApplicationProtocol.PeerCredentials(m.Pid, m.Uid, 0);
        if (_state.Rekey is { } pending)
        {
            // a rekey under way (this run, or journaled before a crash): go on with its key
            if (_rekeyNew is not null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(old);
            else if (PinCrypto.TryUnwrap(pending.SoPin, m.SoPin) is { } resumed) StartRekeyLoop(old, resumed, "resumed");
            else
            {
                _rekeyWaiters.Remove(sender);
                sender.Tell(new RekeyDone(false, "the SO PIN does not open the new master key of the rekey under way"));
            }

            return;
        }

        var fresh = PinCrypto.NewMasterKey();
        var started = new RekeyStarted(PinCrypto.Wrap(fresh, m.SoPin, _settings.Pbkdf2Iterations),
            m.UserPin is null || _state.UserPin is null ? null : PinCrypto.Wrap(fresh, m.UserPin, _settings.Pbkdf2Iterations));
        _batchExclusive = true;
        Commit(null, TokenKey, [started], () => StartRekeyLoop(old, fresh, "started"), () =>
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(old);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(fresh);
            FailRekeyWaiters("the journal did not take the start of the rekey");
        }, _rekeyBy);
    }

    /// <summary>A login during a rekey under way (after a restart, nobody holds its keys): the same PIN opens the new key too, and the rekey goes on.</summary>
    private void ResumeRekeyWith(byte[] oldKey, byte[] pin, ulong userType)
    {
        if (_state.Rekey is not { } pending || _rekeyNew is not null) return;
        var record = userType == CKU.SO ? pending.SoPin : pending.UserPin;
        if (record is null || PinCrypto.TryUnwrap(record, pin) is not { } fresh) return;
        _rekeyBy = _peers.GetValueOrDefault(_contextApp);
        StartRekeyLoop((byte[])oldKey.Clone(), fresh, "resumed");
    }

    private void StartRekeyLoop(byte[] oldKey, byte[] newKey, string how)
    {
        _rekeyOld = oldKey;
        _rekeyNew = newKey;
        _rekeyQueue.Clear();
        foreach (var (id, attrs) in _state.Objects)
            if (attrs.IsTrue(CKA.PRIVATE) && !_state.IsResealed(id)) _rekeyQueue.Enqueue(id);
        _log.Info("token {0} (slot {1}): master-key rotation {2}: {3} private objects to re-encrypt, {4} done", _slot.TokenName, _slot.Id, how,
            _rekeyQueue.Count, _state.ResealedCount);
        QueueRekeyStep();
    }

    private void QueueRekeyStep()
    {
        if (_rekeyStepQueued) return;
        _rekeyStepQueued = true;
        Self.Tell(RekeyNext.Instance);
    }

    /// <summary>
    /// One batch: up to opencryptoki.rekey-batch private objects not yet under the new key, opened with the old key and sealed with the
    /// new one, journaled as one <see cref="ObjectsResealed"/> (its own journal write: readers go on meanwhile, and until it is committed
    /// they read these objects as before, under the old key). When none is left: <see cref="RekeyCompleted"/>.
    /// </summary>
    private void RekeyStep()
    {
        _rekeyStepQueued = false;
        if (_state.Rekey is null || _rekeyOld is null || _rekeyNew is null) return;
        var batch = new List<KeyValuePair<ulong, AttributeSet>>();
        while (batch.Count < _settings.RekeyBatch)
        {
            if (_rekeyQueue.Count == 0)
            {
                if (batch.Count > 0) break;
                // objects created or changed during the rekey are under the old key: one more pass finds them
                foreach (var (id, attrs) in _state.Objects)
                    if (attrs.IsTrue(CKA.PRIVATE) && !_state.IsResealed(id)) _rekeyQueue.Enqueue(id);
                if (_rekeyQueue.Count == 0) break;
            }

            var next = _rekeyQueue.Dequeue();
            if (!_state.Objects.TryGetValue(next, out var stored) || !stored.IsTrue(CKA.PRIVATE) || _state.IsResealed(next)) continue;
            batch.Add(new(next, Reseal(next, stored)));
        }

        var by = _rekeyBy;
        if (batch.Count == 0)
        {
            var count = _state.ResealedCount;
            _batchExclusive = true;
            Commit(null, TokenKey, [new RekeyCompleted(count)], () =>
            {
                if (_masterKey is not null)
                {
                    System.Security.Cryptography.CryptographicOperations.ZeroMemory(_masterKey);
                    _masterKey = (byte[])_rekeyNew.Clone();
                }

                DropRekeyKeys();
                _log.Info("token {0} (slot {1}): master-key rotation completed: {2} private objects under the new key", _slot.TokenName, _slot.Id, count);
                foreach (var w in _rekeyWaiters) w.Tell(new RekeyDone(true, $"master key of slot {_slot.Id} rotated: {count} private object(s) re-encrypted"));
                _rekeyWaiters.Clear();
            }, RetryRekeyLater, by);
            return;
        }

        foreach (var (id, _) in batch) _batchTouched.Add(id);
        Commit(null, null, [new ObjectsResealed(batch)], () =>
        {
            foreach (var (id, _) in batch) _unsealed.Remove(id);
            QueueRekeyStep();
        }, RetryRekeyLater, by);
    }

    /// <summary>An object's stored attributes with every sealed value moved from the old master key to the new one (same AAD).</summary>
    private AttributeSet Reseal(ulong id, AttributeSet stored) =>
        // damaged before the rekey: it opens under no key; kept as it is (and reported), the rotation goes on
        PinCrypto.ResealSecrets(_rekeyOld!, _rekeyNew!, id, stored, type =>
            _log.Error("token {0}: object {1}: sealed attribute 0x{2:X} does not open (damaged ciphertext); left as it is by the rekey",
                _slot.TokenName, id, type));

    /// <summary>The journal did not take a rekey batch (rejected): the rekey tries again in a second.</summary>
    private void RetryRekeyLater() => Timers.StartSingleTimer("rekey-retry", RekeyNext.Instance, TimeSpan.FromSeconds(1));

    private void DropRekeyKeys()
    {
        if (_rekeyOld is not null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(_rekeyOld);
        if (_rekeyNew is not null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(_rekeyNew);
        _rekeyOld = null;
        _rekeyNew = null;
        _rekeyQueue.Clear();
    }

    private void FailRekeyWaiters(string why)
    {
        foreach (var w in _rekeyWaiters) w.Tell(new RekeyDone(false, why));
        _rekeyWaiters.Clear();
    }

    // ------------------------------------------------------------------ audit anchor

    /// <summary>How often at most the anchor file is rewritten under a stream of writes.</summary>
    private static readonly TimeSpan AnchorEvery = TimeSpan.FromMilliseconds(250);

    private sealed record WriteAnchor
    {
        public static readonly WriteAnchor Instance = new();
    }

    private (long SequenceNr, byte[] Hash)? _anchorDue;
    private DateTime _anchoredAt;
    private bool _anchorWarned;

    /// <summary>
    /// After a committed batch: the head of the audit chain goes to the anchor file outside the database (AuditAnchor), at most every
    /// <see cref="AnchorEvery"/>, so that `ock audit verify` sees rows removed at the journal's end.
    /// </summary>
    private void Anchor()
    {
        _anchorDue = (LastSequenceNr, _state.LastHash);
        if (DateTime.UtcNow - _anchoredAt >= AnchorEvery) WriteAnchorNow();
        else if (!Timers.IsTimerActive("anchor")) Timers.StartSingleTimer("anchor", WriteAnchor.Instance, AnchorEvery);
    }

    private void WriteAnchorNow()
    {
        if (_anchorDue is not { } due) return;
        try
        {
            AuditAnchor.Write(Path.Combine(Path.GetFullPath(_settings.DataDir), AuditAnchor.DirectoryName), PersistenceId, due.SequenceNr, due.Hash);
            _anchorDue = null;
            _anchoredAt = DateTime.UtcNow;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (!_anchorWarned) _log.Warning("token {0}: cannot write the audit anchor: {1}", _slot.TokenName, e.Message);
            _anchorWarned = true;
        }
    }

    // ------------------------------------------------------------------ snapshots

    /// <summary>Events counted toward the next snapshot when the one in flight was asked for; null: none in flight.</summary>
    private long? _snapshotEvents;
    private long _snapshotStarted;
    private DateTime _noSnapshotBefore;

    /// <summary>
    /// Asks for a snapshot when one is due: at least opencryptoki.snapshot-every events since the last one, and at least
    /// snapshot-tail-ratio × the token's objects (a snapshot costs the whole token: so filling a big token stays linear, and
    /// recovery replays a tail of at most that fraction). One at a time: the snapshot store encodes and writes it (off this
    /// actor; the objects' stored sets are immutable, so the list handed over stays valid while the token goes on), and the
    /// next one is not asked for before it has been answered. A failed one is retried after a pause.
    /// </summary>
    private void MaybeSnapshot()
    {
        if (_settings.SnapshotEvery <= 0 || _snapshotEvents is not null) return;
        var due = Math.Max(_settings.SnapshotEvery, (long)(_state.Objects.Count * _settings.SnapshotTailRatio));
        if (_eventsSinceSnapshot < due || DateTime.UtcNow < _noSnapshotBefore) return;
        // a snapshot has no place for a rekey under way (which objects are under which key): recovery replays its events instead
        if (_state.Rekey is not null) return;
        StartSnapshot();
    }

    private void StartSnapshot()
    {
        _snapshotEvents = _eventsSinceSnapshot;
        _snapshotStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        SaveSnapshot(_state.ToSnapshot());
    }

    /// <summary>The snapshot is stored: older ones go (the journal keeps every event for the audit trail; a snapshot is only a shortcut).</summary>
    private void SnapshotSaved(SaveSnapshotSuccess m)
    {
        _eventsSinceSnapshot -= _snapshotEvents ?? 0;
        _snapshotEvents = null;
        _log.Info("token {0}: snapshot at sequence {1} ({2} objects) saved in {3:F1} s", _slot.TokenName, m.Metadata.SequenceNr, _state.Objects.Count,
            System.Diagnostics.Stopwatch.GetElapsedTime(_snapshotStarted).TotalSeconds);
        if (m.Metadata.SequenceNr > 1) DeleteSnapshots(new SnapshotSelectionCriteria(m.Metadata.SequenceNr - 1));
        // the events that came while this one was being written may already make the next one due: a token that then goes
        // quiet must not wait for another write to get it
        MaybeSnapshot();
    }

    private void SnapshotFailed(SaveSnapshotFailure f)
    {
        var took = System.Diagnostics.Stopwatch.GetElapsedTime(_snapshotStarted);
        _snapshotEvents = null;
        _noSnapshotBefore = DateTime.UtcNow + TimeSpan.FromSeconds(Math.Max(10, 2 * took.TotalSeconds));
        _log.Warning("token {0}: snapshot at sequence {1} failed after {2:F1} s (next try after {3:HH:mm:ss}): {4}", _slot.TokenName, f.Metadata.SequenceNr,
            took.TotalSeconds, _noSnapshotBefore, f.Cause.Message);
    }

    // ------------------------------------------------------------------ group commit and audit

    private static bool IsWrite(ITokenCommand c) => c switch
    {
        StoreNewObjects or StartRekey or RekeyNext => true,
        Request r => r.Client.Opcode is Opcode.InitToken or Opcode.Login or Opcode.InitPIN or Opcode.SetPIN
            or Opcode.CreateObject or Opcode.CopyObject or Opcode.DestroyObject or Opcode.SetAttributeValue,
        _ => false,
    };

    private static ulong AppOf(ITokenCommand c) => c switch
    {
        Request r => r.AppId,
        OpenSession o => o.AppId,
        ApplicationGone g => g.AppId,
        StoreNewObjects m => m.AppId,
        _ => 0,
    };

    /// <summary>
    /// While a write is in flight, writes (and anything of an application that already has something
    /// waiting, to keep its order) wait for the batch after it. Reads of committed state go on.
    /// </summary>
    private bool Defer(ITokenCommand c)
    {
        if (!_writing) return false;
        var app = AppOf(c);
        if (!IsWrite(c) && !_deferredPerApp.ContainsKey(app)) return false;
        _deferred.Enqueue((c, Sender));
        _deferredPerApp[app] = _deferredPerApp.GetValueOrDefault(app) + 1;
        return true;
    }

    /// <summary>Whether a waiting command must go to a later batch than the one being collected.</summary>
    private bool Conflicts(ITokenCommand c)
    {
        if (_batch.Count == 0) return false;
        if (_batchExclusive) return true;
        if (!IsWrite(c)) return _batchApps.Contains(AppOf(c));
        if (c is StoreNewObjects) return false;
        if (c is StartRekey or RekeyNext) return true; // a batch of its own: it reads (and reseals) objects others may touch
        var r = (Request)c;
        switch (r.Client.Opcode)
        {
            case Opcode.InitToken: return true;
            case Opcode.Login or Opcode.InitPIN or Opcode.SetPIN: return _batchTouched.Contains(TokenKey);
            case Opcode.CreateObject: return false;
            default:
                // CopyObject, DestroyObject, SetAttributeValue: u64 session, u64 object, ...
                var p = r.Client.Payload;
                return p.Length < 16 || _batchTouched.Contains(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(p.AsSpan(8)));
        }
    }

    private void Dispatch(ITokenCommand c, IActorRef sender)
    {
        switch (c)
        {
            case Request r: Handle(r); break;
            case OpenSession o: HandleOpenSession(o, sender); break;
            case ApplicationGone g: DropApplication(g.AppId); break;
            case StoreNewObjects m: HandleStoreNew(m); break;
            case StartRekey k: HandleStartRekey(k, sender); break;
            case RekeyNext: RekeyStep(); break;
        }
    }

    /// <summary>
    /// Journals <paramref name="events"/> of one command (stamped, hash-chained) in the current batch and
    /// runs <paramref name="committed"/> once all of them are committed and applied. <paramref name="touches"/>:
    /// the object id (or <see cref="TokenKey"/>) whose committed state the command's validation read.
    /// </summary>
    private void Commit(ClientRequest? client, ulong? touches, IReadOnlyList<ITokenEvent> events, Action committed, Action? abandoned = null,
        ApplicationProtocol.PeerCredentials? by = null)
    {
        var peer = by ?? _peers.GetValueOrDefault(_contextApp);
        var at = DateTimeOffset.UtcNow;
        foreach (var e in events)
        {
            var record = AuditRecord.Create(_chainHead, at, peer?.Pid ?? -1, peer?.Uid ?? -1, _contextSession,
                TokenEventSerializer.ManifestOf(e), TokenEventSerializer.Encode(e));
            _chainHead = record.Hash;
            _pendingEvents.Add(new AuditedEvent(e, record));
        }

        _batch.Add(new PendingWrite(client, events.Count, committed, abandoned));
        if (touches is { } t) _batchTouched.Add(t);
        _batchApps.Add(_contextApp);
        if (!_collecting) Flush();
    }

    private readonly List<ITokenEvent> _pendingEvents = new();

    /// <summary>
    /// Restore (backup/restore): the snapshot's token, PIN records and objects — as stored: master key wrapped, secret values
    /// sealed under the same object ids — journaled as TokenInitialized, UserPinSet and ObjectCreated audited events.
    /// Only into an uninitialised token with no write in flight.
    /// </summary>
    private void HandleImport(ImportState m, IActorRef sender)
    {
        if (_state.Initialized) { sender.Tell(new ImportedState(false, "restore only into an uninitialised token")); return; }
        if (!_ready || _writing || _batch.Count > 0 || _deferred.Count > 0) { sender.Tell(new ImportedState(false, "token busy, retry")); return; }
        TokenSnapshot s;
        byte[]? backupKey;
        try
        {
            (backupKey, s) = TokenEventSerializer.DecodeBackup(m.Manifest, m.Snapshot);
        }
        catch (Exception e) when (e is ArgumentException or WireFormatException or InvalidOperationException or IndexOutOfRangeException)
        {
            sender.Tell(new ImportedState(false, "bad backup state: " + e.Message));
            return;
        }

        if (!s.Initialized || s.SoPin is null) { sender.Tell(new ImportedState(false, "the backup holds an uninitialised token")); return; }
        var events = new List<ITokenEvent> { new TokenInitialized(s.Label, s.SoPin, DateTimeOffset.UtcNow) };
        if (s.UserPin is { } user) events.Add(new UserPinSet(user));
        events.AddRange(s.Objects.Select(o => new ObjectCreated(o.Key, RestoredObject(o.Key, o.Value, backupKey))));
        if (backupKey is not null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(backupKey);
        var at = DateTimeOffset.UtcNow;
        var audited = new List<AuditedEvent>();
        foreach (var e in events)
        {
            var record = AuditRecord.Create(_chainHead, at, m.Pid, m.Uid, 0, TokenEventSerializer.ManifestOf(e), TokenEventSerializer.Encode(e));
            _chainHead = record.Hash;
            audited.Add(new AuditedEvent(e, record));
        }

        _writing = true;
        _importWaiter = sender;
        var remaining = audited.Count;
        PersistAll(audited, e =>
        {
            _state.Apply(e);
            _eventsSinceSnapshot++;
            if (--remaining > 0) return;
            _writing = false;
            _importWaiter = null;
            _log.Info("token {0} (slot {1}) restored from a backup: {2} objects", _slot.TokenName, _slot.Id, _state.Objects.Count);
            Anchor();
            sender.Tell(new ImportedState(true, $"restored token '{s.Label}' with {s.Objects.Count} object(s) into slot {_slot.Id}"));
            MaybeSnapshot();
            Drain();
        });
    }

    /// <summary>
    /// A restored object as this token stores it: private ones as in the backup (sealed under the master key the backup's PIN records
    /// wrap); the secret values of public ones moved from the backup's object key to this token's (or, from a backup made before
    /// public objects were sealed, sealed now). A value that does not open under the backup's key is kept as it is and reported.
    /// </summary>
    private AttributeSet RestoredObject(ulong id, AttributeSet attrs, byte[]? backupKey)
    {
        if (attrs.IsTrue(CKA.PRIVATE)) return attrs;
        if (backupKey is null) return PinCrypto.SealSecrets(_objectKey, id, attrs);
        return PinCrypto.ResealSecrets(backupKey, _objectKey, id, attrs, type =>
            _log.Error("token {0}: restored object {1}: sealed attribute 0x{2:X} does not open under the backup's object key (damaged); kept as it is",
                _slot.TokenName, id, type));
    }

    /// <summary>Sends the collected batch to the journal (one write) unless one is in flight.</summary>
    private void Flush()
    {
        if (_writing || _batch.Count == 0) return;
        _inFlight.AddRange(_batch);
        _inFlightCursor = 0;
        _batch.Clear();
        _batchTouched.Clear();
        _batchApps.Clear();
        _batchExclusive = false;
        var events = _pendingEvents.ToArray();
        _pendingEvents.Clear();
        _writing = true;
        _batches++;
        _batchedEvents += events.Length;
        PersistAllAsync(events, e =>
        {
            _state.Apply(e);
            _eventsSinceSnapshot++;
            EventDone();
        });
    }

    private void EventDone()
    {
        var w = _inFlight[_inFlightCursor];
        if (--w.Remaining > 0) return;
        _inFlightCursor++;
        if (w.Failed)
        {
            _batchFailed = true;
            w.Abandoned?.Invoke();
            w.Client?.Reply(CKR.DEVICE_ERROR);
        }
        else
        {
            try
            {
                w.Committed();
            }
            catch (CkException e)
            {
                w.Client?.Reply(e.Rv);
            }
        }

        if (_inFlightCursor < _inFlight.Count) return;
        _inFlight.Clear();
        _inFlightCursor = 0;
        _writing = false;
        if (_batchFailed)
        {
            // The journal holds none of the rejected events (one batch is one atomic write): the chain goes on from the last committed
            // one, and the object ids they reserved are free again (the token's state is as before the batch). Their sequence numbers
            // stay used: the journal has a gap there, which `ock audit verify` tells from a removed row by the intact chain across it.
            // No snapshot now: it would be taken at a sequence number no row has.
            _batchFailed = false;
            _chainHead = _state.LastHash;
            _state.ReleaseReservedObjectIds();
        }
        else
        {
            Anchor();
            MaybeSnapshot();
        }

        Drain();
    }

    /// <summary>Validates the waiting commands against the now committed state and journals them as one batch.</summary>
    private void Drain()
    {
        while (!_writing)
        {
            if (_deferred.Count == 0)
            {
                Flush();
                return;
            }

            _collecting = true;
            try
            {
                while (_deferred.Count > 0 && !Conflicts(_deferred.Peek().Command) && !_batchExclusive)
                {
                    var (c, sender) = _deferred.Dequeue();
                    var app = AppOf(c);
                    if (--_deferredPerApp[app] == 0) _deferredPerApp.Remove(app);
                    Dispatch(c, sender);
                }
            }
            finally
            {
                _collecting = false;
            }

            Flush();
        }
    }

    /// <summary>The journal failed (the actor stops after this): every waiting caller gets CKR_DEVICE_ERROR rather than silence.</summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "token {0}: journal write failed at sequence {1}", _slot.TokenName, sequenceNr);
        for (var i = _inFlightCursor; i < _inFlight.Count; i++) _inFlight[i].Client?.Reply(CKR.DEVICE_ERROR);
        foreach (var w in _batch) w.Client?.Reply(CKR.DEVICE_ERROR);
        foreach (var (c, _) in _deferred)
        {
            switch (c)
            {
                case Request r: r.Client.Reply(CKR.DEVICE_ERROR); break;
                case StoreNewObjects m: m.Client.Reply(CKR.DEVICE_ERROR); break;
            }
        }

        FailRekeyWaiters("the journal write failed");
        // a restore is one journal write of the whole token: its caller learns that it failed instead of waiting for its timeout
        _importWaiter?.Tell(new ImportedState(false, $"the journal write of the restored token failed ({cause.GetType().Name}: {cause.Message}): not restored"));
        _importWaiter = null;

        _inFlight.Clear();
        _batch.Clear();
        _deferred.Clear();
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <summary>The journal refused one event (serialization): its command fails, the state stays as it was.</summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "token {0}: journal rejected event at sequence {1}", _slot.TokenName, sequenceNr);
        if (_inFlightCursor < _inFlight.Count)
        {
            _inFlight[_inFlightCursor].Failed = true;
            EventDone();
        }
    }
}
