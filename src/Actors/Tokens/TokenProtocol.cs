using Akka.Actor;
using OpenCryptokiActors.Actors.Applications;
using OpenCryptokiActors.Actors.Server;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Actors.Tokens;

/// <summary>Messages of the TokenActor and the replies it sends to sessions.</summary>
public static class TokenProtocol
{
    /// <summary>Marker of every command the TokenActor serves.</summary>
    public interface ITokenCommand;

    /// <summary>
    /// A client request for this token. <paramref name="Session"/> is the session actor for session-scoped calls;
    /// <paramref name="Peer"/> the application's peer credentials (pid, uid) for the audit trail.
    /// </summary>
    public sealed record Request(ClientRequest Client, ulong AppId, IActorRef? Session, ApplicationProtocol.PeerCredentials? Peer = null) : ITokenCommand;

    /// <summary>C_OpenSession: the application allocated <paramref name="Handle"/>; the token answers the application with <see cref="SessionOpenResult"/>.</summary>
    public sealed record OpenSession(ClientRequest Client, ulong AppId, ulong Handle, ulong Flags, ApplicationProtocol.PeerCredentials? Peer = null) : ITokenCommand;

    public sealed record SessionOpenResult(ClientRequest Client, ulong Handle, ulong Rv);

    /// <summary>The application's connection ended: its sessions, session objects and login go.</summary>
    public sealed record ApplicationGone(ulong AppId) : ITokenCommand;

    /// <summary>New objects made by a session (generate, unwrap, derive): validated already, to be stored; reply = their handles.</summary>
    /// <param name="ReplyPrefix">Written before the handles in the reply (C_EncapsulateKey: the ciphertext output).</param>
    public sealed record StoreNewObjects(ClientRequest Client, ulong AppId, ulong SessionHandle, IReadOnlyList<AttributeSet> Objects, byte[]? ReplyPrefix = null) : ITokenCommand
    {
        /// <summary>Bytes answered after the handles (a derivation's output parameter: CK_VERSION, IVs), or null.</summary>
        public byte[]? Output { get; init; }
    }

    /// <summary>Answered with <see cref="Ready"/> once the token has recovered.</summary>
    public sealed record AwaitReady : ITokenCommand
    {
        public static readonly AwaitReady Instance = new();
    }

    public sealed record Ready(ulong SlotId);

    /// <summary>Answered with <see cref="StoreStats"/>: how many journal writes (batches) carried how many events since the token started.</summary>
    public sealed record GetStoreStats : ITokenCommand
    {
        public static readonly GetStoreStats Instance = new();
    }

    public sealed record StoreStats(long Batches, long Events, int Objects, long LastSequenceNr);

    /// <summary>`ock token backup`: answered with <see cref="ExportedState"/> (the token's snapshot as stored, manifest + bytes; empty if uninitialised).</summary>
    public sealed record ExportState : ITokenCommand
    {
        public static readonly ExportState Instance = new();
    }

    public sealed record ExportedState(bool Initialized, string Manifest, byte[] Snapshot, string? Busy = null);

    /// <summary>`ock token restore`: journals the snapshot's token, PINs and objects as stored into an uninitialised token; answered with <see cref="ImportedState"/>.</summary>
    public sealed record ImportState(string Manifest, byte[] Snapshot, int Pid, int Uid) : ITokenCommand;

    public sealed record ImportedState(bool Ok, string Message);

    /// <summary>
    /// `ock token rekey`: re-encrypts every private object under a new master key, in batches of opencryptoki.rekey-batch, while the
    /// token goes on serving; resumes a rekey that was under way. The SO PIN and, when the token has one, the User PIN (the new key is
    /// wrapped under both). Answered with <see cref="RekeyDone"/> once every private object is under the new key.
    /// </summary>
    public sealed record StartRekey(byte[] SoPin, byte[]? UserPin, int Pid, int Uid) : ITokenCommand;

    public sealed record RekeyDone(bool Ok, string Message);

    /// <summary>For `ock status` and tests: answered with <see cref="TokenUsage"/> (what the token holds in memory).</summary>
    public sealed record GetUsage : ITokenCommand
    {
        public static readonly GetUsage Instance = new();
    }

    public sealed record TokenUsage(ulong SlotId, bool Initialized, string Label, int Sessions, int RwSessions, int SessionObjects, int LoggedInApplications, int Applications);

    // ---- to the session actor ----

    /// <summary>A call the token resolved and hands to a session actor (the Begin* messages): one client waits for its answer.</summary>
    public interface ISessionBegin
    {
        ClientRequest Client { get; }
    }

    /// <summary>A key resolved for an operation: the handle and its full (unsealed) attributes, immutable for the session.</summary>
    public sealed record KeySnapshot(ulong Handle, AttributeSet Attributes);

    /// <summary>*Init with a key the token resolved and found visible: the session checks usage and starts the operation.</summary>
    public sealed record BeginOperation(ClientRequest Client, WireMechanism Mechanism, KeySnapshot Key) : ISessionBegin;

    public sealed record BeginDigestKey(ClientRequest Client, KeySnapshot Key) : ISessionBegin;

    /// <summary>C_SetOperationState with the keys the token resolved (null for handle 0): the session restores the saved operations.</summary>
    public sealed record BeginSetOperationState(ClientRequest Client, byte[] State, KeySnapshot? EncryptionKey, KeySnapshot? AuthenticationKey) : ISessionBegin;

    public sealed record BeginWrap(ClientRequest Client, WireMechanism Mechanism, KeySnapshot WrappingKey, KeySnapshot Key, ulong Capacity) : ISessionBegin;

    public sealed record BeginUnwrap(ClientRequest Client, WireMechanism Mechanism, KeySnapshot UnwrappingKey, byte[] Wrapped, AttributeSet Template) : ISessionBegin;

    public sealed record BeginDerive(ClientRequest Client, WireMechanism Mechanism, KeySnapshot BaseKey, AttributeSet Template) : ISessionBegin
    {
        /// <summary>The second key a derivation's parameter names (CKM_CONCATENATE_BASE_AND_KEY), resolved like the base key.</summary>
        public KeySnapshot? OtherKey { get; init; }
    }

    /// <summary>
    /// C_IBM_ReencryptSingle (openCryptoki's "Vendor IBM" interface) with both keys resolved: decrypt under
    /// <paramref name="DecryptKey"/>, encrypt under <paramref name="EncryptKey"/>, the plaintext never leaving the session.
    /// </summary>
    public sealed record BeginReencrypt(ClientRequest Client, WireMechanism DecryptMechanism, KeySnapshot DecryptKey,
        WireMechanism EncryptMechanism, KeySnapshot EncryptKey, byte[] Data, ulong Capacity) : ISessionBegin;

    /// <summary>
    /// A C_Login(CKU_CONTEXT_SPECIFIC) of this session succeeded: its operations with a CKA_ALWAYS_AUTHENTICATE key may
    /// go on (told to the session before the login is answered).
    /// </summary>
    public sealed record ContextLoggedIn
    {
        public static readonly ContextLoggedIn Instance = new();
    }

    /// <summary>C_EncapsulateKey (3.2) with the public key resolved; <paramref name="Capacity"/> as the wire's <c>cap</c>.</summary>
    public sealed record BeginEncapsulate(ClientRequest Client, WireMechanism Mechanism, KeySnapshot PublicKey, AttributeSet Template, ulong Capacity) : ISessionBegin;

    /// <summary>C_DecapsulateKey (3.2) with the private key resolved.</summary>
    public sealed record BeginDecapsulate(ClientRequest Client, WireMechanism Mechanism, KeySnapshot PrivateKey, AttributeSet Template, byte[] Ciphertext) : ISessionBegin;

    /// <summary>C_VerifySignatureInit (3.2) with the key resolved: the signature is known before the data.</summary>
    public sealed record BeginVerifySignature(ClientRequest Client, WireMechanism Mechanism, KeySnapshot Key, byte[] Signature) : ISessionBegin;
}
