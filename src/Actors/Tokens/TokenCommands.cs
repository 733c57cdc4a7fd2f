using Akka.Actor;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using static OpenCryptokiActors.Actors.Sessions.SessionProtocol;

namespace OpenCryptokiActors.Actors.Tokens;

/// <summary>A call the slot's TokenActor serves.</summary>
public interface ITokenCommand : IProtocolMessage;

/// <summary>A token call that journals (it waits for a write in flight and is group-committed with others).</summary>
public interface ITokenWrite : ITokenCommand;

/// <summary>A write whose validation reads the committed state of one object (copy, destroy, set): two of them on one object are not batched.</summary>
public interface ITouchesObject
{
    ulong Object { get; }
}

/// <summary>
/// The PKCS#11 calls a TokenActor serves. <see cref="TokenRequest.Caller"/> is set by whoever routes the call (the edge,
/// the application); session calls also carry the session's actor, to which the token hands keys (the Init calls).
/// </summary>
public static class TokenCommands
{
    public abstract record TokenRequest : Request, ITokenCommand
    {
        public Caller Caller { get; init; } = new(0, null);
    }

    /// <summary>A call on an open session.</summary>
    public abstract record SessionTokenRequest(ulong Session) : TokenRequest
    {
        /// <summary>The session's actor (set by the router): where keys for operations go.</summary>
        public IActorRef? SessionActor { get; init; }
    }

    // ---- slot-level

    /// <summary>C_GetTokenInfo.</summary>
    public sealed record GetTokenInfo(ulong Slot) : TokenRequest;

    /// <summary>C_InitToken.</summary>
    public sealed record InitToken(ulong Slot, byte[] SoPin, string Label) : TokenRequest, ITokenWrite;

    /// <summary>C_CloseAllSessions (the application has stopped its session actors already).</summary>
    public sealed record CloseAllSessions(ulong Slot) : TokenRequest;

    /// <summary>C_OpenSession with the handle the application allocated; answered to <paramref name="Application"/> with <see cref="SessionOpenResult"/>.</summary>
    public sealed record OpenSession(ulong Handle, ulong Flags, Request Origin, IActorRef Application) : TokenRequest;

    public sealed record SessionOpenResult(Request Origin, ulong Handle, ulong Rv) : IProtocolMessage;

    // ---- sessions and login

    public sealed record CloseSession(ulong Session) : SessionTokenRequest(Session);

    public sealed record GetSessionInfo(ulong Session) : SessionTokenRequest(Session);

    public sealed record Login(ulong Session, ulong UserType, byte[] Pin) : SessionTokenRequest(Session), ITokenWrite;

    public sealed record Logout(ulong Session) : SessionTokenRequest(Session);

    public sealed record InitPin(ulong Session, byte[] Pin) : SessionTokenRequest(Session), ITokenWrite;

    public sealed record SetPin(ulong Session, byte[] OldPin, byte[] NewPin) : SessionTokenRequest(Session), ITokenWrite;

    // ---- objects

    public sealed record CreateObject(ulong Session, Template Template) : SessionTokenRequest(Session), ITokenWrite;

    public sealed record CopyObject(ulong Session, ulong Object, Template Template) : SessionTokenRequest(Session), ITokenWrite, ITouchesObject;

    public sealed record DestroyObject(ulong Session, ulong Object) : SessionTokenRequest(Session), ITokenWrite, ITouchesObject;

    public sealed record GetObjectSize(ulong Session, ulong Object) : SessionTokenRequest(Session);

    /// <summary>One asked attribute of C_GetAttributeValue: its type and the caller's buffer size (<see cref="Frame.NullBuffer"/>: pValue NULL).</summary>
    public readonly record struct AttributeQuery(ulong Type, ulong Capacity);

    public sealed record GetAttributeValue(ulong Session, ulong Object, System.Collections.Immutable.ImmutableArray<AttributeQuery> Attributes)
        : SessionTokenRequest(Session);

    public sealed record SetAttributeValue(ulong Session, ulong Object, Template Template) : SessionTokenRequest(Session), ITokenWrite, ITouchesObject;

    public sealed record FindObjectsInit(ulong Session, Template Template) : SessionTokenRequest(Session);

    public sealed record FindObjects(ulong Session, ulong MaxCount) : SessionTokenRequest(Session);

    public sealed record FindObjectsFinal(ulong Session) : SessionTokenRequest(Session);

    // ---- calls that need a key: the token resolves it and hands a snapshot to the session

    /// <summary>C_EncryptInit, C_DecryptInit, C_SignInit, C_VerifyInit, C_SignRecoverInit, C_VerifyRecoverInit, C_Message*Init.</summary>
    public sealed record InitOperation(ulong Session, OperationKind Kind, WireMechanism Mechanism, ulong Key) : SessionTokenRequest(Session);

    public sealed record DigestKey(ulong Session, ulong Key) : SessionTokenRequest(Session);

    public sealed record SetOperationState(ulong Session, byte[] State, ulong EncryptionKey, ulong AuthenticationKey) : SessionTokenRequest(Session);

    public sealed record VerifySignatureInit(ulong Session, WireMechanism Mechanism, ulong Key, byte[] Signature) : SessionTokenRequest(Session);

    public sealed record WrapKey(ulong Session, WireMechanism Mechanism, ulong WrappingKey, ulong Key, ulong Capacity) : SessionTokenRequest(Session);

    public sealed record UnwrapKey(ulong Session, WireMechanism Mechanism, ulong UnwrappingKey, byte[] Wrapped, Template Template) : SessionTokenRequest(Session);

    public sealed record DeriveKey(ulong Session, WireMechanism Mechanism, ulong BaseKey, Template Template) : SessionTokenRequest(Session);

    public sealed record EncapsulateKey(ulong Session, WireMechanism Mechanism, ulong PublicKey, Template Template, ulong Capacity) : SessionTokenRequest(Session);

    public sealed record DecapsulateKey(ulong Session, WireMechanism Mechanism, ulong PrivateKey, Template Template, byte[] Ciphertext) : SessionTokenRequest(Session);

    /// <summary>C_IBM_ReencryptSingle (openCryptoki's "Vendor IBM" 1.0): decrypt under one key, encrypt under another, in the session.</summary>
    public sealed record ReencryptSingle(ulong Session, WireMechanism DecryptMechanism, ulong DecryptKey, WireMechanism EncryptMechanism, ulong EncryptKey,
        byte[] Data, ulong Capacity) : SessionTokenRequest(Session);

    /// <summary>
    /// New objects a session made (generate, unwrap, derive, encapsulate), validated already, to be stored; answered to
    /// <see cref="Request.ReplyTo"/> with <see cref="NewObjects"/>, or <see cref="Encapsulated"/> when <paramref name="Ciphertext"/> is set.
    /// </summary>
    public sealed record StoreNewObjects(ulong Session, System.Collections.Immutable.ImmutableArray<AttributeSet> Objects, byte[]? Ciphertext = null,
        byte[]? Trailer = null) : SessionTokenRequest(Session), ITokenWrite;
}
