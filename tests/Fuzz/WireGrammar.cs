using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Fuzz;

/// <summary>One field of a request payload (docs/wire-protocol.md, "Primitives").</summary>
public enum Field
{
    Bool,
    U32,
    U64,
    /// <summary>u64 session handle (the routing prefix).</summary>
    Session,
    /// <summary>u64 slot id.</summary>
    Slot,
    /// <summary>u64 object handle.</summary>
    Handle,
    Bytes,
    NullableBytes,
    Padded32,
    Template,
    Mechanism,
    /// <summary>u64 output capacity (NullBuffer = NULL pointer).</summary>
    Cap,
    /// <summary>GetAttributeValue: u32 count, then u64 type + cap each.</summary>
    AttributeQuery,
    /// <summary>Message-based calls: bytes holding a MessageParams canonical form.</summary>
    MessageParam,
}

/// <summary>
/// The request grammar of every opcode, as the table "Operations" of docs/wire-protocol.md gives it. The frame
/// decoder target checks payloads against it and the random-frame client generates bodies from it.
/// </summary>
public static class WireGrammar
{
    private static readonly Field[] Crypt = [Field.Session, Field.Bytes, Field.Cap];
    private static readonly Field[] Final = [Field.Session, Field.Cap];
    private static readonly Field[] Update = [Field.Session, Field.Bytes];
    private static readonly Field[] Init = [Field.Session, Field.Mechanism, Field.Handle];
    private static readonly Field[] SessionOnly = [Field.Session];

    public static IReadOnlyDictionary<Opcode, Field[]> Requests { get; } = new Dictionary<Opcode, Field[]>
    {
        [Opcode.Hello] = [Field.U32, Field.U32, Field.U32, Field.Bool],
        [Opcode.GetSlotList] = [Field.Bool],
        [Opcode.GetSlotInfo] = [Field.Slot],
        [Opcode.GetTokenInfo] = [Field.Slot],
        [Opcode.GetMechanismList] = [Field.Slot],
        [Opcode.GetMechanismInfo] = [Field.Slot, Field.U64],
        [Opcode.InitToken] = [Field.Slot, Field.NullableBytes, Field.Padded32],
        [Opcode.InitPIN] = [Field.Session, Field.NullableBytes],
        [Opcode.SetPIN] = [Field.Session, Field.NullableBytes, Field.NullableBytes],
        [Opcode.OpenSession] = [Field.Slot, Field.U64],
        [Opcode.CloseSession] = SessionOnly,
        [Opcode.CloseAllSessions] = [Field.Slot],
        [Opcode.GetSessionInfo] = SessionOnly,
        [Opcode.Login] = [Field.Session, Field.U64, Field.NullableBytes],
        [Opcode.Logout] = SessionOnly,
        [Opcode.CreateObject] = [Field.Session, Field.Template],
        [Opcode.CopyObject] = [Field.Session, Field.Handle, Field.Template],
        [Opcode.DestroyObject] = [Field.Session, Field.Handle],
        [Opcode.GetObjectSize] = [Field.Session, Field.Handle],
        [Opcode.GetAttributeValue] = [Field.Session, Field.Handle, Field.AttributeQuery],
        [Opcode.SetAttributeValue] = [Field.Session, Field.Handle, Field.Template],
        [Opcode.FindObjectsInit] = [Field.Session, Field.Template],
        [Opcode.FindObjects] = [Field.Session, Field.U64],
        [Opcode.FindObjectsFinal] = SessionOnly,
        [Opcode.EncryptInit] = Init,
        [Opcode.Encrypt] = Crypt,
        [Opcode.EncryptUpdate] = Crypt,
        [Opcode.EncryptFinal] = Final,
        [Opcode.DecryptInit] = Init,
        [Opcode.Decrypt] = Crypt,
        [Opcode.DecryptUpdate] = Crypt,
        [Opcode.DecryptFinal] = Final,
        [Opcode.DigestInit] = [Field.Session, Field.Mechanism],
        [Opcode.Digest] = Crypt,
        [Opcode.DigestUpdate] = Update,
        [Opcode.DigestKey] = [Field.Session, Field.Handle],
        [Opcode.DigestFinal] = Final,
        [Opcode.SignInit] = Init,
        [Opcode.Sign] = Crypt,
        [Opcode.SignUpdate] = Update,
        [Opcode.SignFinal] = Final,
        [Opcode.SignRecoverInit] = Init,
        [Opcode.SignRecover] = Crypt,
        [Opcode.VerifyInit] = Init,
        [Opcode.Verify] = [Field.Session, Field.Bytes, Field.Bytes],
        [Opcode.VerifyUpdate] = Update,
        [Opcode.VerifyFinal] = Update,
        [Opcode.VerifyRecoverInit] = Init,
        [Opcode.VerifyRecover] = Crypt,
        [Opcode.GenerateKey] = [Field.Session, Field.Mechanism, Field.Template],
        [Opcode.GenerateKeyPair] = [Field.Session, Field.Mechanism, Field.Template, Field.Template],
        [Opcode.WrapKey] = [Field.Session, Field.Mechanism, Field.Handle, Field.Handle, Field.Cap],
        [Opcode.UnwrapKey] = [Field.Session, Field.Mechanism, Field.Handle, Field.Bytes, Field.Template],
        [Opcode.DeriveKey] = [Field.Session, Field.Mechanism, Field.Handle, Field.Template],
        [Opcode.SeedRandom] = Update,
        [Opcode.GenerateRandom] = [Field.Session, Field.U64],
        [Opcode.WaitForSlotEvent] = [Field.U64],
        [Opcode.DigestEncryptUpdate] = Crypt,
        [Opcode.DecryptDigestUpdate] = Crypt,
        [Opcode.SignEncryptUpdate] = Crypt,
        [Opcode.DecryptVerifyUpdate] = Crypt,
        [Opcode.SessionCancel] = [Field.Session, Field.U64],
        [Opcode.GetOperationState] = Final,
        [Opcode.SetOperationState] = [Field.Session, Field.Bytes, Field.Handle, Field.Handle],
        [Opcode.MessageEncryptInit] = Init,
        [Opcode.EncryptMessage] = [Field.Session, Field.MessageParam, Field.Bytes, Field.Bytes, Field.Cap],
        [Opcode.EncryptMessageBegin] = [Field.Session, Field.MessageParam, Field.Bytes],
        [Opcode.EncryptMessageNext] = [Field.Session, Field.MessageParam, Field.Bytes, Field.U64, Field.Cap],
        [Opcode.MessageEncryptFinal] = SessionOnly,
        [Opcode.MessageDecryptInit] = Init,
        [Opcode.DecryptMessage] = [Field.Session, Field.MessageParam, Field.Bytes, Field.Bytes, Field.Cap],
        [Opcode.DecryptMessageBegin] = [Field.Session, Field.MessageParam, Field.Bytes],
        [Opcode.DecryptMessageNext] = [Field.Session, Field.MessageParam, Field.Bytes, Field.U64, Field.Cap],
        [Opcode.MessageDecryptFinal] = SessionOnly,
        [Opcode.MessageSignInit] = Init,
        [Opcode.SignMessage] = [Field.Session, Field.NullableBytes, Field.Bytes, Field.Cap],
        [Opcode.SignMessageBegin] = [Field.Session, Field.NullableBytes],
        [Opcode.SignMessageNext] = [Field.Session, Field.NullableBytes, Field.Bytes, Field.Bool, Field.Cap],
        [Opcode.MessageSignFinal] = SessionOnly,
        [Opcode.MessageVerifyInit] = Init,
        [Opcode.VerifyMessage] = [Field.Session, Field.NullableBytes, Field.Bytes, Field.Bytes],
        [Opcode.VerifyMessageBegin] = [Field.Session, Field.NullableBytes],
        [Opcode.VerifyMessageNext] = [Field.Session, Field.NullableBytes, Field.Bytes, Field.NullableBytes],
        [Opcode.MessageVerifyFinal] = SessionOnly,
        [Opcode.EncapsulateKey] = [Field.Session, Field.Mechanism, Field.Handle, Field.Template, Field.Cap],
        [Opcode.DecapsulateKey] = [Field.Session, Field.Mechanism, Field.Handle, Field.Template, Field.Bytes],
        [Opcode.VerifySignatureInit] = [Field.Session, Field.Mechanism, Field.Handle, Field.Bytes],
        [Opcode.VerifySignature] = Update,
        [Opcode.VerifySignatureUpdate] = Update,
        [Opcode.VerifySignatureFinal] = SessionOnly,
        [Opcode.IbmReencryptSingle] = [Field.Session, Field.Mechanism, Field.Handle, Field.Mechanism, Field.Handle, Field.Bytes, Field.Cap],
        [Opcode.ForkPrepare] = [],
    };

    /// <summary>Every opcode of <see cref="Opcode"/>, in order (the grammar covers them all; Program checks it at start).</summary>
    public static Opcode[] AllOpcodes { get; } = Enum.GetValues<Opcode>();
}
