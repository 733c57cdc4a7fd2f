using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens;
using OpenCryptokiActors.Tokens.State;
using OpenCryptokiActors.Tokens.Zcrypt;
using OpenCryptokiActors.Tokens.Mechanisms;

namespace OpenCryptokiActors.Actors.Sessions;

/// <summary>
/// Where an operation is in its life (PKCS#11 3.0 §5.2 and each function's description): a single-part call may only
/// follow the Init directly or a length query / CKR_BUFFER_TOO_SMALL of the same single-part call; once an Update (or a
/// Final's length query) has been made, single-part calls are CKR_OPERATION_ACTIVE, and after a single-part length
/// query Updates are.
/// </summary>
public enum OperationPhase
{
    Initialized,
    SinglePartPending,
    MultiPart,
}

/// <summary>
/// One active operation of a session: what it can do is its type (cipher, digest, sign, verify, recover, message-based);
/// a call its type does not serve is CKR_FUNCTION_FAILED (the routing never sends one). Also what every operation
/// carries: its recording for C_GetOperationState, the CKA_ALWAYS_AUTHENTICATE gate and the output of a call whose
/// buffer was NULL or short, returned again by the repeated call.
/// </summary>
public abstract class ActiveOperation
{
    /// <summary>What the operation has been fed, for C_GetOperationState; null for operations that are never saveable.</summary>
    public Recording? Recording { get; set; }

    /// <summary>A sign or decrypt operation with a CKA_ALWAYS_AUTHENTICATE key, waiting for C_Login(CKU_CONTEXT_SPECIFIC).</summary>
    public bool AwaitsContextLogin { get; set; }

    public OperationPhase Phase { get; set; }

    /// <summary>The key the operation was started with (keyed operations): a fork()ed child's copy starts again with it.</summary>
    public OpenCryptokiActors.Tokens.Objects.AttributeSet? Key { get; set; }

    public byte[]? StashInput { get; set; }

    public byte[]? StashOutput { get; set; }

    private static CkException NotServed() => new(CKR.FUNCTION_FAILED, "the operation does not serve this call");

    public virtual byte[] OneShot(ReadOnlySpan<byte> data) => throw NotServed();

    /// <summary>An Update of an operation that returns output (encrypt, decrypt).</summary>
    public virtual byte[] UpdateWithOutput(ReadOnlySpan<byte> data) => throw NotServed();

    /// <summary>An Update without output (digest, sign, verify).</summary>
    public virtual void Update(ReadOnlySpan<byte> data) => throw NotServed();

    public virtual byte[] Final() => throw NotServed();

    public virtual bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => throw NotServed();

    public virtual bool VerifyFinal(ReadOnlySpan<byte> signature) => throw NotServed();

    /// <summary>A zcrypt token's private-key operation, whose last step the device pool runs (DeviceRsaHandoff); null for any other.</summary>
    public virtual IDeviceRsaOperation? Device => null;
}

public sealed class CipherOperation(ICipherOperation cipher) : ActiveOperation
{
    public override IDeviceRsaOperation? Device => cipher as IDeviceRsaOperation;

    public override byte[] OneShot(ReadOnlySpan<byte> data) => cipher.OneShot(data);

    public override byte[] UpdateWithOutput(ReadOnlySpan<byte> data) => cipher.Update(data);

    public override byte[] Final() => cipher.Final();
}

public sealed class DigestOperation(IDigestOperation digest) : ActiveOperation
{
    public override byte[] OneShot(ReadOnlySpan<byte> data) => digest.OneShot(data);

    public override void Update(ReadOnlySpan<byte> data) => digest.Update(data);

    public override byte[] Final() => digest.Final();
}

public sealed class SignOperation(ISignOperation signer) : ActiveOperation
{
    public override IDeviceRsaOperation? Device => signer as IDeviceRsaOperation;

    public override byte[] OneShot(ReadOnlySpan<byte> data) => signer.OneShot(data);

    public override void Update(ReadOnlySpan<byte> data) => signer.Update(data);

    public override byte[] Final() => signer.Final();
}

public sealed class VerifyOperation(IVerifyOperation verifier) : ActiveOperation
{
    public override void Update(ReadOnlySpan<byte> data) => verifier.Update(data);

    public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => verifier.OneShot(data, signature);

    public override bool VerifyFinal(ReadOnlySpan<byte> signature) => verifier.Final(signature);
}

public sealed class RecoverOperation(IRecoverOperation recover) : ActiveOperation
{
    public override byte[] OneShot(ReadOnlySpan<byte> data) => recover.OneShot(data);
}

/// <summary>C_VerifySignatureInit (3.2): a verification holding the signature given at init.</summary>
public sealed class VerifySignatureOperation(IVerifyOperation verifier, byte[] signature) : ActiveOperation
{
    public override void Update(ReadOnlySpan<byte> data) => verifier.Update(data);

    public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> _) => verifier.OneShot(data, signature);

    public override bool VerifyFinal(ReadOnlySpan<byte> _) => verifier.Final(signature);

    public byte[] Signature => signature;
}

public sealed class MessageCipherOperation(MessageCipher cipher) : ActiveOperation
{
    public MessageCipher Cipher { get; } = cipher;
}

public sealed class MessageSignerOperation(MessageSigner signer) : ActiveOperation
{
    public MessageSigner Signer { get; } = signer;
}
