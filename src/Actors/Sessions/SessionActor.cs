using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Server;
using OpenCryptokiActors.Actors.Statistics;
using OpenCryptokiActors.Actors.Tokens;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.Policy;
using static OpenCryptokiActors.Actors.Sessions.SessionProtocol;
using static OpenCryptokiActors.Actors.Tokens.TokenProtocol;

namespace OpenCryptokiActors.Actors.Sessions;

/// <summary>
/// One PKCS#11 session: its operation contexts. Its mailbox serializes multi-part work; crypto runs
/// here on key snapshots handed over by the token, so sessions of one token work in parallel. Replies
/// go straight to the client's connection.
/// </summary>
public sealed partial class SessionActor : ReceiveActor
{
    private readonly ulong _appId;
    private readonly ulong _handle;
    private readonly MechanismRegistry _mechanisms;
    private readonly IActorRef _token;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<OperationKind, Active> _active = new();
    private readonly WireWriter _out = new();
    private readonly byte[] _stateKey;

    /// <summary>Mechanism usage of this session's user on its slot (ock stats): counted where an operation starts.</summary>
    private readonly SlotCounters? _stats;

    /// <summary>The slot's mechanism policy, checked where a mechanism, its parameter or a key is used or a key is made.</summary>
    private readonly MechanismPolicy _policy;

    private readonly ulong _slotId;

    private sealed class Active(object operation, Recording? recording = null)
    {
        public object Operation { get; } = operation;

        /// <summary>What the operation has been fed, for C_GetOperationState; null for operations that are never saveable.</summary>
        public Recording? Recording { get; } = recording;

        /// <summary>The key the operation was started with (keyed operations): a fork()ed child's copy starts again with it.</summary>
        public AttributeSet? Key { get; init; }

        /// <summary>A sign or decrypt operation with a CKA_ALWAYS_AUTHENTICATE key, waiting for C_Login(CKU_CONTEXT_SPECIFIC).</summary>
        public bool AwaitsContextLogin { get; set; }

        public byte[]? StashInput { get; set; }
        public byte[]? StashOutput { get; set; }
    }

    public SessionActor(ulong appId, ulong handle, MechanismRegistry mechanisms, IActorRef token, byte[] stateKey, SlotCounters? stats = null,
        MechanismPolicy? policy = null, ulong slotId = 0)
    {
        _policy = policy ?? MechanismPolicy.None;
        _slotId = slotId;
        _stats = stats;
        _stateKey = stateKey;
        _appId = appId;
        _handle = handle;
        _mechanisms = mechanisms;
        _token = token;
        Receive<ClientRequest>(Guard(HandleRequest));
        Receive<BeginOperation>(m => Guarded(m.Client, () => Begin(m)));
        Receive<BeginDigestKey>(m => Guarded(m.Client, () => DigestKey(m)));
        Receive<BeginWrap>(m => Guarded(m.Client, () => Wrap(m)));
        Receive<BeginUnwrap>(m => Guarded(m.Client, () => Unwrap(m)));
        Receive<BeginDerive>(m => Guarded(m.Client, () => Derive(m)));
        Receive<BeginSetOperationState>(m => Guarded(m.Client, () => SetOperationState(m)));
        Receive<BeginEncapsulate>(m => Guarded(m.Client, () => Encapsulate(m)));
        Receive<BeginDecapsulate>(m => Guarded(m.Client, () => Decapsulate(m)));
        Receive<BeginVerifySignature>(m => Guarded(m.Client, () => VerifySignatureInit(m)));
        Receive<BeginReencrypt>(m => Guarded(m.Client, () => Reencrypt(m)));
        ForkReceives();
        Receive<ContextLoggedIn>(_ =>
        {
            foreach (var active in _active.Values) active.AwaitsContextLogin = false;
        });
    }

    public static Props Props(ulong appId, ulong handle, MechanismRegistry mechanisms, IActorRef token, byte[] stateKey, SlotCounters? stats = null,
        MechanismPolicy? policy = null, ulong slotId = 0) =>
        Akka.Actor.Props.Create(() => new SessionActor(appId, handle, mechanisms, token, stateKey, stats, policy, slotId));

    protected override void PostStop()
    {
        _out.Dispose();
        base.PostStop();
    }

    private Action<ClientRequest> Guard(Action<ClientRequest> handler) => req => Guarded(req, () => handler(req));

    /// <summary>Turns PKCS#11 failures into replies; anything else is a bug: the caller gets CKR_FUNCTION_FAILED and it is logged.</summary>
    private void Guarded(ClientRequest req, Action action)
    {
        try
        {
            action();
        }
        catch (CkException e)
        {
            req.Reply(e.Rv);
        }
        catch (WireFormatException)
        {
            req.Reply(CKR.ARGUMENTS_BAD);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            _log.Warning("session {0}: {1} failed in the crypto provider: {2}", _handle, req.Opcode, e.GetType().Name);
            req.Reply(CKR.FUNCTION_FAILED);
        }
    }

    // ------------------------------------------------------------------ requests

    private void HandleRequest(ClientRequest req)
    {
        var r = new WireReader(req.Payload);
        r.ReadULong();
        switch (req.Opcode)
        {
            case Opcode.DigestInit:
            {
                var mech = r.ReadMechanism();
                r.ExpectEnd();
                if (_active.ContainsKey(OperationKind.Digest)) throw new CkException(CKR.OPERATION_ACTIVE);
                var (info, impl) = Mechanism(mech.Type, CKF.DIGEST, mech.Parameter);
                _ = info;
                _active[OperationKind.Digest] = new Active(impl.CreateDigest(mech.Type, mech.Parameter),
                    new Recording(new StateOrigin(OperationKind.Digest, mech.Type, mech.Parameter, [])));
                _stats?.Count(mech.Type, null);
                req.Ok();
                break;
            }

            case Opcode.Encrypt: SinglePart(req, ref r, OperationKind.Encrypt, (op, d) => ((ICipherOperation)op).OneShot(d)); break;
            case Opcode.Decrypt: SinglePart(req, ref r, OperationKind.Decrypt, (op, d) => ((ICipherOperation)op).OneShot(d)); break;
            case Opcode.Digest: SinglePart(req, ref r, OperationKind.Digest, (op, d) => ((IDigestOperation)op).OneShot(d)); break;
            case Opcode.Sign: SinglePart(req, ref r, OperationKind.Sign, (op, d) => ((ISignOperation)op).OneShot(d)); break;
            case Opcode.SignRecover: SinglePart(req, ref r, OperationKind.SignRecover, (op, d) => ((IRecoverOperation)op).OneShot(d)); break;
            case Opcode.VerifyRecover: SinglePart(req, ref r, OperationKind.VerifyRecover, (op, d) => ((IRecoverOperation)op).OneShot(d)); break;

            case Opcode.EncryptUpdate: UpdateWithOutput(req, ref r, OperationKind.Encrypt); break;
            case Opcode.DecryptUpdate: UpdateWithOutput(req, ref r, OperationKind.Decrypt); break;

            case Opcode.DigestUpdate: Update(req, ref r, OperationKind.Digest, (op, d) => ((IDigestOperation)op).Update(d)); break;
            case Opcode.SignUpdate: Update(req, ref r, OperationKind.Sign, (op, d) => ((ISignOperation)op).Update(d)); break;
            case Opcode.VerifyUpdate: Update(req, ref r, OperationKind.Verify, (op, d) => ((IVerifyOperation)op).Update(d)); break;

            case Opcode.EncryptFinal: Final(req, ref r, OperationKind.Encrypt, op => ((ICipherOperation)op).Final()); break;
            case Opcode.DecryptFinal: Final(req, ref r, OperationKind.Decrypt, op => ((ICipherOperation)op).Final()); break;
            case Opcode.DigestFinal: Final(req, ref r, OperationKind.Digest, op => ((IDigestOperation)op).Final()); break;
            case Opcode.SignFinal: Final(req, ref r, OperationKind.Sign, op => ((ISignOperation)op).Final()); break;

            case Opcode.Verify:
            {
                var data = r.ReadBytes();
                var signature = r.ReadBytes();
                r.ExpectEnd();
                var active = Take(OperationKind.Verify);
                _active.Remove(OperationKind.Verify);
                req.Reply(((IVerifyOperation)active.Operation).OneShot(data, signature) ? CKR.OK : CKR.SIGNATURE_INVALID);
                break;
            }

            case Opcode.VerifyFinal:
            {
                var signature = r.ReadBytes();
                r.ExpectEnd();
                var active = Take(OperationKind.Verify);
                _active.Remove(OperationKind.Verify);
                req.Reply(((IVerifyOperation)active.Operation).Final(signature) ? CKR.OK : CKR.SIGNATURE_INVALID);
                break;
            }

            // Dual-function updates (§5.13): both operations must be active; one computation, one reply.
            case Opcode.DigestEncryptUpdate:
                Dual(req, ref r, OperationKind.Encrypt, OperationKind.Digest, (cipher, other, d) =>
                {
                    ((IDigestOperation)other).Update(d);
                    return ((ICipherOperation)cipher).Update(d);
                });
                break;
            case Opcode.SignEncryptUpdate:
                Dual(req, ref r, OperationKind.Encrypt, OperationKind.Sign, (cipher, other, d) =>
                {
                    ((ISignOperation)other).Update(d);
                    return ((ICipherOperation)cipher).Update(d);
                });
                break;
            case Opcode.DecryptDigestUpdate:
                Dual(req, ref r, OperationKind.Decrypt, OperationKind.Digest, (cipher, other, d) =>
                {
                    var plain = ((ICipherOperation)cipher).Update(d);
                    ((IDigestOperation)other).Update(plain);
                    return plain;
                });
                break;
            case Opcode.DecryptVerifyUpdate:
                Dual(req, ref r, OperationKind.Decrypt, OperationKind.Verify, (cipher, other, d) =>
                {
                    var plain = ((ICipherOperation)cipher).Update(d);
                    ((IVerifyOperation)other).Update(plain);
                    return plain;
                });
                break;

            case Opcode.SessionCancel:
            {
                var flags = r.ReadULong();
                r.ExpectEnd();
                foreach (var kind in Enum.GetValues<OperationKind>())
                {
                    if ((flags & CancelFlag(kind)) != 0) _active.Remove(kind);
                }

                req.Ok();
                break;
            }

            case Opcode.EncryptMessage: EncryptMessage(req, ref r); break;
            case Opcode.EncryptMessageBegin: CipherMessageBegin(req, ref r, OperationKind.MessageEncrypt); break;
            case Opcode.EncryptMessageNext: CipherMessageNext(req, ref r, OperationKind.MessageEncrypt); break;
            case Opcode.DecryptMessage: DecryptMessage(req, ref r); break;
            case Opcode.DecryptMessageBegin: CipherMessageBegin(req, ref r, OperationKind.MessageDecrypt); break;
            case Opcode.DecryptMessageNext: CipherMessageNext(req, ref r, OperationKind.MessageDecrypt); break;
            case Opcode.SignMessage: SignMessage(req, ref r); break;
            case Opcode.VerifyMessage: VerifyMessage(req, ref r); break;
            case Opcode.SignMessageBegin or Opcode.VerifyMessageBegin: SignerMessageBegin(req, ref r); break;
            case Opcode.SignMessageNext: SignMessageNext(req, ref r); break;
            case Opcode.VerifyMessageNext: VerifyMessageNext(req, ref r); break;
            case Opcode.MessageEncryptFinal: MessageFinal(req, ref r, OperationKind.MessageEncrypt); break;
            case Opcode.MessageDecryptFinal: MessageFinal(req, ref r, OperationKind.MessageDecrypt); break;
            case Opcode.MessageSignFinal: MessageFinal(req, ref r, OperationKind.MessageSign); break;
            case Opcode.MessageVerifyFinal: MessageFinal(req, ref r, OperationKind.MessageVerify); break;

            case Opcode.GetOperationState: GetOperationState(req, ref r); break;

            case Opcode.VerifySignature:
            {
                var data = r.ReadBytes();
                r.ExpectEnd();
                var active = Take(OperationKind.VerifySignature);
                _active.Remove(OperationKind.VerifySignature);
                var (op, signature) = ((IVerifyOperation, byte[]))active.Operation;
                req.Reply(op.OneShot(data, signature) ? CKR.OK : CKR.SIGNATURE_INVALID);
                break;
            }

            case Opcode.VerifySignatureUpdate:
                Update(req, ref r, OperationKind.VerifySignature, (op, d) => (((IVerifyOperation, byte[]))op).Item1.Update(d));
                break;

            case Opcode.VerifySignatureFinal:
            {
                r.ExpectEnd();
                var active = Take(OperationKind.VerifySignature);
                _active.Remove(OperationKind.VerifySignature);
                var (op, signature) = ((IVerifyOperation, byte[]))active.Operation;
                req.Reply(op.Final(signature) ? CKR.OK : CKR.SIGNATURE_INVALID);
                break;
            }

            case Opcode.GenerateKey: GenerateKey(req, ref r); break;
            case Opcode.GenerateKeyPair: GenerateKeyPair(req, ref r); break;

            case Opcode.GenerateRandom:
            {
                var length = r.ReadULong();
                r.ExpectEnd();
                if (length > Frame.MaxFrameLength / 2) throw new CkException(CKR.ARGUMENTS_BAD);
                var random = System.Security.Cryptography.RandomNumberGenerator.GetBytes((int)length);
                _out.Reset();
                _out.WriteBytes(random);
                req.Reply(CKR.OK, _out);
                break;
            }

            case Opcode.SeedRandom:
            {
                // Random numbers come from the kernel's CSPRNG: seed material is mixed into its pool
                // (written to /dev/urandom, which mixes without crediting entropy).
                var seed = r.ReadBytes();
                r.ExpectEnd();
                using (var pool = new FileStream("/dev/urandom", FileMode.Open, FileAccess.Write)) pool.Write(seed);
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(seed);
                req.Ok();
                break;
            }

            default:
                req.Reply(CKR.FUNCTION_NOT_SUPPORTED);
                break;
        }
    }

    /// <summary>The C_SessionCancel flag (CKF_ENCRYPT …) that names an operation kind.</summary>
    private static ulong CancelFlag(OperationKind kind) => kind switch
    {
        OperationKind.Encrypt => CKF.ENCRYPT,
        OperationKind.Decrypt => CKF.DECRYPT,
        OperationKind.Digest => CKF.DIGEST,
        OperationKind.Sign => CKF.SIGN,
        OperationKind.Verify => CKF.VERIFY,
        OperationKind.SignRecover => CKF.SIGN_RECOVER,
        OperationKind.VerifyRecover => CKF.VERIFY_RECOVER,
        OperationKind.MessageEncrypt => CKF.MESSAGE_ENCRYPT,
        OperationKind.MessageDecrypt => CKF.MESSAGE_DECRYPT,
        OperationKind.MessageSign => CKF.MESSAGE_SIGN,
        OperationKind.MessageVerify => CKF.MESSAGE_VERIFY,
        _ => 0,
    };

    /// <summary>
    /// A dual-function update: the cipher operation's output rules apply (NULL or short buffer keeps the
    /// computed part for the repeated call); a failure ends both operations.
    /// </summary>
    private void Dual(ClientRequest req, ref WireReader r, OperationKind cipherKind, OperationKind otherKind, Func<object, object, byte[], byte[]> compute)
    {
        var data = r.ReadBytes();
        var capacity = r.ReadULong();
        r.ExpectEnd();
        var cipher = Take(cipherKind);
        var other = Take(otherKind);
        try
        {
            Deliver(req, cipherKind, cipher, data, capacity, (op, d) =>
            {
                var output = compute(op, other.Operation, d);
                cipher.Recording?.Record(d);
                // Digest and sign take the plaintext: the input of an encryption, the output of a decryption.
                other.Recording?.Record(cipherKind == OperationKind.Encrypt ? d : output);
                return output;
            }, ends: false);
        }
        catch
        {
            _active.Remove(otherKind);
            throw;
        }
    }

    // ------------------------------------------------------------------ message-based functions (§5.15–5.18)

    private static MessageSigner NewMessageSigner(ulong type, byte[]? parameter, IMechanism impl, AttributeSet key, bool sign)
    {
        var signer = new MessageSigner(type, parameter, impl, key, sign);
        signer.Probe();
        return signer;
    }

    private T Message<T>(OperationKind kind) => (T)Take(kind).Operation;

    /// <summary>
    /// Output rules without computing: a NULL or short buffer gets the length (CKR_OK / CKR_BUFFER_TOO_SMALL) and
    /// the call does nothing else. False when the reply has been sent.
    /// </summary>
    private bool Fits(ClientRequest req, ulong length, ulong capacity)
    {
        if (capacity != Frame.NullBuffer && capacity >= length) return true;
        _out.Reset();
        _out.WriteULong(length);
        _out.WriteNullableBytes(null);
        req.Reply(capacity == Frame.NullBuffer ? CKR.OK : CKR.BUFFER_TOO_SMALL, _out);
        return false;
    }

    /// <summary>Request <c>bytes param, bytes aad, bytes plaintext, u64 cap</c>; reply <c>output</c> then <c>bytes iv, bytes tag</c> when delivered.</summary>
    private void EncryptMessage(ClientRequest req, ref WireReader r)
    {
        var p = MessageParams.Decode(r.ReadBytes());
        var aad = r.ReadBytes();
        var data = r.ReadBytes();
        var capacity = r.ReadULong();
        r.ExpectEnd();
        var cipher = Message<MessageCipher>(OperationKind.MessageEncrypt);
        if (cipher.InMessage) throw new CkException(CKR.OPERATION_ACTIVE);
        if (!Fits(req, (ulong)data.Length, capacity)) return;
        var iv = cipher.Iv(p);
        var (output, tag) = cipher.Encrypt(p, iv, aad, data);
        _out.Reset();
        _out.WriteULong((ulong)output.Length);
        _out.WriteBytes(output);
        _out.WriteBytes(iv);
        _out.WriteBytes(tag);
        req.Reply(CKR.OK, _out);
    }

    /// <summary>Request <c>bytes param, bytes aad, bytes ciphertext, u64 cap</c>; reply <c>output</c>.</summary>
    private void DecryptMessage(ClientRequest req, ref WireReader r)
    {
        var p = MessageParams.Decode(r.ReadBytes());
        var aad = r.ReadBytes();
        var data = r.ReadBytes();
        var capacity = r.ReadULong();
        r.ExpectEnd();
        var cipher = Message<MessageCipher>(OperationKind.MessageDecrypt);
        if (cipher.InMessage) throw new CkException(CKR.OPERATION_ACTIVE);
        if (!Fits(req, (ulong)data.Length, capacity)) return;
        var output = cipher.Decrypt(p, cipher.Iv(p), aad, data);
        _out.Reset();
        _out.WriteULong((ulong)output.Length);
        _out.WriteBytes(output);
        req.Reply(CKR.OK, _out);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(output);
    }

    /// <summary>Request <c>bytes param, bytes aad</c>; reply <c>bytes iv</c> (the IV the message uses, generated where asked).</summary>
    private void CipherMessageBegin(ClientRequest req, ref WireReader r, OperationKind kind)
    {
        var p = MessageParams.Decode(r.ReadBytes());
        var aad = r.ReadBytes();
        r.ExpectEnd();
        var cipher = Message<MessageCipher>(kind);
        if (cipher.InMessage) throw new CkException(CKR.OPERATION_ACTIVE);
        var iv = cipher.Iv(p);
        cipher.Begin(p, iv, aad);
        _out.Reset();
        _out.WriteBytes(iv);
        req.Reply(CKR.OK, _out);
    }

    /// <summary>
    /// Request <c>bytes param, bytes part, u64 flags, u64 cap</c>; reply <c>output</c> then <c>bytes tag</c> when
    /// delivered. Parts before CKF_END_OF_MESSAGE return no output; the last returns the whole message.
    /// </summary>
    private void CipherMessageNext(ClientRequest req, ref WireReader r, OperationKind kind)
    {
        var p = MessageParams.Decode(r.ReadBytes());
        var part = r.ReadBytes();
        var flags = r.ReadULong();
        var capacity = r.ReadULong();
        r.ExpectEnd();
        var cipher = Message<MessageCipher>(kind);
        var end = (flags & CKF.END_OF_MESSAGE) != 0;
        if (!Fits(req, end ? (ulong)cipher.LengthWith(part.Length) : 0, capacity)) return;
        var (output, tag) = cipher.Next(p, part, end);
        _out.Reset();
        _out.WriteULong((ulong)output.Length);
        _out.WriteBytes(output);
        _out.WriteBytes(tag);
        req.Reply(CKR.OK, _out);
    }

    /// <summary>Request <c>nullable bytes param, bytes data, u64 cap</c>; reply <c>output</c> (the signature).</summary>
    private void SignMessage(ClientRequest req, ref WireReader r)
    {
        MessageSigner.CheckParameter(r.ReadNullableBytes());
        var data = r.ReadBytes();
        var capacity = r.ReadULong();
        r.ExpectEnd();
        var signer = Message<MessageSigner>(OperationKind.MessageSign);
        if (signer.InMessage) throw new CkException(CKR.OPERATION_ACTIVE);
        DeliverSignature(req, signer, data, capacity, () => signer.Sign(data));
    }

    /// <summary>Request <c>nullable bytes param, bytes data, bytes signature</c>; empty reply, CKR_SIGNATURE_INVALID when it does not verify.</summary>
    private void VerifyMessage(ClientRequest req, ref WireReader r)
    {
        MessageSigner.CheckParameter(r.ReadNullableBytes());
        var data = r.ReadBytes();
        var signature = r.ReadBytes();
        r.ExpectEnd();
        var verifier = Message<MessageSigner>(OperationKind.MessageVerify);
        if (verifier.InMessage) throw new CkException(CKR.OPERATION_ACTIVE);
        req.Reply(verifier.Verify(data, signature) ? CKR.OK : CKR.SIGNATURE_INVALID);
    }

    /// <summary>Request <c>nullable bytes param</c>; empty reply.</summary>
    private void SignerMessageBegin(ClientRequest req, ref WireReader r)
    {
        MessageSigner.CheckParameter(r.ReadNullableBytes());
        r.ExpectEnd();
        Message<MessageSigner>(req.Opcode == Opcode.SignMessageBegin ? OperationKind.MessageSign : OperationKind.MessageVerify).Begin();
        req.Ok();
    }

    /// <summary>Request <c>nullable bytes param, bytes part, u8 last, u64 cap</c>; reply empty, or <c>output</c> for the last part.</summary>
    private void SignMessageNext(ClientRequest req, ref WireReader r)
    {
        MessageSigner.CheckParameter(r.ReadNullableBytes());
        var part = r.ReadBytes();
        var last = r.ReadBool();
        var capacity = r.ReadULong();
        r.ExpectEnd();
        var signer = Message<MessageSigner>(OperationKind.MessageSign);
        if (!last)
        {
            signer.Update(part);
            req.Ok();
            return;
        }

        DeliverSignature(req, signer, part, capacity, () => signer.SignFinal(part));
    }

    /// <summary>Request <c>nullable bytes param, bytes part, nullable bytes signature</c> (NULL: not the last part); empty reply.</summary>
    private void VerifyMessageNext(ClientRequest req, ref WireReader r)
    {
        MessageSigner.CheckParameter(r.ReadNullableBytes());
        var part = r.ReadBytes();
        var signature = r.ReadNullableBytes();
        r.ExpectEnd();
        var verifier = Message<MessageSigner>(OperationKind.MessageVerify);
        if (signature is null)
        {
            verifier.Update(part);
            req.Ok();
            return;
        }

        req.Reply(verifier.VerifyFinal(part, signature) ? CKR.OK : CKR.SIGNATURE_INVALID);
    }

    /// <summary>A signature under the output rules: a NULL or short buffer keeps it for the repeated call with the same data.</summary>
    private void DeliverSignature(ClientRequest req, MessageSigner signer, byte[] data, ulong capacity, Func<byte[]> compute)
    {
        var signature = signer.StashInput is not null && signer.StashInput.AsSpan().SequenceEqual(data) ? signer.StashOutput! : compute();
        signer.StashInput = null;
        signer.StashOutput = null;
        if (!Fits(req, (ulong)signature.Length, capacity))
        {
            signer.StashInput = data;
            signer.StashOutput = signature;
            return;
        }

        _out.Reset();
        _out.WriteULong((ulong)signature.Length);
        _out.WriteBytes(signature);
        req.Reply(CKR.OK, _out);
    }

    /// <summary>C_Message*Final: request nothing more; ends the message-based operation (and any message in progress).</summary>
    private void MessageFinal(ClientRequest req, ref WireReader r, OperationKind kind)
    {
        r.ExpectEnd();
        // Ending the operation needs no context login (one that never got it is simply given up).
        if (!_active.Remove(kind)) throw new CkException(CKR.OPERATION_NOT_INITIALIZED);
        req.Ok();
    }

    // ------------------------------------------------------------------ operation state

    /// <summary>
    /// C_GetOperationState: every active operation must be saveable (digest, encrypt, decrypt, sign, verify, fed at most
    /// <see cref="Recording.Limit"/> bytes and no key), else CKR_STATE_UNSAVEABLE. The blob is <see cref="OperationStateBlob"/>.
    /// </summary>
    private void GetOperationState(ClientRequest req, ref WireReader r)
    {
        var capacity = r.ReadULong();
        r.ExpectEnd();
        if (_active.Count == 0) throw new CkException(CKR.OPERATION_NOT_INITIALIZED);
        var recordings = new List<Recording>();
        foreach (var kind in Enum.GetValues<OperationKind>())
        {
            if (!_active.TryGetValue(kind, out var active)) continue;
            if (active.Recording is not { Saveable: true } recording) throw new CkException(CKR.STATE_UNSAVEABLE);
            recordings.Add(recording);
        }

        var blob = OperationStateBlob.Seal(_stateKey, recordings);
        if (!Fits(req, (ulong)blob.Length, capacity)) return;
        _out.Reset();
        _out.WriteULong((ulong)blob.Length);
        _out.WriteBytes(blob);
        req.Reply(CKR.OK, _out);
    }

    /// <summary>
    /// C_SetOperationState (the token resolved the key handles): the saved operations start again with the keys the
    /// caller supplies and are fed what they had seen. The encryption key serves encrypt and decrypt, the
    /// authentication key sign and verify: CKR_KEY_NEEDED when one is missing, CKR_KEY_NOT_NEEDED when one is given
    /// and not needed, CKR_KEY_CHANGED when it is another key than the saved operation's.
    /// </summary>
    private void SetOperationState(BeginSetOperationState m)
    {
        var saved = OperationStateBlob.Open(_stateKey, m.State);
        var needEncryption = saved.Any(s => s.Origin.Kind is OperationKind.Encrypt or OperationKind.Decrypt);
        var needAuthentication = saved.Any(s => s.Origin.Kind is OperationKind.Sign or OperationKind.Verify);
        if ((m.EncryptionKey is not null && !needEncryption) || (m.AuthenticationKey is not null && !needAuthentication))
            throw new CkException(CKR.KEY_NOT_NEEDED);
        if ((needEncryption && m.EncryptionKey is null) || (needAuthentication && m.AuthenticationKey is null))
            throw new CkException(CKR.KEY_NEEDED);
        var restored = new Dictionary<OperationKind, Active>();
        foreach (var (origin, seen) in saved)
        {
            var kind = origin.Kind;
            if (!Enum.IsDefined(kind) || restored.ContainsKey(kind)) throw new CkException(CKR.SAVED_STATE_INVALID);
            var (info, impl) = Mechanism(origin.Mechanism, kind switch
            {
                OperationKind.Digest => CKF.DIGEST,
                OperationKind.Encrypt => CKF.ENCRYPT,
                OperationKind.Decrypt => CKF.DECRYPT,
                OperationKind.Sign => CKF.SIGN,
                OperationKind.Verify => CKF.VERIFY,
                _ => throw new CkException(CKR.SAVED_STATE_INVALID),
            }, origin.Parameter);
            object op;
            AttributeSet? opKey = null;
            if (kind == OperationKind.Digest)
            {
                var digest = impl.CreateDigest(origin.Mechanism, origin.Parameter);
                digest.Update(seen);
                op = digest;
            }
            else
            {
                var key = (kind is OperationKind.Encrypt or OperationKind.Decrypt ? m.EncryptionKey : m.AuthenticationKey)!.Attributes;
                opKey = key;
                if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(OperationStateBlob.KeyFingerprint(_stateKey, key), origin.KeyFingerprint))
                    throw new CkException(CKR.KEY_CHANGED);
                var (_, usage, _) = ForInit(kind switch
                {
                    OperationKind.Encrypt => Opcode.EncryptInit,
                    OperationKind.Decrypt => Opcode.DecryptInit,
                    OperationKind.Sign => Opcode.SignInit,
                    _ => Opcode.VerifyInit,
                });
                KeyUsage.Check(key, usage, origin.Mechanism, info);
                PolicyKeys(key);
                op = kind switch
                {
                    OperationKind.Encrypt => impl.CreateEncrypt(origin.Mechanism, origin.Parameter, key),
                    OperationKind.Decrypt => impl.CreateDecrypt(origin.Mechanism, origin.Parameter, key),
                    OperationKind.Sign => impl.CreateSign(origin.Mechanism, origin.Parameter, key),
                    _ => impl.CreateVerify(origin.Mechanism, origin.Parameter, key),
                };
                switch (op)
                {
                    case ICipherOperation cipher: System.Security.Cryptography.CryptographicOperations.ZeroMemory(cipher.Update(seen)); break;
                    case ISignOperation sign: sign.Update(seen); break;
                    case IVerifyOperation verify: verify.Update(seen); break;
                }
            }

            var recording = new Recording(origin);
            recording.Record(seen);
            var alwaysAuthenticate = kind is OperationKind.Sign or OperationKind.Decrypt
                && (kind == OperationKind.Sign ? m.AuthenticationKey : m.EncryptionKey)!.Attributes.IsTrue(CKA.ALWAYS_AUTHENTICATE);
            restored[kind] = new Active(op, recording) { AwaitsContextLogin = alwaysAuthenticate, Key = opKey };
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(seen);
        }

        _active.Clear();
        foreach (var (kind, active) in restored) _active[kind] = active;
        m.Client.Ok();
    }

    private Active Take(OperationKind kind)
    {
        var a = _active.TryGetValue(kind, out var found) ? found : throw new CkException(CKR.OPERATION_NOT_INITIALIZED);
        if (a.AwaitsContextLogin) throw new CkException(CKR.USER_NOT_LOGGED_IN, "the key needs C_Login(CKU_CONTEXT_SPECIFIC) for this use");
        return a;
    }

    private (MechanismInfo Info, IMechanism Impl) Mechanism(ulong type, ulong requiredFlag, byte[]? parameter = null)
    {
        Refuse(_policy.CheckMechanism(type));
        Refuse(_policy.CheckParameter(type, parameter));
        if (!_mechanisms.TryGet(type, out var info, out var impl) || (info.Flags & requiredFlag) == 0) throw new CkException(CKR.MECHANISM_INVALID);
        return (info, impl);
    }

    /// <summary>Keys used or made, against the slot's policy (min-strength, curves).</summary>
    private void PolicyKeys(params AttributeSet[] keys)
    {
        foreach (var key in keys) Refuse(_policy.CheckKey(key));
    }

    /// <summary>A policy refusal: one log line naming the rule (no key material), and its return code to the caller.</summary>
    private void Refuse(PolicyRefusal? refusal)
    {
        if (refusal is null) return;
        _log.Warning("policy of slot {0}: {1}", _slotId, refusal);
        throw new CkException(refusal.Rv, refusal.ToString());
    }

    /// <summary>
    /// Runs a call that returns data under the output rules of the wire protocol: a NULL or too-small buffer
    /// keeps the operation and the computed output, so the repeated call returns the same bytes.
    /// </summary>
    private void Deliver(ClientRequest req, OperationKind kind, Active active, byte[] input, ulong capacity, Func<object, byte[], byte[]> compute, bool ends)
    {
        byte[] output;
        if (active.StashOutput is not null && active.StashInput is not null && active.StashInput.AsSpan().SequenceEqual(input)) output = active.StashOutput;
        else
        {
            try
            {
                output = compute(active.Operation, input);
            }
            catch
            {
                _active.Remove(kind);
                throw;
            }
        }

        _out.Reset();
        _out.WriteULong((ulong)output.Length);
        if (capacity == Frame.NullBuffer || capacity < (ulong)output.Length)
        {
            active.StashInput = input;
            active.StashOutput = output;
            _out.WriteNullableBytes(null);
            req.Reply(capacity == Frame.NullBuffer ? CKR.OK : CKR.BUFFER_TOO_SMALL, _out);
            return;
        }

        active.StashInput = null;
        active.StashOutput = null;
        if (ends) _active.Remove(kind);
        _out.WriteBytes(output);
        req.Reply(CKR.OK, _out);
    }

    private void SinglePart(ClientRequest req, ref WireReader r, OperationKind kind, Func<object, byte[], byte[]> compute)
    {
        var data = r.ReadBytes();
        var capacity = r.ReadULong();
        r.ExpectEnd();
        Deliver(req, kind, Take(kind), data, capacity, compute, ends: true);
    }

    private void UpdateWithOutput(ClientRequest req, ref WireReader r, OperationKind kind)
    {
        var data = r.ReadBytes();
        var capacity = r.ReadULong();
        r.ExpectEnd();
        var active = Take(kind);
        Deliver(req, kind, active, data, capacity, (op, d) =>
        {
            var output = ((ICipherOperation)op).Update(d);
            active.Recording?.Record(d);
            return output;
        }, ends: false);
    }

    private void Update(ClientRequest req, ref WireReader r, OperationKind kind, Action<object, byte[]> update)
    {
        var data = r.ReadBytes();
        r.ExpectEnd();
        var active = Take(kind);
        try
        {
            update(active.Operation, data);
        }
        catch
        {
            _active.Remove(kind);
            throw;
        }

        active.Recording?.Record(data);
        req.Ok();
    }

    private void Final(ClientRequest req, ref WireReader r, OperationKind kind, Func<object, byte[]> final)
    {
        var capacity = r.ReadULong();
        r.ExpectEnd();
        Deliver(req, kind, Take(kind), [], capacity, (op, _) => final(op), ends: true);
    }

    // ------------------------------------------------------------------ operations started with a key

    private void Begin(BeginOperation m)
    {
        var (kind, usage, flag) = ForInit(m.Client.Opcode);
        if (_active.ContainsKey(kind)) throw new CkException(CKR.OPERATION_ACTIVE);
        var (info, impl) = Mechanism(m.Mechanism.Type, flag, m.Mechanism.Parameter);
        var key = m.Key.Attributes;
        KeyUsage.Check(key, usage, m.Mechanism.Type, info);
        PolicyKeys(key);
        var type = m.Mechanism.Type;
        var parameter = m.Mechanism.Parameter;
        object op = kind switch
        {
            OperationKind.Encrypt => impl.CreateEncrypt(type, parameter, key),
            OperationKind.Decrypt => impl.CreateDecrypt(type, parameter, key),
            OperationKind.Sign => impl.CreateSign(type, parameter, key),
            OperationKind.Verify => impl.CreateVerify(type, parameter, key),
            OperationKind.SignRecover => impl.CreateSignRecover(type, parameter, key),
            OperationKind.VerifyRecover => impl.CreateVerifyRecover(type, parameter, key),
            OperationKind.MessageEncrypt => new MessageCipher(type, impl, key, encrypt: true),
            OperationKind.MessageDecrypt => new MessageCipher(type, impl, key, encrypt: false),
            OperationKind.MessageSign or OperationKind.MessageVerify => NewMessageSigner(type, parameter, impl, key, kind == OperationKind.MessageSign),
            _ => throw new CkException(CKR.FUNCTION_NOT_SUPPORTED),
        };
        _stats?.Count(type, key);
        var recording = kind is OperationKind.Encrypt or OperationKind.Decrypt or OperationKind.Sign or OperationKind.Verify
            ? new Recording(new StateOrigin(kind, type, parameter, OperationStateBlob.KeyFingerprint(_stateKey, key)))
            : null;
        _active[kind] = new Active(op, recording)
        {
            Key = key,
            // CKA_ALWAYS_AUTHENTICATE: every use of the key for signing or decryption needs its own context login; a
            // message-based operation (C_MessageSignInit, C_MessageDecryptInit) is one use, its login covering its messages.
            AwaitsContextLogin = key.IsTrue(CKA.ALWAYS_AUTHENTICATE)
                                 && kind is OperationKind.Sign or OperationKind.SignRecover or OperationKind.Decrypt or OperationKind.MessageSign or OperationKind.MessageDecrypt,
        };
        m.Client.Ok();
    }

    // ------------------------------------------------------------------ PKCS#11 3.2

    /// <summary>C_EncapsulateKey: the ciphertext goes back (output rules: a NULL or short buffer gets its length and no key is made) with the new key's handle.</summary>
    private void Encapsulate(BeginEncapsulate m)
    {
        var (info, impl) = Mechanism(m.Mechanism.Type, CKF.ENCAPSULATE, m.Mechanism.Parameter);
        KeyUsage.Check(m.PublicKey.Attributes, CKA.ENCAPSULATE, m.Mechanism.Type, info);
        PolicyKeys(m.PublicKey.Attributes);
        var (ciphertext, produced) = impl.Encapsulate(m.Mechanism.Type, m.Mechanism.Parameter, m.PublicKey.Attributes, m.Template);
        if (!Fits(m.Client, (ulong)ciphertext.Length, m.Capacity)) return;
        var full = TemplateValidator.ForGenerated(m.Template, produced, ObjectOrigin.Derive, m.Mechanism.Type, m.PublicKey.Attributes);
        PolicyKeys(full);
        using var prefix = new WireWriter(16 + ciphertext.Length);
        prefix.WriteULong((ulong)ciphertext.Length);
        prefix.WriteBytes(ciphertext);
        _token.Tell(new StoreNewObjects(m.Client, _appId, _handle, [full], prefix.WrittenSpan.ToArray()));
    }

    private void Decapsulate(BeginDecapsulate m)
    {
        var (info, impl) = Mechanism(m.Mechanism.Type, CKF.DECAPSULATE, m.Mechanism.Parameter);
        KeyUsage.Check(m.PrivateKey.Attributes, CKA.DECAPSULATE, m.Mechanism.Type, info);
        PolicyKeys(m.PrivateKey.Attributes);
        var produced = impl.Decapsulate(m.Mechanism.Type, m.Mechanism.Parameter, m.PrivateKey.Attributes, m.Ciphertext, m.Template);
        var full = TemplateValidator.ForGenerated(m.Template, produced, ObjectOrigin.Derive, m.Mechanism.Type, m.PrivateKey.Attributes);
        PolicyKeys(full);
        _token.Tell(new StoreNewObjects(m.Client, _appId, _handle, [full]));
    }

    /// <summary>C_VerifySignatureInit: a verification as C_VerifyInit starts it, holding the signature for C_VerifySignature / C_VerifySignatureFinal.</summary>
    private void VerifySignatureInit(BeginVerifySignature m)
    {
        if (_active.ContainsKey(OperationKind.VerifySignature)) throw new CkException(CKR.OPERATION_ACTIVE);
        var (info, impl) = Mechanism(m.Mechanism.Type, CKF.VERIFY, m.Mechanism.Parameter);
        KeyUsage.Check(m.Key.Attributes, CKA.VERIFY, m.Mechanism.Type, info);
        PolicyKeys(m.Key.Attributes);
        var op = impl.CreateVerify(m.Mechanism.Type, m.Mechanism.Parameter, m.Key.Attributes);
        _active[OperationKind.VerifySignature] = new Active((op, m.Signature));
        m.Client.Ok();
    }

    private void DigestKey(BeginDigestKey m)
    {
        var active = Take(OperationKind.Digest);
        var key = m.Key.Attributes;
        if (key.GetULong(CKA.CLASS) != CKO.SECRET_KEY || !key.TryGet(CKA.VALUE, out var value)) throw new CkException(CKR.KEY_INDIGESTIBLE);
        ((IDigestOperation)active.Operation).Update(value);
        // Key material never goes into a state blob: a digest that has seen a key cannot be saved.
        active.Recording?.Forget();
        m.Client.Ok();
    }

    private void Wrap(BeginWrap m)
    {
        var (info, impl) = Mechanism(m.Mechanism.Type, CKF.WRAP, m.Mechanism.Parameter);
        KeyUsage.Check(m.WrappingKey.Attributes, CKA.WRAP, m.Mechanism.Type, info);
        KeyUsage.CheckWrap(m.WrappingKey.Attributes, m.Key.Attributes);
        PolicyKeys(m.WrappingKey.Attributes);
        var wrapped = impl.Wrap(m.Mechanism.Type, m.Mechanism.Parameter, m.WrappingKey.Attributes, KeyEncoding.Encode(m.Key.Attributes));
        _stats?.Count(m.Mechanism.Type, m.WrappingKey.Attributes);
        _out.Reset();
        _out.WriteULong((ulong)wrapped.Length);
        if (m.Capacity == Frame.NullBuffer || m.Capacity < (ulong)wrapped.Length)
        {
            _out.WriteNullableBytes(null);
            m.Client.Reply(m.Capacity == Frame.NullBuffer ? CKR.OK : CKR.BUFFER_TOO_SMALL, _out);
            return;
        }

        _out.WriteBytes(wrapped);
        m.Client.Reply(CKR.OK, _out);
    }

    private void Unwrap(BeginUnwrap m)
    {
        var (info, impl) = Mechanism(m.Mechanism.Type, CKF.UNWRAP, m.Mechanism.Parameter);
        KeyUsage.Check(m.UnwrappingKey.Attributes, CKA.UNWRAP, m.Mechanism.Type, info);
        PolicyKeys(m.UnwrappingKey.Attributes);
        var template = KeyUsage.ApplyKeyTemplate(m.Template, m.UnwrappingKey.Attributes, CKA.UNWRAP_TEMPLATE);
        var cls = template.GetULong(CKA.CLASS) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE);
        var keyType = template.GetULong(CKA.KEY_TYPE) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE);
        var encoding = impl.Unwrap(m.Mechanism.Type, m.Mechanism.Parameter, m.UnwrappingKey.Attributes, m.Wrapped);
        var produced = KeyEncoding.Decode(cls, keyType, encoding, template, impl.UnwrapsFromEnd(m.Mechanism.Type));
        var full = TemplateValidator.ForGenerated(template, produced, ObjectOrigin.Unwrap, m.Mechanism.Type, m.UnwrappingKey.Attributes);
        PolicyKeys(full);
        _stats?.Count(m.Mechanism.Type, m.UnwrappingKey.Attributes);
        _token.Tell(new StoreNewObjects(m.Client, _appId, _handle, [full]));
    }

    private void Derive(BeginDerive m)
    {
        var (info, impl) = Mechanism(m.Mechanism.Type, CKF.DERIVE, m.Mechanism.Parameter);
        KeyUsage.Check(m.BaseKey.Attributes, CKA.DERIVE, m.Mechanism.Type, info);
        PolicyKeys(m.BaseKey.Attributes);
        var template = KeyUsage.ApplyKeyTemplate(m.Template, m.BaseKey.Attributes, CKA.DERIVE_TEMPLATE);
        var made = m.OtherKey is { } other
            ? new DerivedObjects([new DerivedObject(template, impl.DeriveWithKey(m.Mechanism.Type, m.Mechanism.Parameter, m.BaseKey.Attributes, other.Attributes, template))], null)
            : impl.DeriveAll(m.Mechanism.Type, m.Mechanism.Parameter, m.BaseKey.Attributes, template);
        _stats?.Count(m.Mechanism.Type, m.BaseKey.Attributes);
        var source = m.OtherKey is { } o2 ? OpenCryptokiActors.Tokens.Mechanisms.Derive.ConcatenateBaseAndKey.Source(m.BaseKey.Attributes, o2.Attributes) : m.BaseKey.Attributes;
        var full = made.Objects.Select(o => TemplateValidator.ForGenerated(o.Template, o.Produced, ObjectOrigin.Derive, m.Mechanism.Type, source)).ToList();
        PolicyKeys([.. full]);
        _token.Tell(new StoreNewObjects(m.Client, _appId, _handle, full) { Output = made.Output });
    }

    private void GenerateKey(ClientRequest req, ref WireReader r)
    {
        var mech = r.ReadMechanism();
        var template = AttributeSet.FromTemplate(r.ReadTemplate());
        r.ExpectEnd();
        var (_, impl) = Mechanism(mech.Type, CKF.GENERATE, mech.Parameter);
        var produced = impl.GenerateKey(mech.Type, mech.Parameter, template);
        var full = TemplateValidator.ForGenerated(template, produced, ObjectOrigin.Generate, mech.Type, null);
        PolicyKeys(full);
        _stats?.Count(mech.Type, full);
        _token.Tell(new StoreNewObjects(req, _appId, _handle, [full]));
    }

    private void GenerateKeyPair(ClientRequest req, ref WireReader r)
    {
        var mech = r.ReadMechanism();
        var publicTemplate = AttributeSet.FromTemplate(r.ReadTemplate());
        var privateTemplate = AttributeSet.FromTemplate(r.ReadTemplate());
        r.ExpectEnd();
        var (_, impl) = Mechanism(mech.Type, CKF.GENERATE_KEY_PAIR, mech.Parameter);
        var (pub, priv) = impl.GenerateKeyPair(mech.Type, mech.Parameter, publicTemplate, privateTemplate);
        var fullPublic = TemplateValidator.ForGenerated(publicTemplate, pub, ObjectOrigin.GenerateKeyPair, mech.Type, null);
        var fullPrivate = TemplateValidator.ForGenerated(privateTemplate, priv, ObjectOrigin.GenerateKeyPair, mech.Type, null);
        PolicyKeys(fullPublic, fullPrivate);
        _stats?.Count(mech.Type, fullPrivate);
        _token.Tell(new StoreNewObjects(req, _appId, _handle, [fullPublic, fullPrivate]));
    }
}
