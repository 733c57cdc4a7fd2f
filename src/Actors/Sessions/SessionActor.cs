using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Actors.Statistics;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens;
using OpenCryptokiActors.Tokens.State;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Policy;
using static OpenCryptokiActors.Actors.Sessions.SessionCommands;
using static OpenCryptokiActors.Actors.Sessions.SessionProtocol;

namespace OpenCryptokiActors.Actors.Sessions;

/// <summary>
/// One PKCS#11 session: its operation contexts. Its mailbox serializes multi-part work; crypto runs here on key snapshots
/// handed over by the token, so sessions of one token work in parallel. Every command is answered exactly once, to its
/// <see cref="Request.ReplyTo"/>: a PKCS#11 failure with its code, anything else (a bug, a provider fault) with
/// CKR_FUNCTION_FAILED and a log line. A failed call of the encrypt, decrypt, digest, sign and verify families ends its
/// operation (§5.2) unless it is CKR_BUFFER_TOO_SMALL, CKR_OPERATION_ACTIVE from the lifecycle rules, or
/// CKR_USER_NOT_LOGGED_IN from a CKA_ALWAYS_AUTHENTICATE key still waiting for its context login (the operation has not
/// been used; C_Login(CKU_CONTEXT_SPECIFIC) lets it go on, §4.9 CKA_ALWAYS_AUTHENTICATE).
/// The message-based, key-management and operation-state calls are in <see cref="SessionMessageCalls"/>,
/// <see cref="SessionKeyCalls"/> and <see cref="SessionStateCalls"/>; this file holds the dispatch and the classic operations.
/// </summary>
public sealed class SessionActor : ReceiveActor
{
    private readonly SessionContext _ctx;
    private readonly SessionMessageCalls _messages;
    private readonly SessionKeyCalls _keys;
    private readonly SessionStateCalls _state;

    public SessionActor(Caller caller, ulong handle, MechanismRegistry mechanisms, IActorRef token, byte[] stateKey, SlotCounters? stats = null,
        MechanismPolicy? policy = null, ulong slotId = 0)
    {
        _ctx = new SessionContext(caller, handle, mechanisms, token, stateKey, stats, policy ?? MechanismPolicy.None, slotId, Context.GetLogger());
        _messages = new SessionMessageCalls(_ctx);
        _keys = new SessionKeyCalls(_ctx);
        _state = new SessionStateCalls(_ctx);
        Receive<Request>(Guarded);
        Receive<DeviceRsaHandoff.DeviceRsaDone>(DeviceDone);
        var fork = new SessionForkCalls(_ctx);
        Receive<Applications.ForkProtocol.CloneSessionTo>(m => m.Target.Tell(new Applications.ForkProtocol.RestoreClone(fork.Operations(), m.ReplyTo)));
        Receive<Applications.ForkProtocol.RestoreClone>(fork.Restore);
        Receive<ContextLoggedIn>(_ =>
        {
            foreach (var active in _ctx.Active.Values) active.AwaitsContextLogin = false;
        });
    }

    public static Props Props(Caller caller, ulong handle, MechanismRegistry mechanisms, IActorRef token, byte[] stateKey, SlotCounters? stats = null,
        MechanismPolicy? policy = null, ulong slotId = 0) =>
        Akka.Actor.Props.Create(() => new SessionActor(caller, handle, mechanisms, token, stateKey, stats, policy, slotId));

    /// <summary>Turns PKCS#11 failures into replies; anything else is a bug: the caller gets CKR_FUNCTION_FAILED and it is logged.</summary>
    private void Guarded(Request request)
    {
        try
        {
            Handle(request);
        }
        catch (CkException e)
        {
            // CKR_USER_NOT_LOGGED_IN here is the CKA_ALWAYS_AUTHENTICATE gate: the operation waits for its context login
            if (e.Rv is not (CKR.BUFFER_TOO_SMALL or CKR.OPERATION_ACTIVE or CKR.OPERATION_NOT_INITIALIZED or CKR.USER_NOT_LOGGED_IN)) EndFamilyOf(request);
            request.Answer(e.Rv);
        }
        catch (WireFormatException)
        {
            EndFamilyOf(request);
            request.Answer(CKR.ARGUMENTS_BAD);
        }
        catch (Exception e)
        {
            EndFamilyOf(request);
            if (e is System.Security.Cryptography.CryptographicException)
                _ctx.Log.Warning("session {0}: {1} failed in the crypto provider: {2}", _ctx.Handle, request.GetType().Name, e.GetType().Name);
            else _ctx.Log.Error(e, "session {0}: {1} failed", _ctx.Handle, request.GetType().Name);
            request.Answer(CKR.FUNCTION_FAILED);
        }
    }

    /// <summary>The operations a failed call ends (§5.2: every call of these families but CKR_BUFFER_TOO_SMALL and a length query).</summary>
    private void EndFamilyOf(Request request)
    {
        switch (request)
        {
            case SinglePart c: _ctx.Active.Remove(c.Kind); break;
            case UpdateWithOutput c: _ctx.Active.Remove(c.Kind); break;
            case Update c: _ctx.Active.Remove(c.Kind); break;
            case Final c: _ctx.Active.Remove(c.Kind); break;
            case SessionCommands.Verify or SessionCommands.VerifyFinal: _ctx.Active.Remove(OperationKind.Verify); break;
            case SessionCommands.VerifySignature or SessionCommands.VerifySignatureFinal: _ctx.Active.Remove(OperationKind.VerifySignature); break;
            case DualUpdate d:
                var (cipher, other) = Kinds(d.Kind);
                _ctx.Active.Remove(cipher);
                _ctx.Active.Remove(other);
                break;
        }
    }

    private void Handle(Request request)
    {
        switch (request)
        {
            case DigestInit c: DigestInit(c); break;
            case SinglePart c: SinglePart(c); break;
            case UpdateWithOutput c: UpdateWithOutput(c); break;
            case Update c: Update(c); break;
            case Final c: Final(c); break;
            case Verify c: Verify(c, c.Data, c.Signature, OperationKind.Verify); break;
            case VerifyFinal c: VerifyFinal(c, OperationKind.Verify, c.Signature); break;
            case VerifySignature c: Verify(c, c.Data, [], OperationKind.VerifySignature); break;
            case VerifySignatureFinal c: VerifyFinal(c, OperationKind.VerifySignature, []); break;
            case DualUpdate c: Dual(c); break;
            case Cancel c:
                foreach (var kind in Enum.GetValues<OperationKind>())
                {
                    if ((c.Flags & CancelFlag(kind)) != 0) _ctx.Active.Remove(kind);
                }

                c.Ok();
                break;
            case GenerateRandom c:
                if (c.Length > Frame.MaxFrameLength / 2) throw new CkException(CKR.ARGUMENTS_BAD);
                c.Ok(new Bytes(System.Security.Cryptography.RandomNumberGenerator.GetBytes((int)c.Length)));
                break;
            case SeedRandom c:
                // Random numbers come from the kernel's CSPRNG: seed material is mixed into its pool
                // (written to /dev/urandom, which mixes without crediting entropy).
                using (var pool = new FileStream("/dev/urandom", FileMode.Open, FileAccess.Write)) pool.Write(c.Seed);
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(c.Seed);
                c.Ok();
                break;
            case BeginOperation m: Begin(m); break;
            case BeginVerifySignature m: VerifySignatureInit(m); break;
            case BeginDigestKey m: DigestKey(m); break;
            case GetOperationState c: _state.Get(c); break;
            case BeginSetOperationState m: _state.Set(m); break;
            case GenerateKey or GenerateKeyPair or BeginWrap or BeginUnwrap or BeginDerive or BeginEncapsulate or BeginDecapsulate or BeginReencrypt:
                _keys.Handle(request);
                break;
            default:
                _messages.Handle(request);
                break;
        }
    }

    // ------------------------------------------------------------------ inits

    private void DigestInit(DigestInit c)
    {
        if (_ctx.Active.ContainsKey(OperationKind.Digest)) throw new CkException(CKR.OPERATION_ACTIVE);
        var (_, impl) = _ctx.Mechanism(c.Mechanism.Type, CKF.DIGEST, c.Mechanism.Parameter);
        _ctx.Active[OperationKind.Digest] = new DigestOperation(impl.CreateDigest(c.Mechanism.Type, c.Mechanism.Parameter))
        {
            Recording = new Recording(new StateOrigin((ulong)OperationKind.Digest, c.Mechanism.Type, c.Mechanism.Parameter, [])),
        };
        _ctx.Stats?.Count(c.Mechanism.Type, null);
        c.Ok();
    }

    private void Begin(BeginOperation m)
    {
        var kind = m.Kind;
        if (_ctx.Active.ContainsKey(kind)) throw new CkException(CKR.OPERATION_ACTIVE);
        var (usage, flag) = ForInit(kind);
        var key = m.Key.Attributes;
        var (type, parameter) = (m.Mechanism.Type, m.Mechanism.Parameter);
        var (_, impl) = _ctx.KeyUse(m.Mechanism, flag, key, usage);
        var op = Started(kind switch
        {
            OperationKind.Encrypt => (ActiveOperation)new CipherOperation(impl.CreateEncrypt(type, parameter, key)),
            OperationKind.Decrypt => new CipherOperation(impl.CreateDecrypt(type, parameter, key)),
            OperationKind.Sign => new SignOperation(impl.CreateSign(type, parameter, key)),
            OperationKind.Verify => new VerifyOperation(impl.CreateVerify(type, parameter, key)),
            OperationKind.SignRecover => new RecoverOperation(impl.CreateSignRecover(type, parameter, key)),
            OperationKind.VerifyRecover => new RecoverOperation(impl.CreateVerifyRecover(type, parameter, key)),
            OperationKind.MessageEncrypt => new MessageCipherOperation(new MessageCipher(type, impl, key, encrypt: true)),
            OperationKind.MessageDecrypt => new MessageCipherOperation(new MessageCipher(type, impl, key, encrypt: false)),
            OperationKind.MessageSign or OperationKind.MessageVerify =>
                new MessageSignerOperation(SessionMessageCalls.NewSigner(type, parameter, impl, key, kind == OperationKind.MessageSign)),
            _ => throw new CkException(CKR.FUNCTION_NOT_SUPPORTED),
        }, kind, type, parameter, key);
        _ctx.Stats?.Count(type, key);
        _ctx.Active[kind] = op;
        m.Ok();
    }

    /// <summary>The recording (saveable kinds) and the CKA_ALWAYS_AUTHENTICATE gate of a new operation.</summary>
    private ActiveOperation Started(ActiveOperation op, OperationKind kind, ulong type, byte[]? parameter, OpenCryptokiActors.Tokens.Objects.AttributeSet key)
    {
        var recording = kind is OperationKind.Encrypt or OperationKind.Decrypt or OperationKind.Sign or OperationKind.Verify
            ? new Recording(new StateOrigin((ulong)kind, type, parameter, OperationStateBlob.KeyFingerprint(_ctx.StateKey, key)))
            : null;
        return _ctx.Gate(op, kind, key, recording);
    }

    private void VerifySignatureInit(BeginVerifySignature m)
    {
        if (_ctx.Active.ContainsKey(OperationKind.VerifySignature)) throw new CkException(CKR.OPERATION_ACTIVE);
        var (_, impl) = _ctx.KeyUse(m.Mechanism, CKF.VERIFY, m.Key.Attributes, CKA.VERIFY);
        _ctx.Active[OperationKind.VerifySignature] =
            new VerifySignatureOperation(impl.CreateVerify(m.Mechanism.Type, m.Mechanism.Parameter, m.Key.Attributes), m.Signature);
        m.Ok();
    }

    private void DigestKey(BeginDigestKey m)
    {
        var active = _ctx.Take(OperationKind.Digest);
        var key = m.Key.Attributes;
        if (key.GetULong(CKA.CLASS) != CKO.SECRET_KEY || !key.TryGet(CKA.VALUE, out var value)) throw new CkException(CKR.KEY_INDIGESTIBLE);
        MultiPart(active);
        active.Update(value);
        // Key material never goes into a state blob: a digest that has seen a key cannot be saved.
        active.Recording?.Forget();
        m.Ok();
    }

    // ------------------------------------------------------------------ lifecycle rules

    /// <summary>A single-part call: only right after the Init or a length query of the same call, else CKR_OPERATION_ACTIVE.</summary>
    private static void SinglePartAllowed(ActiveOperation op)
    {
        if (op.Phase == OperationPhase.MultiPart) throw new CkException(CKR.OPERATION_ACTIVE, "a multi-part operation is under way");
    }

    /// <summary>An Update or Final: not after a single-part length query (CKR_OPERATION_ACTIVE); the operation is multi-part from now on.</summary>
    private static void MultiPart(ActiveOperation op)
    {
        if (op.Phase == OperationPhase.SinglePartPending) throw new CkException(CKR.OPERATION_ACTIVE, "a single-part call is under way");
        op.Phase = OperationPhase.MultiPart;
    }

    /// <summary>
    /// A zcrypt token's private-key step came back from the device pool (DeviceRsaHandoff): delivered as any output, under
    /// the same rules; the operation may have ended meanwhile (a new Init, C_SessionCancel), then CKR_OPERATION_NOT_INITIALIZED.
    /// </summary>
    private void DeviceDone(DeviceRsaHandoff.DeviceRsaDone d)
    {
        if (!_ctx.Active.TryGetValue(d.Kind, out var active) || !ReferenceEquals(active, d.Operation))
        {
            d.Client.Answer(CKR.OPERATION_NOT_INITIALIZED);
            return;
        }

        try
        {
            DeliverOutput(d.Client, d.Kind, active, d.Input, DeviceRsaHandoff.Output(d), d.Capacity, ends: true, single: d.Client is SinglePart);
        }
        catch (CkException e)
        {
            _ctx.Active.Remove(d.Kind);
            d.Client.Answer(e.Rv);
        }
        catch (Exception e)
        {
            _ctx.Active.Remove(d.Kind);
            _ctx.Log.Error(e, "session {0}: a device call's answer failed", _ctx.Handle);
            d.Client.Answer(CKR.FUNCTION_FAILED);
        }
    }

    // ------------------------------------------------------------------ classic operations

    private void SinglePart(SinglePart c)
    {
        var active = _ctx.Take(c.Kind);
        SinglePartAllowed(active);
        Deliver(c, c.Kind, active, c.Data, c.Capacity, static (op, d) => op.OneShot(d), ends: true, single: true);
    }

    private void UpdateWithOutput(UpdateWithOutput c)
    {
        var active = _ctx.Take(c.Kind);
        MultiPart(active);
        Deliver(c, c.Kind, active, c.Data, c.Capacity, static (op, d) =>
        {
            var output = op.UpdateWithOutput(d);
            op.Recording?.Record(d);
            return output;
        }, ends: false, single: false);
    }

    private void Update(Update c)
    {
        var active = _ctx.Take(c.Kind);
        MultiPart(active);
        active.Update(c.Data);
        active.Recording?.Record(c.Data);
        c.Ok();
    }

    private void Final(Final c)
    {
        var active = _ctx.Take(c.Kind);
        MultiPart(active);
        Deliver(c, c.Kind, active, [], c.Capacity, static (op, _) => op.Final(), ends: true, single: false);
    }

    private void Verify(Request c, byte[] data, byte[] signature, OperationKind kind)
    {
        var active = _ctx.Take(kind);
        SinglePartAllowed(active);
        _ctx.Active.Remove(kind);
        c.Answer(active.Verify(data, signature) ? CKR.OK : CKR.SIGNATURE_INVALID);
    }

    private void VerifyFinal(Request c, OperationKind kind, byte[] signature)
    {
        var active = _ctx.Take(kind);
        MultiPart(active);
        _ctx.Active.Remove(kind);
        c.Answer(active.VerifyFinal(signature) ? CKR.OK : CKR.SIGNATURE_INVALID);
    }

    private static (OperationKind Cipher, OperationKind Other) Kinds(DualKind kind) => kind switch
    {
        DualKind.DigestEncrypt => (OperationKind.Encrypt, OperationKind.Digest),
        DualKind.SignEncrypt => (OperationKind.Encrypt, OperationKind.Sign),
        DualKind.DecryptDigest => (OperationKind.Decrypt, OperationKind.Digest),
        _ => (OperationKind.Decrypt, OperationKind.Verify),
    };

    /// <summary>
    /// A dual-function update (§5.13): both operations must be active; the cipher operation's output rules apply (NULL or
    /// short buffer keeps the computed part for the repeated call); digest and sign take the plaintext (the input of an
    /// encryption, the output of a decryption); a failure ends both operations.
    /// </summary>
    private void Dual(DualUpdate c)
    {
        var (cipherKind, otherKind) = Kinds(c.Kind);
        var cipher = _ctx.Take(cipherKind);
        var other = _ctx.Take(otherKind);
        MultiPart(cipher);
        MultiPart(other);
        Deliver(c, cipherKind, cipher, c.Part, c.Capacity, (op, d) =>
        {
            var output = op.UpdateWithOutput(d);
            var plain = cipherKind == OperationKind.Encrypt ? d : output;
            other.Update(plain);
            op.Recording?.Record(d);
            other.Recording?.Record(plain);
            return output;
        }, ends: false, single: false);
    }

    /// <summary>
    /// Runs a call that returns data under the output rules (§5.2): a NULL or too-small buffer keeps the operation and the
    /// computed output, so the repeated call returns the same bytes.
    /// </summary>
    private void Deliver(Request c, OperationKind kind, ActiveOperation active, byte[] input, ulong capacity,
        Func<ActiveOperation, byte[], byte[]> compute, bool ends, bool single)
    {
        byte[] output;
        if (active.StashOutput is not null && active.StashInput is not null && active.StashInput.AsSpan().SequenceEqual(input)) output = active.StashOutput;
        else if (DeviceRsaHandoff.TryStart(Context, c, kind, active, input, capacity, ends)) return; // the device pool answers, DeviceDone delivers
        else output = compute(active, input);
        DeliverOutput(c, kind, active, input, output, capacity, ends, single);
    }

    private void DeliverOutput(Request c, OperationKind kind, ActiveOperation active, byte[] input, byte[] output, ulong capacity, bool ends, bool single)
    {
        if (capacity == Frame.NullBuffer || capacity < (ulong)output.Length)
        {
            active.StashInput = input;
            active.StashOutput = output;
            if (single) active.Phase = OperationPhase.SinglePartPending;
            c.Answer(capacity == Frame.NullBuffer ? CKR.OK : CKR.BUFFER_TOO_SMALL, Output.LengthOnly((ulong)output.Length));
            return;
        }

        active.StashInput = null;
        active.StashOutput = null;
        if (ends) _ctx.Active.Remove(kind);
        c.Ok(Output.Delivered(output));
    }
}
