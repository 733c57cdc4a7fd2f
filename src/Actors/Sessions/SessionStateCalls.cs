using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens;
using OpenCryptokiActors.Tokens.State;
using static OpenCryptokiActors.Actors.Sessions.SessionCommands;
using static OpenCryptokiActors.Actors.Sessions.SessionProtocol;

namespace OpenCryptokiActors.Actors.Sessions;

/// <summary>C_GetOperationState and C_SetOperationState of a session (the blob is <see cref="OperationStateBlob"/>).</summary>
public sealed class SessionStateCalls(SessionContext ctx)
{
    /// <summary>
    /// Every active operation must be saveable (digest, encrypt, decrypt, sign, verify, fed at most
    /// <see cref="Recording.Limit"/> bytes and no key), else CKR_STATE_UNSAVEABLE.
    /// </summary>
    public void Get(GetOperationState c)
    {
        if (ctx.Active.Count == 0) throw new CkException(CKR.OPERATION_NOT_INITIALIZED);
        var recordings = new List<Recording>();
        foreach (var kind in Enum.GetValues<OperationKind>())
        {
            if (!ctx.Active.TryGetValue(kind, out var active)) continue;
            if (active.Recording is not { Saveable: true } recording) throw new CkException(CKR.STATE_UNSAVEABLE);
            recordings.Add(recording);
        }

        var blob = OperationStateBlob.Seal(ctx.StateKey, recordings);
        if (!SessionMessageCalls.Fits(c, (ulong)blob.Length, c.Capacity)) return;
        c.Ok(Output.Delivered(blob));
    }

    /// <summary>
    /// The saved operations start again with the keys the caller supplies and are fed what they had seen. The encryption
    /// key serves encrypt and decrypt, the authentication key sign and verify: CKR_KEY_NEEDED when one is missing,
    /// CKR_KEY_NOT_NEEDED when one is given and not needed, CKR_KEY_CHANGED when it is another key than the saved operation's.
    /// </summary>
    public void Set(BeginSetOperationState m)
    {
        var saved = OperationStateBlob.Open(ctx.StateKey, m.State);
        var needEncryption = saved.Any(s => (OperationKind)s.Origin.Kind is OperationKind.Encrypt or OperationKind.Decrypt);
        var needAuthentication = saved.Any(s => (OperationKind)s.Origin.Kind is OperationKind.Sign or OperationKind.Verify);
        if ((m.EncryptionKey is not null && !needEncryption) || (m.AuthenticationKey is not null && !needAuthentication))
            throw new CkException(CKR.KEY_NOT_NEEDED);
        if ((needEncryption && m.EncryptionKey is null) || (needAuthentication && m.AuthenticationKey is null))
            throw new CkException(CKR.KEY_NEEDED);
        var restored = new Dictionary<OperationKind, ActiveOperation>();
        foreach (var (origin, seen) in saved)
        {
            var kind = (OperationKind)origin.Kind;
            if (!Enum.IsDefined(kind) || restored.ContainsKey(kind)) throw new CkException(CKR.SAVED_STATE_INVALID);
            restored[kind] = Restore(origin, seen, m);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(seen);
        }

        ctx.Active.Clear();
        foreach (var (kind, active) in restored) ctx.Active[kind] = active;
        m.Ok();
    }

    private ActiveOperation Restore(StateOrigin origin, byte[] seen, BeginSetOperationState m)
    {
        var kind = (OperationKind)origin.Kind;
        if (kind is not (OperationKind.Digest or OperationKind.Encrypt or OperationKind.Decrypt or OperationKind.Sign or OperationKind.Verify))
            throw new CkException(CKR.SAVED_STATE_INVALID);
        var (usage, flag) = ForInit(kind);
        var mechanism = new WireMechanism(origin.Mechanism, origin.Parameter);
        var recording = new Recording(origin);
        recording.Record(seen);
        if (kind == OperationKind.Digest)
        {
            var (_, digestImpl) = ctx.Mechanism(origin.Mechanism, flag, origin.Parameter);
            var digest = new DigestOperation(digestImpl.CreateDigest(origin.Mechanism, origin.Parameter)) { Recording = recording };
            digest.Update(seen);
            digest.Phase = seen.Length > 0 ? OperationPhase.MultiPart : OperationPhase.Initialized;
            return digest;
        }

        var key = (kind is OperationKind.Encrypt or OperationKind.Decrypt ? m.EncryptionKey : m.AuthenticationKey)!.Attributes;
        var (_, impl) = ctx.Mechanism(origin.Mechanism, flag, origin.Parameter);
        if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(OperationStateBlob.KeyFingerprint(ctx.StateKey, key), origin.KeyFingerprint))
            throw new CkException(CKR.KEY_CHANGED);
        ctx.KeyUse(mechanism, flag, key, usage);
        ActiveOperation op = kind switch
        {
            OperationKind.Encrypt => new CipherOperation(impl.CreateEncrypt(origin.Mechanism, origin.Parameter, key)),
            OperationKind.Decrypt => new CipherOperation(impl.CreateDecrypt(origin.Mechanism, origin.Parameter, key)),
            OperationKind.Sign => new SignOperation(impl.CreateSign(origin.Mechanism, origin.Parameter, key)),
            _ => new VerifyOperation(impl.CreateVerify(origin.Mechanism, origin.Parameter, key)),
        };
        if (op is CipherOperation) System.Security.Cryptography.CryptographicOperations.ZeroMemory(op.UpdateWithOutput(seen));
        else op.Update(seen);
        op.Phase = seen.Length > 0 ? OperationPhase.MultiPart : OperationPhase.Initialized;
        return ctx.Gate(op, kind, key, recording);
    }
}
