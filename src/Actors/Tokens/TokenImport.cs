using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Actors.Persistence;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.State;
using static OpenCryptokiActors.Actors.Tokens.TokenProtocol;

namespace OpenCryptokiActors.Actors.Tokens;

/// <summary>
/// `ock token restore`: the backup's token, PIN records and objects — as stored: master key wrapped, secret values sealed
/// under the same object ids — journaled as TokenInitialized, UserPinSet and ObjectCreated audited events in one write.
/// Only into an uninitialised token with no write in flight; its caller is answered also when that write fails.
/// </summary>
internal sealed class TokenImport(TokenMachine machine, GroupCommit commit, SlotSettings slot, ILoggingAdapter log, Action committed)
{
    private IActorRef? _waiter;

    public void Run(ImportState m, IActorRef sender, bool ready)
    {
        var state = machine.State;
        if (state.Initialized) { sender.Tell(new ImportedState(false, "restore only into an uninitialised token")); return; }
        if (!ready || !commit.Idle) { sender.Tell(new ImportedState(false, "token busy, retry")); return; }
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
        events.AddRange(s.Objects.Select(o => new ObjectCreated(o.Key, Restored(o.Key, o.Value, backupKey))));
        if (backupKey is not null) System.Security.Cryptography.CryptographicOperations.ZeroMemory(backupKey);
        _waiter = sender;
        commit.Import(events, m.Pid, m.Uid, () =>
        {
            _waiter = null;
            log.Info("token {0} (slot {1}) restored from a backup: {2} objects", slot.TokenName, slot.Id, state.Objects.Count);
            committed();
            sender.Tell(new ImportedState(true, $"restored token '{s.Label}' with {s.Objects.Count} object(s) into slot {slot.Id}"));
        });
    }

    /// <summary>The journal write failed: the restore's caller learns it at once instead of waiting for its timeout.</summary>
    public void Failed(Exception cause)
    {
        _waiter?.Tell(new ImportedState(false, $"the journal write of the restored token failed ({cause.GetType().Name}: {cause.Message}): not restored"));
        _waiter = null;
    }

    /// <summary>
    /// A restored object as this token stores it: private ones as in the backup (sealed under the master key the backup's PIN records
    /// wrap); the secret values of public ones moved from the backup's object key to this token's (or, from a backup made before
    /// public objects were sealed, sealed now). A value that does not open under the backup's key is kept as it is and reported.
    /// </summary>
    private AttributeSet Restored(ulong id, AttributeSet attrs, byte[]? backupKey)
    {
        if (attrs.IsTrue(CKA.PRIVATE)) return attrs;
        if (backupKey is null) return PinCrypto.SealSecrets(machine.Vault.ObjectKey, id, attrs);
        return PinCrypto.ResealSecrets(backupKey, machine.Vault.ObjectKey, id, attrs, type =>
            log.Error("token {0}: restored object {1}: sealed attribute 0x{2:X} does not open under the backup's object key (damaged); kept as it is",
                slot.TokenName, id, type));
    }
}
