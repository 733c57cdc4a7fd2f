using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Cryptoki.Wire;
using static OpenCryptokiActors.Actors.Sessions.SessionProtocol;

namespace OpenCryptokiActors.Actors.Sessions;

/// <summary>A call the session's own actor serves (operation state, key generation, random): routed by <see cref="Session"/>.</summary>
public interface ISessionCommand : IProtocolMessage
{
    ulong Session { get; }
}

/// <summary>
/// The commands of a SessionActor: one record per shape of C_ function, the operation named by its kind. Data arguments
/// are the caller's bytes; <c>Capacity</c> is the caller's output buffer size, <see cref="Frame.NullBuffer"/> for a NULL
/// output pointer (a length query).
/// </summary>
public static class SessionCommands
{
    public abstract record SessionRequest(ulong Session) : Request, ISessionCommand;

    /// <summary>C_DigestInit.</summary>
    public sealed record DigestInit(ulong Session, WireMechanism Mechanism) : SessionRequest(Session);

    /// <summary>C_Encrypt, C_Decrypt, C_Digest, C_Sign, C_SignRecover, C_VerifyRecover.</summary>
    public sealed record SinglePart(ulong Session, OperationKind Kind, byte[] Data, ulong Capacity) : SessionRequest(Session);

    /// <summary>C_EncryptUpdate, C_DecryptUpdate.</summary>
    public sealed record UpdateWithOutput(ulong Session, OperationKind Kind, byte[] Data, ulong Capacity) : SessionRequest(Session);

    /// <summary>C_DigestUpdate, C_SignUpdate, C_VerifyUpdate, C_VerifySignatureUpdate.</summary>
    public sealed record Update(ulong Session, OperationKind Kind, byte[] Data) : SessionRequest(Session);

    /// <summary>C_EncryptFinal, C_DecryptFinal, C_DigestFinal, C_SignFinal.</summary>
    public sealed record Final(ulong Session, OperationKind Kind, ulong Capacity) : SessionRequest(Session);

    /// <summary>C_Verify.</summary>
    public sealed record Verify(ulong Session, byte[] Data, byte[] Signature) : SessionRequest(Session);

    /// <summary>C_VerifyFinal.</summary>
    public sealed record VerifyFinal(ulong Session, byte[] Signature) : SessionRequest(Session);

    /// <summary>C_VerifySignature (3.2).</summary>
    public sealed record VerifySignature(ulong Session, byte[] Data) : SessionRequest(Session);

    /// <summary>C_VerifySignatureFinal (3.2).</summary>
    public sealed record VerifySignatureFinal(ulong Session) : SessionRequest(Session);

    /// <summary>The dual-function updates (§5.13).</summary>
    public enum DualKind
    {
        DigestEncrypt,
        DecryptDigest,
        SignEncrypt,
        DecryptVerify,
    }

    /// <summary>C_DigestEncryptUpdate, C_DecryptDigestUpdate, C_SignEncryptUpdate, C_DecryptVerifyUpdate.</summary>
    public sealed record DualUpdate(ulong Session, DualKind Kind, byte[] Part, ulong Capacity) : SessionRequest(Session);

    /// <summary>C_SessionCancel (3.0): the CKF_ flags of the operations to end.</summary>
    public sealed record Cancel(ulong Session, ulong Flags) : SessionRequest(Session);

    /// <summary>C_GetOperationState.</summary>
    public sealed record GetOperationState(ulong Session, ulong Capacity) : SessionRequest(Session);

    /// <summary>C_GenerateKey.</summary>
    public sealed record GenerateKey(ulong Session, WireMechanism Mechanism, Template Template) : SessionRequest(Session);

    /// <summary>C_GenerateKeyPair.</summary>
    public sealed record GenerateKeyPair(ulong Session, WireMechanism Mechanism, Template PublicTemplate, Template PrivateTemplate) : SessionRequest(Session);

    /// <summary>C_GenerateRandom.</summary>
    public sealed record GenerateRandom(ulong Session, ulong Length) : SessionRequest(Session);

    /// <summary>C_SeedRandom.</summary>
    public sealed record SeedRandom(ulong Session, byte[] Seed) : SessionRequest(Session);

    // ---- message-based functions (3.0 §5.15–5.18)

    /// <summary>C_EncryptMessage.</summary>
    public sealed record EncryptMessage(ulong Session, MessageParams Parameter, byte[] Aad, byte[] Data, ulong Capacity) : SessionRequest(Session);

    /// <summary>C_DecryptMessage.</summary>
    public sealed record DecryptMessage(ulong Session, MessageParams Parameter, byte[] Aad, byte[] Data, ulong Capacity) : SessionRequest(Session);

    /// <summary>C_EncryptMessageBegin, C_DecryptMessageBegin (<paramref name="Kind"/>: MessageEncrypt or MessageDecrypt).</summary>
    public sealed record CipherMessageBegin(ulong Session, OperationKind Kind, MessageParams Parameter, byte[] Aad) : SessionRequest(Session);

    /// <summary>C_EncryptMessageNext, C_DecryptMessageNext.</summary>
    public sealed record CipherMessageNext(ulong Session, OperationKind Kind, MessageParams Parameter, byte[] Part, ulong Flags, ulong Capacity)
        : SessionRequest(Session);

    /// <summary>C_SignMessage.</summary>
    public sealed record SignMessage(ulong Session, byte[]? Parameter, byte[] Data, ulong Capacity) : SessionRequest(Session);

    /// <summary>C_VerifyMessage.</summary>
    public sealed record VerifyMessage(ulong Session, byte[]? Parameter, byte[] Data, byte[] Signature) : SessionRequest(Session);

    /// <summary>C_SignMessageBegin, C_VerifyMessageBegin (<paramref name="Kind"/>: MessageSign or MessageVerify).</summary>
    public sealed record SignerMessageBegin(ulong Session, OperationKind Kind, byte[]? Parameter) : SessionRequest(Session);

    /// <summary>C_SignMessageNext: <paramref name="Last"/> when the caller asked for the signature.</summary>
    public sealed record SignMessageNext(ulong Session, byte[]? Parameter, byte[] Part, bool Last, ulong Capacity) : SessionRequest(Session);

    /// <summary>C_VerifyMessageNext: <paramref name="Signature"/> null for a part that is not the last.</summary>
    public sealed record VerifyMessageNext(ulong Session, byte[]? Parameter, byte[] Part, byte[]? Signature) : SessionRequest(Session);

    /// <summary>C_MessageEncryptFinal, C_MessageDecryptFinal, C_MessageSignFinal, C_MessageVerifyFinal.</summary>
    public sealed record MessageFinal(ulong Session, OperationKind Kind) : SessionRequest(Session);
}
