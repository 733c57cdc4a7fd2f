using Akka.Event;
using Akka.Persistence;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Cryptoki.Audit;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.State;

namespace OpenCryptokiActors.Actors.Tokens;

/// <summary>
/// A token's store upkeep: its snapshot cadence (one at a time, size-proportional), the audit anchor outside the database,
/// and the migration of stores written before public objects were sealed (at recovery).
/// </summary>
internal sealed class TokenUpkeep(TokenMachine machine, OpenCryptokiSettings settings, string persistenceId, string tokenName, bool objectKeyCreated,
    ILoggingAdapter log, Action<object> saveSnapshot, Action<SnapshotSelectionCriteria> deleteSnapshots)
{
    /// <summary>How often at most the anchor file is rewritten under a stream of writes.</summary>
    public static readonly TimeSpan AnchorEvery = TimeSpan.FromMilliseconds(250);

    private (long SequenceNr, byte[] Hash)? _anchorDue;
    private DateTime _anchoredAt;
    private bool _anchorWarned;

    /// <summary>Events counted toward the next snapshot when the one in flight was asked for; null: none in flight.</summary>
    private long? _snapshotEvents;
    private long _snapshotStarted;
    private DateTime _noSnapshotBefore;
    private bool _sealedPublicRecovered;
    private int _publicMigrated;

    public long EventsSinceSnapshot { get; set; }

    /// <summary>After a committed batch: the head of the audit chain is due for the anchor file; true when it should be written now.</summary>
    public bool AnchorDue(long sequenceNr)
    {
        _anchorDue = (sequenceNr, machine.State.LastHash);
        return DateTime.UtcNow - _anchoredAt >= AnchorEvery;
    }

    /// <summary>Writes the due anchor (AuditAnchor), so that `ock audit verify` sees rows removed at the journal's end.</summary>
    public void WriteAnchor()
    {
        if (_anchorDue is not { } due) return;
        try
        {
            AuditAnchor.Write(Path.Combine(Path.GetFullPath(settings.DataDir), AuditAnchor.DirectoryName), persistenceId, due.SequenceNr, due.Hash);
            _anchorDue = null;
            _anchoredAt = DateTime.UtcNow;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (!_anchorWarned) log.Warning("token {0}: cannot write the audit anchor: {1}", tokenName, e.Message);
            _anchorWarned = true;
        }
    }

    /// <summary>
    /// Asks for a snapshot when one is due: at least snapshot-every events since the last one, and at least snapshot-tail-ratio ×
    /// the token's objects (a snapshot costs the whole token: so filling a big token stays linear, and recovery replays a tail of at
    /// most that fraction). One at a time: the snapshot store encodes and writes it off the actor (the objects' stored sets are
    /// immutable, so the list handed over stays valid), and the next is not asked for before it has been answered. A failed one is
    /// retried after a pause. None during a rekey (a snapshot has no place for which objects are under which key).
    /// </summary>
    public void MaybeSnapshot()
    {
        if (settings.SnapshotEvery <= 0 || _snapshotEvents is not null) return;
        var due = Math.Max(settings.SnapshotEvery, (long)(machine.State.Objects.Count * settings.SnapshotTailRatio));
        if (EventsSinceSnapshot < due || DateTime.UtcNow < _noSnapshotBefore) return;
        if (machine.State.Rekey is not null) return;
        StartSnapshot();
    }

    private void StartSnapshot()
    {
        _snapshotEvents = EventsSinceSnapshot;
        _snapshotStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        saveSnapshot(machine.State.ToSnapshot());
    }

    /// <summary>The snapshot is stored: older ones go (the journal keeps every event for the audit trail; a snapshot is only a shortcut).</summary>
    public void Saved(SaveSnapshotSuccess m)
    {
        EventsSinceSnapshot -= _snapshotEvents ?? 0;
        _snapshotEvents = null;
        log.Info("token {0}: snapshot at sequence {1} ({2} objects) saved in {3:F1} s", tokenName, m.Metadata.SequenceNr, machine.State.Objects.Count,
            System.Diagnostics.Stopwatch.GetElapsedTime(_snapshotStarted).TotalSeconds);
        if (m.Metadata.SequenceNr > 1) deleteSnapshots(new SnapshotSelectionCriteria(m.Metadata.SequenceNr - 1));
        // the events that came while this one was being written may already make the next one due: a token that then goes
        // quiet must not wait for another write to get it
        MaybeSnapshot();
    }

    public void Failed(SaveSnapshotFailure f)
    {
        var took = System.Diagnostics.Stopwatch.GetElapsedTime(_snapshotStarted);
        _snapshotEvents = null;
        _noSnapshotBefore = DateTime.UtcNow + TimeSpan.FromSeconds(Math.Max(10, 2 * took.TotalSeconds));
        log.Warning("token {0}: snapshot at sequence {1} failed after {2:F1} s (next try after {3:HH:mm:ss}): {4}", tokenName, f.Metadata.SequenceNr,
            took.TotalSeconds, _noSnapshotBefore, f.Cause.Message);
    }

    /// <summary>
    /// Migration of stores written before public objects were sealed: an event or snapshot read from such a row (PublicInClear) with its
    /// public objects' secret values sealed under the object key as it is loaded, so that the state, and every snapshot and backup made
    /// from it, holds them sealed. (The old rows keep what they were written with: the journal is append-only and hash-chained.)
    /// </summary>
    public ITokenEvent Recovered(ITokenEvent e)
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
        var sealedSet = machine.Vault.SealPublic(id, attrs);
        if (!ReferenceEquals(sealedSet, attrs)) _publicMigrated++;
        return sealedSet;
    }

    /// <summary>Whether recovery met a public object sealed under an object key, when the key file was made only now (checked only then).</summary>
    private void NoteSealedPublic(ITokenEvent e)
    {
        if (!objectKeyCreated || _sealedPublicRecovered) return;
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
    public void RecoveryCompleted()
    {
        if (_sealedPublicRecovered)
            log.Error("token {0}: the object key file {1} was missing and has been made anew: secret values of public objects sealed under " +
                      "the lost key cannot be opened", tokenName, ObjectKeyFile.PathOf(settings.DataDir, persistenceId));
        if (_publicMigrated == 0) return;
        log.Info("token {0}: {1} public object version(s) written with secret values in clear are now sealed under the object key",
            tokenName, _publicMigrated);
        _publicMigrated = 0;
        if (machine.State.Rekey is not null || settings.SnapshotEvery <= 0 || _snapshotEvents is not null) return;
        StartSnapshot();
    }
}
