using System.Collections.Immutable;
using Akka.Actor;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens;
using static OpenCryptokiActors.Actors.Applications.ApplicationCommands;
using static OpenCryptokiActors.Actors.Sessions.SessionCommands;
using static OpenCryptokiActors.Actors.Sessions.SessionProtocol;
using static OpenCryptokiActors.Actors.Tokens.TokenCommands;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>
/// The edge's decoder: one request frame's payload (docs/wire-protocol.md) to one command of the actor protocol, addressed
/// to <paramref name="replyTo"/> with the frame's request id. Below the edge nothing reads a payload. A payload that does
/// not parse throws <see cref="WireFormatException"/> (the edge answers CKR_ARGUMENTS_BAD); a CkException carries the
/// code a malformed argument gets.
/// </summary>
public static class RequestDecoder
{
    /// <summary>The session handle a session-scoped payload starts with, or null for a call that names no session.</summary>
    public static ulong? SessionOf(Opcode op, ReadOnlySpan<byte> payload) =>
        payload.Length >= 8 && IsSessionScoped(op) ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(payload) : null;

    private static bool IsSessionScoped(Opcode op) => op switch
    {
        Opcode.Hello or Opcode.GetSlotList or Opcode.GetSlotInfo or Opcode.GetTokenInfo or Opcode.GetMechanismList
            or Opcode.GetMechanismInfo or Opcode.InitToken or Opcode.OpenSession or Opcode.CloseAllSessions or Opcode.WaitForSlotEvent
            or Opcode.ForkPrepare => false,
        _ => true,
    };

    /// <param name="sessionActor">The session's actor when the edge knows it (its application's session directory), else null.</param>
    public static Request Decode(uint id, Opcode op, ReadOnlySpan<byte> payload, IActorRef replyTo, Caller caller, IActorRef? sessionActor)
    {
        var r = new WireReader(payload);
        var request = IsSessionScoped(op) ? SessionCall(id, op, ref r, replyTo, caller, sessionActor) : SlotCall(id, op, ref r, replyTo, caller);
        r.ExpectEnd();
        return request;
    }

    private static Request SlotCall(uint id, Opcode op, ref WireReader r, IActorRef to, Caller caller) => op switch
    {
        Opcode.GetSlotList => new GetSlotList(r.ReadBool()) { Id = id, ReplyTo = to },
        Opcode.GetSlotInfo => new GetSlotInfo(r.ReadULong()) { Id = id, ReplyTo = to },
        Opcode.GetMechanismList => new GetMechanismList(r.ReadULong()) { Id = id, ReplyTo = to },
        Opcode.GetMechanismInfo => new GetMechanismInfo(r.ReadULong(), r.ReadULong()) { Id = id, ReplyTo = to },
        Opcode.OpenSession => new Applications.ApplicationCommands.OpenSession(r.ReadULong(), r.ReadULong()) { Id = id, ReplyTo = to },
        Opcode.WaitForSlotEvent => new WaitForSlotEvent(r.ReadULong()) { Id = id, ReplyTo = to },
        Opcode.ForkPrepare => new ForkPrepare { Id = id, ReplyTo = to },
        Opcode.GetTokenInfo => new GetTokenInfo(r.ReadULong()) { Id = id, ReplyTo = to, Caller = caller },
        Opcode.InitToken => new InitToken(r.ReadULong(), Pin(ref r), r.ReadPadded(32)) { Id = id, ReplyTo = to, Caller = caller },
        Opcode.CloseAllSessions => new CloseAllSessions(r.ReadULong()) { Id = id, ReplyTo = to, Caller = caller },
        _ => Unsupported(id, op, ref r, to),
    };

    private static Request Unsupported(uint id, Opcode op, ref WireReader r, IActorRef to)
    {
        r.ReadRaw(r.Remaining);
        return new Unsupported((ushort)op) { Id = id, ReplyTo = to };
    }

    private static byte[] Pin(ref WireReader r) => r.ReadNullableBytes() ?? throw new CkException(CKR.ARGUMENTS_BAD);

    private static Template Template(ref WireReader r) => Protocol.Template.Of(r.ReadTemplate());

    private static Request SessionCall(uint id, Opcode op, ref WireReader r, IActorRef to, Caller caller, IActorRef? sa)
    {
        var s = r.ReadULong();
        return op switch
        {
            // ---- the session's own calls
            Opcode.DigestInit => new DigestInit(s, r.ReadMechanism()) { Id = id, ReplyTo = to },
            Opcode.Encrypt => Single(id, to, s, OperationKind.Encrypt, ref r),
            Opcode.Decrypt => Single(id, to, s, OperationKind.Decrypt, ref r),
            Opcode.Digest => Single(id, to, s, OperationKind.Digest, ref r),
            Opcode.Sign => Single(id, to, s, OperationKind.Sign, ref r),
            Opcode.SignRecover => Single(id, to, s, OperationKind.SignRecover, ref r),
            Opcode.VerifyRecover => Single(id, to, s, OperationKind.VerifyRecover, ref r),
            Opcode.EncryptUpdate => new UpdateWithOutput(s, OperationKind.Encrypt, r.ReadBytes(), r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.DecryptUpdate => new UpdateWithOutput(s, OperationKind.Decrypt, r.ReadBytes(), r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.DigestUpdate => new Update(s, OperationKind.Digest, r.ReadBytes()) { Id = id, ReplyTo = to },
            Opcode.SignUpdate => new Update(s, OperationKind.Sign, r.ReadBytes()) { Id = id, ReplyTo = to },
            Opcode.VerifyUpdate => new Update(s, OperationKind.Verify, r.ReadBytes()) { Id = id, ReplyTo = to },
            Opcode.VerifySignatureUpdate => new Update(s, OperationKind.VerifySignature, r.ReadBytes()) { Id = id, ReplyTo = to },
            Opcode.EncryptFinal => new Final(s, OperationKind.Encrypt, r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.DecryptFinal => new Final(s, OperationKind.Decrypt, r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.DigestFinal => new Final(s, OperationKind.Digest, r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.SignFinal => new Final(s, OperationKind.Sign, r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.Verify => new Verify(s, r.ReadBytes(), r.ReadBytes()) { Id = id, ReplyTo = to },
            Opcode.VerifyFinal => new VerifyFinal(s, r.ReadBytes()) { Id = id, ReplyTo = to },
            Opcode.VerifySignature => new VerifySignature(s, r.ReadBytes()) { Id = id, ReplyTo = to },
            Opcode.VerifySignatureFinal => new VerifySignatureFinal(s) { Id = id, ReplyTo = to },
            Opcode.DigestEncryptUpdate => new DualUpdate(s, DualKind.DigestEncrypt, r.ReadBytes(), r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.DecryptDigestUpdate => new DualUpdate(s, DualKind.DecryptDigest, r.ReadBytes(), r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.SignEncryptUpdate => new DualUpdate(s, DualKind.SignEncrypt, r.ReadBytes(), r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.DecryptVerifyUpdate => new DualUpdate(s, DualKind.DecryptVerify, r.ReadBytes(), r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.SessionCancel => new Cancel(s, r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.GetOperationState => new GetOperationState(s, r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.GenerateKey => new GenerateKey(s, r.ReadMechanism(), Template(ref r)) { Id = id, ReplyTo = to },
            Opcode.GenerateKeyPair => new GenerateKeyPair(s, r.ReadMechanism(), Template(ref r), Template(ref r)) { Id = id, ReplyTo = to },
            Opcode.GenerateRandom => new GenerateRandom(s, r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.SeedRandom => new SeedRandom(s, r.ReadBytes()) { Id = id, ReplyTo = to },
            Opcode.EncryptMessage => new EncryptMessage(s, MessageParams.Decode(r.ReadBytes()), r.ReadBytes(), r.ReadBytes(), r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.DecryptMessage => new DecryptMessage(s, MessageParams.Decode(r.ReadBytes()), r.ReadBytes(), r.ReadBytes(), r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.EncryptMessageBegin => new CipherMessageBegin(s, OperationKind.MessageEncrypt, MessageParams.Decode(r.ReadBytes()), r.ReadBytes()) { Id = id, ReplyTo = to },
            Opcode.DecryptMessageBegin => new CipherMessageBegin(s, OperationKind.MessageDecrypt, MessageParams.Decode(r.ReadBytes()), r.ReadBytes()) { Id = id, ReplyTo = to },
            Opcode.EncryptMessageNext => new CipherMessageNext(s, OperationKind.MessageEncrypt, MessageParams.Decode(r.ReadBytes()), r.ReadBytes(), r.ReadULong(), r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.DecryptMessageNext => new CipherMessageNext(s, OperationKind.MessageDecrypt, MessageParams.Decode(r.ReadBytes()), r.ReadBytes(), r.ReadULong(), r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.SignMessage => new SignMessage(s, r.ReadNullableBytes(), r.ReadBytes(), r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.VerifyMessage => new VerifyMessage(s, r.ReadNullableBytes(), r.ReadBytes(), r.ReadBytes()) { Id = id, ReplyTo = to },
            Opcode.SignMessageBegin => new SignerMessageBegin(s, OperationKind.MessageSign, r.ReadNullableBytes()) { Id = id, ReplyTo = to },
            Opcode.VerifyMessageBegin => new SignerMessageBegin(s, OperationKind.MessageVerify, r.ReadNullableBytes()) { Id = id, ReplyTo = to },
            Opcode.SignMessageNext => new SignMessageNext(s, r.ReadNullableBytes(), r.ReadBytes(), r.ReadBool(), r.ReadULong()) { Id = id, ReplyTo = to },
            Opcode.VerifyMessageNext => new VerifyMessageNext(s, r.ReadNullableBytes(), r.ReadBytes(), r.ReadNullableBytes()) { Id = id, ReplyTo = to },
            Opcode.MessageEncryptFinal => new MessageFinal(s, OperationKind.MessageEncrypt) { Id = id, ReplyTo = to },
            Opcode.MessageDecryptFinal => new MessageFinal(s, OperationKind.MessageDecrypt) { Id = id, ReplyTo = to },
            Opcode.MessageSignFinal => new MessageFinal(s, OperationKind.MessageSign) { Id = id, ReplyTo = to },
            Opcode.MessageVerifyFinal => new MessageFinal(s, OperationKind.MessageVerify) { Id = id, ReplyTo = to },

            // ---- the token's calls on a session
            Opcode.CloseSession => new CloseSession(s) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.GetSessionInfo => new GetSessionInfo(s) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.Login => new Login(s, r.ReadULong(), Pin(ref r)) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.Logout => new Logout(s) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.InitPIN => new InitPin(s, Pin(ref r)) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.SetPIN => new SetPin(s, Pin(ref r), Pin(ref r)) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.CreateObject => new CreateObject(s, Template(ref r)) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.CopyObject => new CopyObject(s, r.ReadULong(), Template(ref r)) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.DestroyObject => new DestroyObject(s, r.ReadULong()) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.GetObjectSize => new GetObjectSize(s, r.ReadULong()) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.GetAttributeValue => new GetAttributeValue(s, r.ReadULong(), Queries(ref r)) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.SetAttributeValue => new SetAttributeValue(s, r.ReadULong(), Template(ref r)) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.FindObjectsInit => new FindObjectsInit(s, Template(ref r)) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.FindObjects => new FindObjects(s, r.ReadULong()) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.FindObjectsFinal => new FindObjectsFinal(s) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.EncryptInit => Init(id, to, caller, sa, s, OperationKind.Encrypt, ref r),
            Opcode.DecryptInit => Init(id, to, caller, sa, s, OperationKind.Decrypt, ref r),
            Opcode.SignInit => Init(id, to, caller, sa, s, OperationKind.Sign, ref r),
            Opcode.VerifyInit => Init(id, to, caller, sa, s, OperationKind.Verify, ref r),
            Opcode.SignRecoverInit => Init(id, to, caller, sa, s, OperationKind.SignRecover, ref r),
            Opcode.VerifyRecoverInit => Init(id, to, caller, sa, s, OperationKind.VerifyRecover, ref r),
            Opcode.MessageEncryptInit => Init(id, to, caller, sa, s, OperationKind.MessageEncrypt, ref r),
            Opcode.MessageDecryptInit => Init(id, to, caller, sa, s, OperationKind.MessageDecrypt, ref r),
            Opcode.MessageSignInit => Init(id, to, caller, sa, s, OperationKind.MessageSign, ref r),
            Opcode.MessageVerifyInit => Init(id, to, caller, sa, s, OperationKind.MessageVerify, ref r),
            Opcode.DigestKey => new DigestKey(s, r.ReadULong()) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.SetOperationState => new SetOperationState(s, r.ReadBytes(), r.ReadULong(), r.ReadULong()) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.VerifySignatureInit => new VerifySignatureInit(s, r.ReadMechanism(), r.ReadULong(), r.ReadBytes()) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.WrapKey => new WrapKey(s, r.ReadMechanism(), r.ReadULong(), r.ReadULong(), r.ReadULong()) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.UnwrapKey => new UnwrapKey(s, r.ReadMechanism(), r.ReadULong(), r.ReadBytes(), Template(ref r)) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.DeriveKey => new DeriveKey(s, r.ReadMechanism(), r.ReadULong(), Template(ref r)) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.EncapsulateKey => new EncapsulateKey(s, r.ReadMechanism(), r.ReadULong(), Template(ref r), r.ReadULong()) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.DecapsulateKey => new DecapsulateKey(s, r.ReadMechanism(), r.ReadULong(), Template(ref r), r.ReadBytes()) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            Opcode.IbmReencryptSingle => new ReencryptSingle(s, r.ReadMechanism(), r.ReadULong(), r.ReadMechanism(), r.ReadULong(), r.ReadBytes(), r.ReadULong())
                { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa },
            _ => Unsupported(id, op, ref r, to),
        };
    }

    private static SinglePart Single(uint id, IActorRef to, ulong s, OperationKind kind, ref WireReader r) =>
        new(s, kind, r.ReadBytes(), r.ReadULong()) { Id = id, ReplyTo = to };

    private static InitOperation Init(uint id, IActorRef to, Caller caller, IActorRef? sa, ulong s, OperationKind kind, ref WireReader r) =>
        new(s, kind, r.ReadMechanism(), r.ReadULong()) { Id = id, ReplyTo = to, Caller = caller, SessionActor = sa };

    /// <summary>C_GetAttributeValue's <c>u32 count</c>, per attribute <c>u64 type</c> + <c>cap</c>.</summary>
    private static ImmutableArray<AttributeQuery> Queries(ref WireReader r)
    {
        var count = r.ReadUInt32();
        if (count > (uint)(r.Remaining / 16)) throw new WireFormatException("template longer than frame");
        var queries = new AttributeQuery[count];
        for (var i = 0; i < queries.Length; i++) queries[i] = new AttributeQuery(r.ReadULong(), r.ReadULong());
        return System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(queries);
    }
}
