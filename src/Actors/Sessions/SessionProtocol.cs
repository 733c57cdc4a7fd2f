using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Actors.Sessions;

/// <summary>
/// A SessionActor receives <see cref="Server.ClientRequest"/>s for its operation state (see
/// OpcodeRoutes.IsSessionLocal) and the TokenProtocol Begin* messages carrying key snapshots.
/// This file holds the vocabulary of its operations.
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

    /// <summary>For a *Init opcode: the operation kind, the key attribute that must allow it and the CKF_ flag the mechanism must have.</summary>
    public static (OperationKind Kind, ulong UsageAttribute, ulong MechanismFlag) ForInit(Opcode op) => op switch
    {
        Opcode.EncryptInit => (OperationKind.Encrypt, CKA.ENCRYPT, CKF.ENCRYPT),
        Opcode.DecryptInit => (OperationKind.Decrypt, CKA.DECRYPT, CKF.DECRYPT),
        Opcode.SignInit => (OperationKind.Sign, CKA.SIGN, CKF.SIGN),
        Opcode.VerifyInit => (OperationKind.Verify, CKA.VERIFY, CKF.VERIFY),
        Opcode.SignRecoverInit => (OperationKind.SignRecover, CKA.SIGN_RECOVER, CKF.SIGN_RECOVER),
        Opcode.VerifyRecoverInit => (OperationKind.VerifyRecover, CKA.VERIFY_RECOVER, CKF.VERIFY_RECOVER),
        Opcode.MessageEncryptInit => (OperationKind.MessageEncrypt, CKA.ENCRYPT, CKF.MESSAGE_ENCRYPT),
        Opcode.MessageDecryptInit => (OperationKind.MessageDecrypt, CKA.DECRYPT, CKF.MESSAGE_DECRYPT),
        Opcode.MessageSignInit => (OperationKind.MessageSign, CKA.SIGN, CKF.MESSAGE_SIGN),
        Opcode.MessageVerifyInit => (OperationKind.MessageVerify, CKA.VERIFY, CKF.MESSAGE_VERIFY),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };
}
