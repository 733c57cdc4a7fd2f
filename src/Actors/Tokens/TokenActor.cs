using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Actors.Persistence;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens;
using OpenCryptokiActors.Tokens.Mechanisms.Derive;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.State;
using static OpenCryptokiActors.Actors.Sessions.SessionProtocol;
using static OpenCryptokiActors.Actors.Tokens.TokenCommands;
using static OpenCryptokiActors.Actors.Tokens.TokenProtocol;
using Calls = OpenCryptokiActors.Tokens.State.TokenCalls;

namespace OpenCryptokiActors.Actors.Tokens;

/// <summary>
/// One token: the single writer of its persistent state. The token's rules are <see cref="TokenMachine"/>'s (pure, in
/// src/Tokens); this actor keeps dispatch, persist, apply and reply: it turns each command into a call of the machine,
/// journals the events of its outcome through <see cref="GroupCommit"/> (batched, hash-chained, before the reply), and
/// answers. Crypto does not run here: keys go to sessions as frozen snapshots (<see cref="HandOver"/>). Rekey and store
/// upkeep are <see cref="Rekey"/> and <see cref="TokenUpkeep"/>.
/// </summary>
public sealed class TokenActor : ReceivePersistentActor, IWithTimers, ITokenJournal
{
    public ITimerScheduler Timers { get; set; } = null!;

    private readonly SlotSettings _slot;
    private readonly OpenCryptokiSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TokenMachine _machine;
    private readonly GroupCommit _commit;
    private readonly Rekey _rekey;
    private readonly TokenUpkeep _upkeep;
    private readonly TokenImport _import;
    private readonly Dictionary<ulong, PeerCredentials> _peers = new();
    private readonly List<IActorRef> _awaitingReady = new();
    private bool _ready;

    /// <summary>Next batch of the rekey under way (the token sends it to itself after each committed batch).</summary>
    internal sealed record RekeyNext : ITokenCommand
    {
        public static readonly RekeyNext Instance = new();
    }

    private sealed record WriteAnchor
    {
        public static readonly WriteAnchor Instance = new();
    }

    private TokenState State => _machine.State;

    public TokenActor(SlotSettings slot, OpenCryptokiSettings settings)
    {
        _slot = slot;
        _settings = settings;
        var objectKey = ObjectKeyFile.LoadOrCreate(ObjectKeyFile.PathOf(settings.DataDir, PersistenceId), out var objectKeyCreated);
        var vault = new ObjectVault(objectKey, message => _log.Error("token {0}: {1}", slot.TokenName, message));
        _machine = new TokenMachine(new TokenLimits(settings.MinPinLength, settings.MaxPinLength, slot.MaxLoginFailures, settings.Pbkdf2Iterations,
            slot.Policy.KeyManagement), vault);
        _commit = new GroupCommit(this, app => _peers.GetValueOrDefault(app), _log);
        _rekey = new Rekey(_machine, _commit, settings.RekeyBatch, slot.TokenName, slot.Id, _log, () => Self.Tell(RekeyNext.Instance),
            () => Timers.StartSingleTimer("rekey-retry", RekeyNext.Instance, TimeSpan.FromSeconds(1)));
        _import = new TokenImport(_machine, _commit, slot, _log, () => ((ITokenJournal)this).BatchCommitted());
        _upkeep = new TokenUpkeep(_machine, settings, PersistenceId, slot.TokenName, objectKeyCreated, _log, SaveSnapshot, DeleteSnapshots);

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is TokenSnapshot s) _machine.Apply(_upkeep.Recovered(s));
            _upkeep.EventsSinceSnapshot = 0;
        });
        Recover<ITokenEvent>(e =>
        {
            if ((e as DamagedEvent ?? (e as AuditedEvent)?.Event as DamagedEvent) is { } d)
                _log.Error("token {0}: journal event {1} ({2}{3}) is damaged and skipped: {4}", _slot.TokenName, LastSequenceNr, d.Manifest,
                    d.ObjectId is { } id ? $", object {id}" : "", d.Reason);
            _machine.Apply(_upkeep.Recovered(e));
            _upkeep.EventsSinceSnapshot++;
        });
        Recover<RecoveryCompleted>(_ =>
        {
            _ready = true;
            _commit.ChainHead = State.LastHash;
            _upkeep.RecoveryCompleted();
            foreach (var waiter in _awaitingReady) waiter.Tell(new Ready(_slot.Id));
            _awaitingReady.Clear();
            _log.Info("token {0} (slot {1}) recovered: {2} objects", _slot.TokenName, _slot.Id, State.Objects.Count);
        });

        Command<AwaitReady>(_ =>
        {
            if (_ready) Sender.Tell(new Ready(_slot.Id));
            else _awaitingReady.Add(Sender);
        });
        Command<TokenRequest>(r => { if (!_commit.Defer(r, Sender)) Handle(r); });
        Command<ApplicationGone>(g => { if (!_commit.Defer(g, Sender)) _machine.DropApplication(g.AppId); });
        Command<Applications.ForkProtocol.CloneApplication>(m =>
        {
            // the fork()ed child's clone of an application (ForkProtocol): its sessions, session objects and login here
            _machine.Memory.Clone(m.ParentId, m.CloneId, m.Sessions.Keys);
            if (_peers.TryGetValue(m.ParentId, out var peer)) _peers[m.CloneId] = peer;
            m.ReplyTo.Tell(Applications.ForkProtocol.CloneReady.Instance);
        });
        Command<GetUsage>(_ => Sender.Tell(new TokenUsage(_slot.Id, State.Initialized, State.Initialized ? State.Label : "",
            _machine.Memory.Sessions.Count, _machine.Memory.Sessions.Count(x => x.ReadWrite), _machine.Memory.SessionObjectCount, _machine.Memory.LoginCount,
            _machine.Memory.ApplicationCount)));
        Command<GetStoreStats>(_ => Sender.Tell(new StoreStats(_commit.Batches, _commit.BatchedEvents, State.Objects.Count, LastSequenceNr)));
        Command<ExportState>(_ => Sender.Tell(!State.Initialized ? new ExportedState(false, "", [])
            : State.Rekey is not null ? new ExportedState(true, "", [], "a master-key rotation (ock token rekey) is under way: back up after it")
            : new ExportedState(true, TokenEventSerializer.BackupManifest, TokenEventSerializer.EncodeBackup(_machine.Vault.ObjectKey, State.ToSnapshot()))));
        Command<StartRekey>(m => { if (!_commit.Defer(m, Sender)) _rekey.Start(m, Sender, _settings.Pbkdf2Iterations); });
        Command<RekeyNext>(m => { if (!_commit.Defer(m, Sender)) _rekey.Step(); });
        Command<ImportState>(m => _import.Run(m, Sender, _ready));
        Command<WriteAnchor>(_ => _upkeep.WriteAnchor());
        Command<SaveSnapshotSuccess>(_upkeep.Saved);
        Command<SaveSnapshotFailure>(_upkeep.Failed);
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("token {0}: older snapshots not deleted: {1}", _slot.TokenName, f.Cause.Message));
    }

    public override string PersistenceId => "token-" + _slot.TokenName;

    public static Props Props(SlotSettings slot, OpenCryptokiSettings settings) => Akka.Actor.Props.Create(() => new TokenActor(slot, settings));

    protected override void PostStop()
    {
        _upkeep.WriteAnchor();
        _rekey.DropKeys();
        _machine.Vault.Dispose();
        base.PostStop();
    }

    // ------------------------------------------------------------------ dispatch

    /// <summary>
    /// One call, answered exactly once: a PKCS#11 failure with its code, anything else with CKR_FUNCTION_FAILED and a log line.
    /// </summary>
    private void Handle(TokenRequest r)
    {
        try
        {
            if (r.Caller.Peer is { } peer) _peers[r.Caller.AppId] = peer;
            Serve(r);
        }
        catch (CkException e)
        {
            r.Answer(e.Rv);
        }
        catch (Exception e)
        {
            _log.Error(e, "token {0}: {1} failed", _slot.TokenName, r.GetType().Name);
            r.Answer(CKR.FUNCTION_FAILED);
        }
    }

    private void Serve(TokenRequest r)
    {
        var app = r.Caller.AppId;
        switch (r)
        {
            case GetTokenInfo c: c.Ok(TokenInfo()); return;
            case InitToken c: Apply(c, _machine.Process(new Calls.InitToken(app, c.SoPin, c.Label))); return;
            case CloseAllSessions c:
                _machine.DropApplication(app);
                c.Ok();
                return;
            case OpenSession c:
                // to the application named in the command: a call that waited for a write is run later, with another Sender
                c.Application.Tell(new SessionOpenResult(c.Origin, c.Handle, _machine.Process(new Calls.OpenSession(app, c.Handle, c.Flags)).Rv), Self);
                return;
        }

        var s = _machine.Session(app, ((SessionTokenRequest)r).Session);
        switch (r)
        {
            case CloseSession c: Apply(c, _machine.Process(new Calls.CloseSession(app, c.Session))); break;
            case Login c: Apply(c, _machine.Process(new Calls.Login(app, c.Session, c.UserType, c.Pin))); break;
            case Logout c: Apply(c, _machine.Process(new Calls.Logout(app, c.Session))); break;
            case InitPin c: Apply(c, _machine.Process(new Calls.InitPin(app, c.Session, c.Pin))); break;
            case SetPin c: Apply(c, _machine.Process(new Calls.SetPin(app, c.Session, c.OldPin, c.NewPin))); break;
            case TokenCommands.CreateObject c: Apply(c, _machine.Process(new Calls.CreateObject(app, c.Session, c.Template.ToAttributeSet()))); break;
            case TokenCommands.CopyObject c: Apply(c, _machine.Process(new Calls.CopyObject(app, c.Session, c.Object, c.Template.ToAttributeSet()))); break;
            case TokenCommands.DestroyObject c: Apply(c, _machine.Process(new Calls.DestroyObject(app, c.Session, c.Object))); break;
            case TokenCommands.SetAttributeValue c: Apply(c, _machine.Process(new Calls.SetAttributeValue(app, c.Session, c.Object, c.Template.ToAttributeSet()))); break;
            case StoreNewObjects c: Apply(c, _machine.Process(new Calls.StoreObjects(app, c.Session, [.. c.Objects.Select(o => o.Clone())]))); break;
            case GetSessionInfo c:
                c.Ok(new SessionInfo(_slot.Id, _machine.Memory.SessionState(s), CKF.SERIAL_SESSION | (s.ReadWrite ? CKF.RW_SESSION : 0), 0));
                break;
            case GetObjectSize c: c.Ok(new Handle(_machine.ObjectSize(s, c.Object))); break;
            case GetAttributeValue c:
            {
                var (rv, values) = _machine.ReadAttributes(s, c.Object, [.. c.Attributes.Select(a => (a.Type, a.Capacity))]);
                c.Answer(rv, new AttributeValues([.. values.Select(v => new AttributeValue(v.Length, v.Value))]));
                break;
            }

            case FindObjectsInit c:
                _machine.FindInit(s, c.Template.ToAttributeSet());
                c.Ok();
                break;
            case FindObjects c: c.Ok(new Handles([.. _machine.FindNext(s, c.MaxCount)])); break;
            case FindObjectsFinal c:
                _machine.FindFinal(s);
                c.Ok();
                break;
            default: HandOver((SessionTokenRequest)r, s); break;
        }
    }

    private TokenInfo TokenInfo()
    {
        var rw = (ulong)_machine.Memory.Sessions.Count(s => s.ReadWrite);
        var serial = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(_slot.TokenName)), 0, 8);
        return new TokenInfo(State.Initialized ? State.Label : "", "OpenCryptokiActors", "soft", serial, _machine.TokenFlags(),
            CK.EFFECTIVELY_INFINITE, (ulong)_machine.Memory.Sessions.Count, CK.EFFECTIVELY_INFINITE, rw, (ulong)_settings.MaxPinLength,
            (ulong)_settings.MinPinLength, CK.UNAVAILABLE_INFORMATION, CK.UNAVAILABLE_INFORMATION, CK.UNAVAILABLE_INFORMATION,
            CK.UNAVAILABLE_INFORMATION, 0, 1, 0, 1, "");
    }

    /// <summary>
    /// What the machine decided: answered at once when it journals nothing, else journaled (group commit) and answered once
    /// committed; the actor-side consequences of an effect (a rekey resumed, a session told of its context login, slot events).
    /// </summary>
    private void Apply(TokenRequest r, Outcome outcome)
    {
        if (outcome.Events.Count == 0)
        {
            Answer(r, outcome, _machine.Committed(outcome));
            return;
        }

        if (outcome.Exclusive) _commit.Exclusive = true;
        _commit.Commit(r, outcome.Touches, outcome.Events, () =>
        {
            if (outcome.Effect is LoggedIn l) _rekey.ResumeWith(l.MasterKey, l.Pin, l.UserType, r.Caller.Peer ?? _peers.GetValueOrDefault(l.App));
            var rv = _machine.Committed(outcome);
            switch (outcome.Effect)
            {
                case LoggedIn { Context: true }:
                    ((SessionTokenRequest)r).SessionActor?.Tell(ContextLoggedIn.Instance);
                    break;
                case Initialized:
                    _rekey.DropKeys();
                    _rekey.FailWaiters("the token was initialised");
                    _log.Info("token {0} (slot {1}) initialized", _slot.TokenName, _slot.Id);
                    Context.System.EventStream.Publish(new Applications.ApplicationProtocol.TokenChanged(_slot.Id, "initialized"));
                    break;
            }

            Answer(r, outcome, rv);
        }, () => TokenMachine.Abandoned(outcome));
    }

    private static void Answer(TokenRequest r, Outcome outcome, ulong rv)
    {
        if (rv != CKR.OK || outcome.Handles is not { } handles) r.Answer(rv);
        else if (r is StoreNewObjects { Ciphertext: { } ciphertext }) r.Ok(new Encapsulated(ciphertext, handles[0]));
        else if (r is StoreNewObjects store) r.Ok(new NewObjects([.. handles], store.Trailer));
        else r.Ok(new Handle(handles[0]));
    }

    // ------------------------------------------------------------------ keys to sessions

    private KeySnapshot Key(TokenSession s, ulong handle, ulong invalidRv) => new(handle, _machine.Open(s.App, handle, invalidRv).Freeze());

    /// <summary>The calls that need keys: the token resolves the handles and hands the call, with frozen key snapshots, to the session.</summary>
    private void HandOver(SessionTokenRequest r, TokenSession s)
    {
        SessionBegin begin = r switch
        {
            InitOperation c => new BeginOperation(c.Kind, c.Mechanism, Key(s, c.Key, CKR.KEY_HANDLE_INVALID)) { Id = r.Id, ReplyTo = r.ReplyTo },
            DigestKey c => new BeginDigestKey(Key(s, c.Key, CKR.KEY_HANDLE_INVALID)) { Id = r.Id, ReplyTo = r.ReplyTo },
            EncapsulateKey c => new BeginEncapsulate(c.Mechanism, Key(s, c.PublicKey, CKR.KEY_HANDLE_INVALID), c.Template, c.Capacity) { Id = r.Id, ReplyTo = r.ReplyTo },
            DecapsulateKey c => new BeginDecapsulate(c.Mechanism, Key(s, c.PrivateKey, CKR.KEY_HANDLE_INVALID), c.Template, c.Ciphertext) { Id = r.Id, ReplyTo = r.ReplyTo },
            VerifySignatureInit c => new BeginVerifySignature(c.Mechanism, Key(s, c.Key, CKR.KEY_HANDLE_INVALID), c.Signature) { Id = r.Id, ReplyTo = r.ReplyTo },
            SetOperationState c => new BeginSetOperationState(c.State,
                c.EncryptionKey == 0 ? null : Key(s, c.EncryptionKey, CKR.KEY_HANDLE_INVALID),
                c.AuthenticationKey == 0 ? null : Key(s, c.AuthenticationKey, CKR.KEY_HANDLE_INVALID)) { Id = r.Id, ReplyTo = r.ReplyTo },
            WrapKey c => new BeginWrap(c.Mechanism, Key(s, c.WrappingKey, CKR.WRAPPING_KEY_HANDLE_INVALID), Key(s, c.Key, CKR.KEY_HANDLE_INVALID), c.Capacity) { Id = r.Id, ReplyTo = r.ReplyTo },
            UnwrapKey c => new BeginUnwrap(c.Mechanism, Key(s, c.UnwrappingKey, CKR.UNWRAPPING_KEY_HANDLE_INVALID), c.Wrapped, c.Template) { Id = r.Id, ReplyTo = r.ReplyTo },
            DeriveKey c => new BeginDerive(c.Mechanism, Key(s, c.BaseKey, CKR.KEY_HANDLE_INVALID), c.Template)
            {
                Id = r.Id, ReplyTo = r.ReplyTo,
                OtherKey = ConcatenateBaseAndKey.SecondKeyHandle(c.Mechanism.Type, c.Mechanism.Parameter) is { } other ? Key(s, other, CKR.KEY_HANDLE_INVALID) : null,
            },
            ReencryptSingle c => new BeginReencrypt(c.DecryptMechanism, Key(s, c.DecryptKey, CKR.KEY_HANDLE_INVALID), c.EncryptMechanism,
                Key(s, c.EncryptKey, CKR.KEY_HANDLE_INVALID), c.Data, c.Capacity) { Id = r.Id, ReplyTo = r.ReplyTo },
            _ => throw new CkException(CKR.FUNCTION_NOT_SUPPORTED),
        };
        (r.SessionActor ?? throw new CkException(CKR.SESSION_HANDLE_INVALID, $"session {r.Session} has no actor")).Tell(begin);
    }

    // ------------------------------------------------------------------ the journal (ITokenJournal)

    void ITokenJournal.Persist(IReadOnlyList<AuditedEvent> events, Action<AuditedEvent> handler) => PersistAllAsync(events, handler);

    void ITokenJournal.PersistBlocking(IReadOnlyList<AuditedEvent> events, Action<AuditedEvent> handler) => PersistAll(events, handler);

    void ITokenJournal.Applied(ITokenEvent e)
    {
        _machine.Apply(e);
        _upkeep.EventsSinceSnapshot++;
    }

    void ITokenJournal.BatchCommitted()
    {
        if (_upkeep.AnchorDue(LastSequenceNr)) _upkeep.WriteAnchor();
        else if (!Timers.IsTimerActive("anchor")) Timers.StartSingleTimer("anchor", WriteAnchor.Instance, TokenUpkeep.AnchorEvery);
        _upkeep.MaybeSnapshot();
    }

    void ITokenJournal.Dispatch(ITokenCommand c, IActorRef sender)
    {
        switch (c)
        {
            case TokenRequest r: Handle(r); break;
            case ApplicationGone g: _machine.DropApplication(g.AppId); break;
            case StartRekey k: _rekey.Start(k, sender, _settings.Pbkdf2Iterations); break;
            case RekeyNext: _rekey.Step(); break;
        }
    }

    byte[] ITokenJournal.CommittedHead => State.LastHash;

    void ITokenJournal.BatchRejected() => State.ReleaseReservedObjectIds();

    /// <summary>The journal failed (the actor stops after this): every waiting caller gets CKR_DEVICE_ERROR rather than silence.</summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "token {0}: journal write failed at sequence {1}", _slot.TokenName, sequenceNr);
        _commit.Failed();
        _rekey.FailWaiters("the journal write failed");
        _import.Failed(cause);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <summary>The journal refused one event (serialization): its command fails, the state stays as it was.</summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "token {0}: journal rejected event at sequence {1}", _slot.TokenName, sequenceNr);
        _commit.Rejected();
    }
}
