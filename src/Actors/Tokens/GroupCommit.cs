using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Actors.Persistence;
using OpenCryptokiActors.Cryptoki.Audit;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.State;
using static OpenCryptokiActors.Actors.Tokens.TokenCommands;
using static OpenCryptokiActors.Actors.Tokens.TokenProtocol;

namespace OpenCryptokiActors.Actors.Tokens;

/// <summary>What <see cref="GroupCommit"/> needs of its persistent actor.</summary>
internal interface ITokenJournal
{
    /// <summary>Journals the events in one write (PersistAllAsync); <paramref name="handler"/> runs for each once committed.</summary>
    void Persist(IReadOnlyList<AuditedEvent> events, Action<AuditedEvent> handler);

    /// <summary>Journals and blocks the mailbox until committed (PersistAll): a restore.</summary>
    void PersistBlocking(IReadOnlyList<AuditedEvent> events, Action<AuditedEvent> handler);

    /// <summary>A committed event: applied to the token's state.</summary>
    void Applied(ITokenEvent e);

    /// <summary>A batch is committed: the audit anchor and the snapshot cadence follow.</summary>
    void BatchCommitted();

    /// <summary>Runs a command that waited for the batch in flight.</summary>
    void Dispatch(ITokenCommand command, IActorRef sender);

    /// <summary>The last committed head of the audit chain (the token's state).</summary>
    byte[] CommittedHead { get; }

    /// <summary>Reservations of object ids made by the rejected batch are released.</summary>
    void BatchRejected();
}

/// <summary>
/// Group commit with the audit chain: a write is validated against the committed state and its events are journaled
/// with one PersistAllAsync; while that write is in flight, further writes wait (reads go on), and when it commits,
/// everything waiting that does not touch the same state is validated and journaled as one batch. Every event is
/// journaled as an <see cref="AuditedEvent"/> (time, pid, uid, session, hash-chained). Every reply goes out only after
/// its own events are committed; a failed write answers CKR_DEVICE_ERROR.
/// </summary>
internal sealed class GroupCommit(ITokenJournal journal, Func<ulong, PeerCredentials?> peerOf, ILoggingAdapter log)
{
    /// <summary>The events of one command and what to do once they are all committed.</summary>
    private sealed class PendingWrite(Request? client, int events, Action committed, Action? abandoned)
    {
        /// <summary>Who is answered CKR_DEVICE_ERROR if the write fails; null for the token's own writes (rekey batches).</summary>
        public Request? Client { get; } = client;

        public Action Committed { get; } = committed;

        /// <summary>Run instead of <see cref="Committed"/> when the journal did not take the events (drops what the command held).</summary>
        public Action? Abandoned { get; } = abandoned;

        public int Remaining { get; set; } = events;

        public bool Failed { get; set; }
    }

    private readonly Queue<(ITokenCommand Command, IActorRef Sender)> _deferred = new();
    private readonly Dictionary<ulong, int> _deferredPerApp = new();
    private readonly List<PendingWrite> _batch = new();
    private readonly List<PendingWrite> _inFlight = new();
    private readonly HashSet<ulong> _batchTouched = new();
    private readonly HashSet<ulong> _batchApps = new();
    private readonly List<AuditedEvent> _pendingEvents = new();
    private int _inFlightCursor;
    private bool _collecting;
    private bool _batchFailed;

    /// <summary>The batch being collected must be journaled alone (C_InitToken, a rekey step).</summary>
    public bool Exclusive { get; set; }

    public bool Writing { get; private set; }

    public bool Idle => !Writing && _batch.Count == 0 && _deferred.Count == 0;

    public byte[] ChainHead { get; set; } = AuditRecord.Genesis;

    public long Batches { get; private set; }

    public long BatchedEvents { get; private set; }

    /// <summary>Marks committed state a command of the batch read (an object id, or TokenMachine.TokenKey).</summary>
    public void Touch(ulong id) => _batchTouched.Add(id);

    private static bool IsWrite(ITokenCommand c) => c is ITokenWrite or TokenActor.RekeyNext;

    private static ulong AppOf(ITokenCommand c) => c switch
    {
        TokenRequest r => r.Caller.AppId,
        ApplicationGone g => g.AppId,
        _ => 0,
    };

    /// <summary>
    /// While a write is in flight, writes (and anything of an application that already has something waiting, to keep its
    /// order) wait for the batch after it. Reads of committed state go on. True when the command was deferred.
    /// </summary>
    public bool Defer(ITokenCommand c, IActorRef sender)
    {
        if (!Writing) return false;
        var app = AppOf(c);
        if (!IsWrite(c) && !_deferredPerApp.ContainsKey(app)) return false;
        _deferred.Enqueue((c, sender));
        _deferredPerApp[app] = _deferredPerApp.GetValueOrDefault(app) + 1;
        return true;
    }

    /// <summary>Whether a waiting command must go to a later batch than the one being collected.</summary>
    private bool Conflicts(ITokenCommand c)
    {
        if (_batch.Count == 0) return false;
        if (Exclusive) return true;
        if (!IsWrite(c)) return _batchApps.Contains(AppOf(c));
        return c switch
        {
            StoreNewObjects or TokenCommands.CreateObject => false,
            StartRekey or TokenActor.RekeyNext or TokenCommands.InitToken => true, // a batch of its own (a rekey reads and reseals objects others may touch)
            TokenCommands.Login or TokenCommands.InitPin or TokenCommands.SetPin => _batchTouched.Contains(TokenMachine.TokenKey),
            ITouchesObject t => _batchTouched.Contains(t.Object),
            _ => true,
        };
    }

    /// <summary>
    /// Journals <paramref name="events"/> of one command (stamped, hash-chained) in the current batch and runs
    /// <paramref name="committed"/> once all of them are committed and applied. <paramref name="touches"/>: the state whose
    /// committed value the command's validation read.
    /// </summary>
    public void Commit(Request? client, ulong? touches, IReadOnlyList<ITokenEvent> events, Action committed, Action? abandoned = null, PeerCredentials? by = null)
    {
        var app = (client as TokenRequest)?.Caller.AppId ?? 0;
        var session = (client as SessionTokenRequest)?.Session ?? 0;
        var peer = by ?? (client as TokenRequest)?.Caller.Peer ?? peerOf(app);
        var at = DateTimeOffset.UtcNow;
        foreach (var e in events)
        {
            var record = AuditRecord.Create(ChainHead, at, peer?.Pid ?? -1, peer?.Uid ?? -1, session, TokenEventSerializer.ManifestOf(e), TokenEventSerializer.Encode(e));
            ChainHead = record.Hash;
            _pendingEvents.Add(new AuditedEvent(e, record));
        }

        _batch.Add(new PendingWrite(client, events.Count, committed, abandoned));
        if (touches is { } t) _batchTouched.Add(t);
        _batchApps.Add(app);
        if (!_collecting) Flush();
    }

    /// <summary>A restore: all its events in one blocking write (only when nothing else is in flight or waiting).</summary>
    public void Import(IReadOnlyList<ITokenEvent> events, int pid, int uid, Action done)
    {
        var at = DateTimeOffset.UtcNow;
        var audited = new List<AuditedEvent>();
        foreach (var e in events)
        {
            var record = AuditRecord.Create(ChainHead, at, pid, uid, 0, TokenEventSerializer.ManifestOf(e), TokenEventSerializer.Encode(e));
            ChainHead = record.Hash;
            audited.Add(new AuditedEvent(e, record));
        }

        Writing = true;
        var remaining = audited.Count;
        journal.PersistBlocking(audited, e =>
        {
            journal.Applied(e);
            if (--remaining > 0) return;
            Writing = false;
            done();
            Drain();
        });
    }

    /// <summary>Sends the collected batch to the journal (one write) unless one is in flight.</summary>
    private void Flush()
    {
        if (Writing || _batch.Count == 0) return;
        _inFlight.AddRange(_batch);
        _inFlightCursor = 0;
        _batch.Clear();
        _batchTouched.Clear();
        _batchApps.Clear();
        Exclusive = false;
        var events = _pendingEvents.ToArray();
        _pendingEvents.Clear();
        Writing = true;
        Batches++;
        BatchedEvents += events.Length;
        journal.Persist(events, e =>
        {
            journal.Applied(e);
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
            w.Client?.Answer(CKR.DEVICE_ERROR);
        }
        else
        {
            try
            {
                w.Committed();
            }
            catch (OpenCryptokiActors.Tokens.CkException e)
            {
                w.Client?.Answer(e.Rv);
            }
            catch (Exception e)
            {
                // committed, but what follows failed (a bug): its caller is still answered, and the next batch goes on
                log.Error(e, "a committed write's completion failed");
                w.Client?.Answer(CKR.FUNCTION_FAILED);
            }
        }

        if (_inFlightCursor < _inFlight.Count) return;
        _inFlight.Clear();
        _inFlightCursor = 0;
        Writing = false;
        if (_batchFailed)
        {
            // The journal holds none of the rejected events (one batch is one atomic write): the chain goes on from the last committed
            // one, and the object ids they reserved are free again (the token's state is as before the batch). Their sequence numbers
            // stay used: the journal has a gap there, which `ock audit verify` tells from a removed row by the intact chain across it.
            // No snapshot now: it would be taken at a sequence number no row has.
            _batchFailed = false;
            ChainHead = journal.CommittedHead;
            journal.BatchRejected();
        }
        else journal.BatchCommitted();

        Drain();
    }

    /// <summary>Validates the waiting commands against the now committed state and journals them as one batch.</summary>
    public void Drain()
    {
        while (!Writing)
        {
            if (_deferred.Count == 0)
            {
                Flush();
                return;
            }

            _collecting = true;
            try
            {
                while (_deferred.Count > 0 && !Conflicts(_deferred.Peek().Command) && !Exclusive)
                {
                    var (c, sender) = _deferred.Dequeue();
                    var app = AppOf(c);
                    if (--_deferredPerApp[app] == 0) _deferredPerApp.Remove(app);
                    journal.Dispatch(c, sender);
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
    public void Failed()
    {
        for (var i = _inFlightCursor; i < _inFlight.Count; i++) _inFlight[i].Client?.Answer(CKR.DEVICE_ERROR);
        foreach (var w in _batch) w.Client?.Answer(CKR.DEVICE_ERROR);
        foreach (var (c, _) in _deferred)
        {
            if (c is Request r) r.Answer(CKR.DEVICE_ERROR);
        }

        _inFlight.Clear();
        _batch.Clear();
        _deferred.Clear();
    }

    /// <summary>The journal refused one event (serialization): its command fails, the state stays as it was.</summary>
    public void Rejected()
    {
        if (_inFlightCursor >= _inFlight.Count) return;
        _inFlight[_inFlightCursor].Failed = true;
        EventDone();
    }
}
