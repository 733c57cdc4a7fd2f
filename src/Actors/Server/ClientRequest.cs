using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>Where a reply frame goes: the client's connection. Thread-safe; called by the actor that produced the reply.</summary>
public interface IReplySink
{
    void Send(uint requestId, ulong rv, ReadOnlySpan<byte> payload);
}

/// <summary>
/// One decoded request frame travelling through the actors. Whoever finishes the work answers it
/// exactly once through <see cref="Sink"/>; no Ask chains.
/// </summary>
public sealed record ClientRequest(uint RequestId, Opcode Opcode, byte[] Payload, IReplySink Sink)
{
    public void Reply(ulong rv) => Sink.Send(RequestId, rv, ReadOnlySpan<byte>.Empty);

    public void Reply(ulong rv, WireWriter payload) => Sink.Send(RequestId, rv, payload.WrittenSpan);

    public void Ok() => Reply(CKR.OK);

    /// <summary>The session handle every session-scoped request starts with.</summary>
    public ulong SessionHandle => Payload.Length >= 8 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(Payload) : 0;
}

/// <summary>Routing classes of opcodes.</summary>
public static class OpcodeRoutes
{
    /// <summary>Session-scoped calls served by the SessionActor alone (operation state, key generation, random).</summary>
    public static bool IsSessionLocal(Opcode op) => op switch
    {
        Opcode.Encrypt or Opcode.EncryptUpdate or Opcode.EncryptFinal
            or Opcode.Decrypt or Opcode.DecryptUpdate or Opcode.DecryptFinal
            or Opcode.DigestInit or Opcode.Digest or Opcode.DigestUpdate or Opcode.DigestFinal
            or Opcode.Sign or Opcode.SignUpdate or Opcode.SignFinal or Opcode.SignRecover
            or Opcode.Verify or Opcode.VerifyUpdate or Opcode.VerifyFinal or Opcode.VerifyRecover
            or Opcode.GenerateKey or Opcode.GenerateKeyPair or Opcode.GenerateRandom or Opcode.SeedRandom
            or Opcode.DigestEncryptUpdate or Opcode.DecryptDigestUpdate or Opcode.SignEncryptUpdate or Opcode.DecryptVerifyUpdate
            or Opcode.SessionCancel or Opcode.GetOperationState
            or Opcode.EncryptMessage or Opcode.EncryptMessageBegin or Opcode.EncryptMessageNext or Opcode.MessageEncryptFinal
            or Opcode.DecryptMessage or Opcode.DecryptMessageBegin or Opcode.DecryptMessageNext or Opcode.MessageDecryptFinal
            or Opcode.SignMessage or Opcode.SignMessageBegin or Opcode.SignMessageNext or Opcode.MessageSignFinal
            or Opcode.VerifyMessage or Opcode.VerifyMessageBegin or Opcode.VerifyMessageNext or Opcode.MessageVerifyFinal
            or Opcode.VerifySignature or Opcode.VerifySignatureUpdate or Opcode.VerifySignatureFinal => true,
        _ => false,
    };

    /// <summary>Session-scoped calls the TokenActor serves (login, objects, key resolution for *Init, wrap, unwrap, derive).</summary>
    public static bool IsTokenScoped(Opcode op) => op switch
    {
        Opcode.CloseSession or Opcode.GetSessionInfo or Opcode.Login or Opcode.Logout or Opcode.InitPIN or Opcode.SetPIN
            or Opcode.CreateObject or Opcode.CopyObject or Opcode.DestroyObject or Opcode.GetObjectSize
            or Opcode.GetAttributeValue or Opcode.SetAttributeValue
            or Opcode.FindObjectsInit or Opcode.FindObjects or Opcode.FindObjectsFinal
            or Opcode.EncryptInit or Opcode.DecryptInit or Opcode.SignInit or Opcode.VerifyInit
            or Opcode.SignRecoverInit or Opcode.VerifyRecoverInit or Opcode.DigestKey or Opcode.SetOperationState
            or Opcode.MessageEncryptInit or Opcode.MessageDecryptInit or Opcode.MessageSignInit or Opcode.MessageVerifyInit
            or Opcode.EncapsulateKey or Opcode.DecapsulateKey or Opcode.VerifySignatureInit
            or Opcode.WrapKey or Opcode.UnwrapKey or Opcode.DeriveKey or Opcode.IbmReencryptSingle => true,
        _ => false,
    };
}
