using System.Collections.Immutable;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Actors.Sessions;

/// <summary>
/// The vocabulary of a session's operations, and the hand-overs a SessionActor receives from its token: a call the
/// token resolved (key handles made into key snapshots) for the session to carry out. Each hand-over answers the
/// original caller (its <see cref="Request.Id"/> and <see cref="Request.ReplyTo"/>).
/// </summary>
public static class SessionProtocol
{
    /// <summary>The kinds of operation a session can have active at once (one of each).</summary>
    public enum OperationKind
    {
        Encrypt,
        Decrypt,
        Digest,
        Sign,
        Verify,
        SignRecover,
        VerifyRecover,
        MessageEncrypt,
        MessageDecrypt,
        MessageSign,
        MessageVerify,

        /// <summary>PKCS#11 3.2 C_VerifySignatureInit: a verification whose signature came with the init.</summary>
        VerifySignature,
    }

    /// <summary>For a *Init: the key attribute that must allow it and the CKF_ flag the mechanism must have.</summary>
    public static (ulong UsageAttribute, ulong MechanismFlag) ForInit(OperationKind kind) => kind switch
    {
        OperationKind.Encrypt => (CKA.ENCRYPT, CKF.ENCRYPT),
        OperationKind.Decrypt => (CKA.DECRYPT, CKF.DECRYPT),
        OperationKind.Sign => (CKA.SIGN, CKF.SIGN),
        OperationKind.Verify or OperationKind.VerifySignature => (CKA.VERIFY, CKF.VERIFY),
        OperationKind.SignRecover => (CKA.SIGN_RECOVER, CKF.SIGN_RECOVER),
        OperationKind.VerifyRecover => (CKA.VERIFY_RECOVER, CKF.VERIFY_RECOVER),
        OperationKind.MessageEncrypt => (CKA.ENCRYPT, CKF.MESSAGE_ENCRYPT),
        OperationKind.MessageDecrypt => (CKA.DECRYPT, CKF.MESSAGE_DECRYPT),
        OperationKind.MessageSign => (CKA.SIGN, CKF.MESSAGE_SIGN),
        OperationKind.MessageVerify => (CKA.VERIFY, CKF.MESSAGE_VERIFY),
        OperationKind.Digest => (0, CKF.DIGEST),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The C_SessionCancel flag (CKF_ENCRYPT …) that names an operation kind.</summary>
    public static ulong CancelFlag(OperationKind kind) => kind switch
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

    /// <summary>A call the token resolved and hands to the session actor: one caller waits for its answer.</summary>
    public abstract record SessionBegin : Request;

    /// <summary>A key resolved for an operation: the handle and its full (unsealed) attributes, frozen for the session.</summary>
    public sealed record KeySnapshot(ulong Handle, AttributeSet Attributes) : IProtocolMessage;

    /// <summary>*Init with a key the token resolved and found visible: the session checks usage and starts the operation.</summary>
    public sealed record BeginOperation(OperationKind Kind, WireMechanism Mechanism, KeySnapshot Key) : SessionBegin;

    public sealed record BeginDigestKey(KeySnapshot Key) : SessionBegin;

    /// <summary>C_SetOperationState with the keys the token resolved (null for handle 0): the session restores the saved operations.</summary>
    public sealed record BeginSetOperationState(byte[] State, KeySnapshot? EncryptionKey, KeySnapshot? AuthenticationKey) : SessionBegin;

    public sealed record BeginWrap(WireMechanism Mechanism, KeySnapshot WrappingKey, KeySnapshot Key, ulong Capacity) : SessionBegin;

    public sealed record BeginUnwrap(WireMechanism Mechanism, KeySnapshot UnwrappingKey, byte[] Wrapped, Template Template) : SessionBegin;

    public sealed record BeginDerive(WireMechanism Mechanism, KeySnapshot BaseKey, Template Template) : SessionBegin
    {
        /// <summary>The second key a derivation's parameter names (CKM_CONCATENATE_BASE_AND_KEY), resolved like the base key.</summary>
        public KeySnapshot? OtherKey { get; init; }
    }

    /// <summary>
    /// C_IBM_ReencryptSingle with both keys resolved: decrypt under <paramref name="DecryptKey"/>, encrypt under
    /// <paramref name="EncryptKey"/>, the plaintext never leaving the session.
    /// </summary>
    public sealed record BeginReencrypt(WireMechanism DecryptMechanism, KeySnapshot DecryptKey, WireMechanism EncryptMechanism, KeySnapshot EncryptKey,
        byte[] Data, ulong Capacity) : SessionBegin;

    /// <summary>C_EncapsulateKey (3.2) with the public key resolved; <paramref name="Capacity"/> as the wire's <c>cap</c>.</summary>
    public sealed record BeginEncapsulate(WireMechanism Mechanism, KeySnapshot PublicKey, Template Template, ulong Capacity) : SessionBegin;

    /// <summary>C_DecapsulateKey (3.2) with the private key resolved.</summary>
    public sealed record BeginDecapsulate(WireMechanism Mechanism, KeySnapshot PrivateKey, Template Template, byte[] Ciphertext) : SessionBegin;

    /// <summary>C_VerifySignatureInit (3.2) with the key resolved: the signature is known before the data.</summary>
    public sealed record BeginVerifySignature(WireMechanism Mechanism, KeySnapshot Key, byte[] Signature) : SessionBegin;

    /// <summary>
    /// A C_Login(CKU_CONTEXT_SPECIFIC) of this session succeeded: its operations with a CKA_ALWAYS_AUTHENTICATE key may
    /// go on (told to the session before the login is answered).
    /// </summary>
    public sealed record ContextLoggedIn : IProtocolMessage
    {
        public static readonly ContextLoggedIn Instance = new();
    }

    /// <summary>Objects a hand-over made, frozen for the token to store.</summary>
    public static ImmutableArray<AttributeSet> Frozen(params AttributeSet[] objects)
    {
        foreach (var o in objects) o.Freeze();
        return ImmutableArray.Create(objects);
    }
}
