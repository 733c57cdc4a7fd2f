using System.Security.Cryptography;
using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.State;
using static OpenCryptokiActors.Actors.Tokens.TokenProtocol;

namespace OpenCryptokiActors.Actors.Tokens;

/// <summary>
/// `ock token rekey`: re-encrypts every private object under a new master key, in batches of opencryptoki.rekey-batch, while
/// the token goes on serving (<see cref="RekeyStarted"/>, <see cref="ObjectsResealed"/> per batch, <see cref="RekeyCompleted"/>);
/// resumes a rekey that was under way (after a restart, at the next login with a PIN that opens the new key).
/// Holds both master keys while it runs (its own copies, independent of logins).
/// </summary>
internal sealed class Rekey(TokenMachine machine, GroupCommit commit, int batchSize, string tokenName, ulong slotId, ILoggingAdapter log,
    Action queueStep, Action retryLater)
{
    private byte[]? _old;
    private byte[]? _new;
    private readonly Queue<ulong> _queue = new();
    private readonly List<IActorRef> _waiters = new();
    private PeerCredentials? _by;
    private bool _stepQueued;

    private TokenState State => machine.State;

    public void Start(StartRekey m, IActorRef sender, int iterations)
    {
        if (!State.Initialized || State.SoPin is null) { sender.Tell(new RekeyDone(false, "the token is not initialised")); return; }
        var old = PinCrypto.TryUnwrap(State.SoPin, m.SoPin);
        if (old is null) { sender.Tell(new RekeyDone(false, "SO PIN incorrect")); return; }
        if (State.UserPin is not null)
        {
            var user = m.UserPin is null ? null : PinCrypto.TryUnwrap(State.UserPin, m.UserPin);
            var same = user is not null && CryptographicOperations.FixedTimeEquals(user, old);
            if (user is not null) CryptographicOperations.ZeroMemory(user);
            if (!same)
            {
                CryptographicOperations.ZeroMemory(old);
                sender.Tell(new RekeyDone(false, m.UserPin is null ? "the token has a User PIN: give it too (the new master key is wrapped under both PINs)" : "User PIN incorrect"));
                return;
            }
        }

        _waiters.Add(sender);
        _by = new PeerCredentials(m.Pid, m.Uid, 0);
        if (State.Rekey is { } pending)
        {
            // a rekey under way (this run, or journaled before a crash): go on with its key
            if (_new is not null) CryptographicOperations.ZeroMemory(old);
            else if (PinCrypto.TryUnwrap(pending.SoPin, m.SoPin) is { } resumed) Loop(old, resumed, "resumed");
            else
            {
                _waiters.Remove(sender);
                sender.Tell(new RekeyDone(false, "the SO PIN does not open the new master key of the rekey under way"));
            }

            return;
        }

        var fresh = PinCrypto.NewMasterKey();
        var started = new RekeyStarted(PinCrypto.Wrap(fresh, m.SoPin, iterations),
            m.UserPin is null || State.UserPin is null ? null : PinCrypto.Wrap(fresh, m.UserPin, iterations));
        commit.Exclusive = true;
        commit.Commit(null, TokenMachine.TokenKey, [started], () => Loop(old, fresh, "started"), () =>
        {
            CryptographicOperations.ZeroMemory(old);
            CryptographicOperations.ZeroMemory(fresh);
            FailWaiters("the journal did not take the start of the rekey");
        }, _by);
    }

    /// <summary>A login during a rekey under way (after a restart, nobody holds its keys): the same PIN opens the new key too, and the rekey goes on.</summary>
    public void ResumeWith(byte[] oldKey, byte[] pin, ulong userType, PeerCredentials? by)
    {
        if (State.Rekey is not { } pending || _new is not null) return;
        var record = userType == CKU.SO ? pending.SoPin : pending.UserPin;
        if (record is null || PinCrypto.TryUnwrap(record, pin) is not { } fresh) return;
        _by = by;
        Loop((byte[])oldKey.Clone(), fresh, "resumed");
    }

    private void Loop(byte[] oldKey, byte[] newKey, string how)
    {
        _old = oldKey;
        _new = newKey;
        machine.Vault.RekeyNew = newKey;
        _queue.Clear();
        foreach (var (id, attrs) in State.Objects)
            if (attrs.IsTrue(CKA.PRIVATE) && !State.IsResealed(id)) _queue.Enqueue(id);
        log.Info("token {0} (slot {1}): master-key rotation {2}: {3} private objects to re-encrypt, {4} done", tokenName, slotId, how,
            _queue.Count, State.ResealedCount);
        QueueStep();
    }

    private void QueueStep()
    {
        if (_stepQueued) return;
        _stepQueued = true;
        queueStep();
    }

    /// <summary>
    /// One batch: up to rekey-batch private objects not yet under the new key, opened with the old key and sealed with the new
    /// one, journaled as one <see cref="ObjectsResealed"/> (its own journal write: readers go on meanwhile, and until it is
    /// committed they read these objects as before, under the old key). When none is left: <see cref="RekeyCompleted"/>.
    /// </summary>
    public void Step()
    {
        _stepQueued = false;
        if (State.Rekey is null || _old is null || _new is null) return;
        var batch = new List<KeyValuePair<ulong, AttributeSet>>();
        while (batch.Count < batchSize)
        {
            if (_queue.Count == 0)
            {
                if (batch.Count > 0) break;
                // objects created or changed during the rekey are under the old key: one more pass finds them
                foreach (var (id, attrs) in State.Objects)
                    if (attrs.IsTrue(CKA.PRIVATE) && !State.IsResealed(id)) _queue.Enqueue(id);
                if (_queue.Count == 0) break;
            }

            var next = _queue.Dequeue();
            if (!State.Objects.TryGetValue(next, out var stored) || !stored.IsTrue(CKA.PRIVATE) || State.IsResealed(next)) continue;
            batch.Add(new(next, Reseal(next, stored)));
        }

        if (batch.Count == 0)
        {
            var count = State.ResealedCount;
            commit.Exclusive = true;
            commit.Commit(null, TokenMachine.TokenKey, [new RekeyCompleted(count)], () =>
            {
                machine.Vault.Replace(_new);
                DropKeys();
                log.Info("token {0} (slot {1}): master-key rotation completed: {2} private objects under the new key", tokenName, slotId, count);
                foreach (var w in _waiters) w.Tell(new RekeyDone(true, $"master key of slot {slotId} rotated: {count} private object(s) re-encrypted"));
                _waiters.Clear();
            }, retryLater, _by);
            return;
        }

        foreach (var (id, _) in batch) commit.Touch(id);
        commit.Commit(null, null, [new ObjectsResealed(batch)], () =>
        {
            foreach (var (id, _) in batch) machine.Vault.Forget(id);
            QueueStep();
        }, retryLater, _by);
    }

    /// <summary>An object's stored attributes with every sealed value moved from the old master key to the new one (same AAD).</summary>
    private AttributeSet Reseal(ulong id, AttributeSet stored) =>
        // damaged before the rekey: it opens under no key; kept as it is (and reported), the rotation goes on
        PinCrypto.ResealSecrets(_old!, _new!, id, stored, type =>
            log.Error("token {0}: object {1}: sealed attribute 0x{2:X} does not open (damaged ciphertext); left as it is by the rekey", tokenName, id, type));

    public void DropKeys()
    {
        if (_old is not null) CryptographicOperations.ZeroMemory(_old);
        if (_new is not null) CryptographicOperations.ZeroMemory(_new);
        _old = null;
        _new = null;
        machine.Vault.RekeyNew = null;
        _queue.Clear();
    }

    public void FailWaiters(string why)
    {
        foreach (var w in _waiters) w.Tell(new RekeyDone(false, why));
        _waiters.Clear();
    }
}
