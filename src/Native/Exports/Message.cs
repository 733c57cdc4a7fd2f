using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>
/// PKCS#11 3.0 message-based encryption, decryption, signing and verification (§5.15–5.18). The per-message AEAD
/// parameter (CK_GCM_MESSAGE_PARAMS, CK_CCM_MESSAGE_PARAMS or CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS, told apart
/// by ulParameterLen) is flattened to <see cref="MessageParams"/>; what the token generates (the IV) or computes (the
/// tag) is written back into the caller's structure. Signature parameters travel raw (the token's mechanisms take none).
/// </summary>
internal static unsafe partial class Message
{
    [Export(72)]
    private static ulong C_MessageEncryptInit(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hKey) =>
        Calls.Init(call, Opcode.MessageEncryptInit, hSession, pMechanism, hKey, withKey: true);

    [Export(73)]
    private static ulong C_EncryptMessage(in CallTrace call, ulong hSession, void* pParameter, ulong ulParameterLen, byte* pAssociatedData, ulong ulAssociatedDataLen, byte* pPlaintext, ulong ulPlaintextLen, byte* pCiphertext, ulong* pulCiphertextLen) =>
        CipherMessage(call, Opcode.EncryptMessage, hSession, pParameter, ulParameterLen, pAssociatedData, ulAssociatedDataLen, pPlaintext, ulPlaintextLen, pCiphertext, pulCiphertextLen);

    [Export(74)]
    private static ulong C_EncryptMessageBegin(in CallTrace call, ulong hSession, void* pParameter, ulong ulParameterLen, byte* pAssociatedData, ulong ulAssociatedDataLen) =>
        CipherMessageBegin(call, Opcode.EncryptMessageBegin, hSession, pParameter, ulParameterLen, pAssociatedData, ulAssociatedDataLen);

    [Export(75)]
    private static ulong C_EncryptMessageNext(in CallTrace call, ulong hSession, void* pParameter, ulong ulParameterLen, byte* pPlaintextPart, ulong ulPlaintextPartLen, byte* pCiphertextPart, ulong* pulCiphertextPartLen, ulong flags) =>
        CipherMessageNext(call, Opcode.EncryptMessageNext, hSession, pParameter, ulParameterLen, pPlaintextPart, ulPlaintextPartLen, pCiphertextPart, pulCiphertextPartLen, flags);

    [Export(76)]
    private static ulong C_MessageEncryptFinal(in CallTrace call, ulong hSession) =>
        Calls.U64(call, Opcode.MessageEncryptFinal, hSession, "hSession");

    [Export(77)]
    private static ulong C_MessageDecryptInit(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hKey) =>
        Calls.Init(call, Opcode.MessageDecryptInit, hSession, pMechanism, hKey, withKey: true);

    [Export(78)]
    private static ulong C_DecryptMessage(in CallTrace call, ulong hSession, void* pParameter, ulong ulParameterLen, byte* pAssociatedData, ulong ulAssociatedDataLen, byte* pCiphertext, ulong ulCiphertextLen, byte* pPlaintext, ulong* pulPlaintextLen) =>
        CipherMessage(call, Opcode.DecryptMessage, hSession, pParameter, ulParameterLen, pAssociatedData, ulAssociatedDataLen, pCiphertext, ulCiphertextLen, pPlaintext, pulPlaintextLen);

    [Export(79)]
    private static ulong C_DecryptMessageBegin(in CallTrace call, ulong hSession, void* pParameter, ulong ulParameterLen, byte* pAssociatedData, ulong ulAssociatedDataLen) =>
        CipherMessageBegin(call, Opcode.DecryptMessageBegin, hSession, pParameter, ulParameterLen, pAssociatedData, ulAssociatedDataLen);

    [Export(80)]
    private static ulong C_DecryptMessageNext(in CallTrace call, ulong hSession, void* pParameter, ulong ulParameterLen, byte* pCiphertextPart, ulong ulCiphertextPartLen, byte* pPlaintextPart, ulong* pulPlaintextPartLen, ulong flags) =>
        CipherMessageNext(call, Opcode.DecryptMessageNext, hSession, pParameter, ulParameterLen, pCiphertextPart, ulCiphertextPartLen, pPlaintextPart, pulPlaintextPartLen, flags);

    [Export(81)]
    private static ulong C_MessageDecryptFinal(in CallTrace call, ulong hSession) =>
        Calls.U64(call, Opcode.MessageDecryptFinal, hSession, "hSession");

    [Export(82)]
    private static ulong C_MessageSignInit(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hKey) =>
        Calls.Init(call, Opcode.MessageSignInit, hSession, pMechanism, hKey, withKey: true);

    [Export(83)]
    private static ulong C_SignMessage(in CallTrace call, ulong hSession, void* pParameter, ulong ulParameterLen, byte* pData, ulong ulDataLen, byte* pSignature, ulong* pulSignatureLen) =>
        SignMessage(call, Opcode.SignMessage, hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature, pulSignatureLen, last: true);

    [Export(84)]
    private static ulong C_SignMessageBegin(in CallTrace call, ulong hSession, void* pParameter, ulong ulParameterLen) =>
        SignerMessageBegin(call, Opcode.SignMessageBegin, hSession, pParameter, ulParameterLen);

    [Export(85)]
    private static ulong C_SignMessageNext(in CallTrace call, ulong hSession, void* pParameter, ulong ulParameterLen, byte* pData, ulong ulDataLen, byte* pSignature, ulong* pulSignatureLen) =>
        SignMessage(call, Opcode.SignMessageNext, hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature, pulSignatureLen, last: pulSignatureLen is not null);

    [Export(86)]
    private static ulong C_MessageSignFinal(in CallTrace call, ulong hSession) =>
        Calls.U64(call, Opcode.MessageSignFinal, hSession, "hSession");

    [Export(87)]
    private static ulong C_MessageVerifyInit(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hKey) =>
        Calls.Init(call, Opcode.MessageVerifyInit, hSession, pMechanism, hKey, withKey: true);

    [Export(88)]
    private static ulong C_VerifyMessage(in CallTrace call, ulong hSession, void* pParameter, ulong ulParameterLen, byte* pData, ulong ulDataLen, byte* pSignature, ulong ulSignatureLen) =>
        VerifyMessage(call, Opcode.VerifyMessage, hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature, ulSignatureLen);

    [Export(89)]
    private static ulong C_VerifyMessageBegin(in CallTrace call, ulong hSession, void* pParameter, ulong ulParameterLen) =>
        SignerMessageBegin(call, Opcode.VerifyMessageBegin, hSession, pParameter, ulParameterLen);

    [Export(90)]
    private static ulong C_VerifyMessageNext(in CallTrace call, ulong hSession, void* pParameter, ulong ulParameterLen, byte* pData, ulong ulDataLen, byte* pSignature, ulong ulSignatureLen) =>
        VerifyMessage(call, Opcode.VerifyMessageNext, hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature, ulSignatureLen);

    [Export(91)]
    private static ulong C_MessageVerifyFinal(in CallTrace call, ulong hSession) =>
        Calls.U64(call, Opcode.MessageVerifyFinal, hSession, "hSession");

    /// <summary>The caller's per-message AEAD parameter: its flattened fields and where the IV and tag live.</summary>
    private struct AeadParam
    {
        public ulong Form;
        public byte* Iv;
        public ulong IvLength;
        public ulong FixedBits;
        public ulong Generator;
        public byte* Tag;
        public ulong TagLength;
        public ulong TagBits;
        public ulong DataLength;
    }

    private static ulong ReadParam(void* parameter, ulong length, out AeadParam a)
    {
        a = default;
        if (parameter is null) return CKR.ARGUMENTS_BAD;
        if (length == (ulong)sizeof(CK_GCM_MESSAGE_PARAMS))
        {
            var g = (CK_GCM_MESSAGE_PARAMS*)parameter;
            a = new AeadParam
            {
                Form = MessageParams.Gcm, Iv = g->pIv, IvLength = g->ulIvLen, FixedBits = g->ulIvFixedBits, Generator = g->ivGenerator,
                Tag = g->pTag, TagLength = (g->ulTagBits + 7) / 8, TagBits = g->ulTagBits,
            };
        }
        else if (length == (ulong)sizeof(CK_CCM_MESSAGE_PARAMS))
        {
            var c = (CK_CCM_MESSAGE_PARAMS*)parameter;
            a = new AeadParam
            {
                Form = MessageParams.Ccm, Iv = c->pNonce, IvLength = c->ulNonceLen, FixedBits = c->ulNonceFixedBits, Generator = c->nonceGenerator,
                Tag = c->pMAC, TagLength = c->ulMACLen, TagBits = c->ulMACLen * 8, DataLength = c->ulDataLen,
            };
        }
        else if (length == (ulong)sizeof(CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS))
        {
            var x = (CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS*)parameter;
            a = new AeadParam { Form = MessageParams.ChaCha, Iv = x->pNonce, IvLength = x->ulNonceLen, Tag = x->pTag, TagLength = 16, TagBits = 128 };
        }
        else return CKR.MECHANISM_PARAM_INVALID;

        if (a.IvLength > 1024 || a.TagLength > 64) return CKR.MECHANISM_PARAM_INVALID;
        return a.IvLength > 0 && a.Iv is null ? CKR.ARGUMENTS_BAD : CKR.OK;
    }

    /// <summary>Writes the flattened parameter as <c>bytes</c>; with <paramref name="withTag"/> the caller's tag goes along (decryption).</summary>
    private static ulong WriteParam(WireWriter w, in AeadParam a, bool withTag)
    {
        if (withTag && a.Tag is null) return CKR.ARGUMENTS_BAD;
        var at = w.Reserve(4);
        var start = w.Length;
        MessageParams.Write(w, a.Form, new ReadOnlySpan<byte>(a.Iv, (int)a.IvLength), a.FixedBits, a.Generator, a.TagBits, a.DataLength,
            withTag ? new ReadOnlySpan<byte>(a.Tag, (int)a.TagLength) : default);
        w.PatchUInt32(at, (uint)(w.Length - start));
        return CKR.OK;
    }

    /// <summary>Copies what the token returned into the caller's structure: a generated IV, a computed tag.</summary>
    private static void WriteBack(ref WireReader reply, in AeadParam a, bool iv, bool tag)
    {
        if (iv)
        {
            var value = reply.ReadBytesSpan();
            if (a.Generator != CKG.NO_GENERATE && (ulong)value.Length == a.IvLength) value.CopyTo(new Span<byte>(a.Iv, (int)a.IvLength));
        }

        if (tag)
        {
            var value = reply.ReadBytesSpan();
            if (value.Length > 0 && a.Tag is not null && (ulong)value.Length <= a.TagLength) value.CopyTo(new Span<byte>(a.Tag, value.Length));
        }
    }

    /// <summary>C_EncryptMessage / C_DecryptMessage: <c>u64 session, bytes param, bytes aad, bytes input, u64 cap</c> → output (+ iv, tag).</summary>
    private static ulong CipherMessage(in CallTrace call, Opcode op, ulong session, void* parameter, ulong parameterLength, byte* aad, ulong aadLength,
        byte* input, ulong inputLength, byte* output, ulong* pulOutput)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={session} paramLen={parameterLength} aadLen={aadLength} inLen={inputLength} out={Trace.Ptr(output)} *outLen={Marshalling.Len(pulOutput)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pulOutput is null) return CKR.ARGUMENTS_BAD;
        rv = ReadParam(parameter, parameterLength, out var a);
        if (rv != CKR.OK) return rv;
        var encrypt = op == Opcode.EncryptMessage;
        if (encrypt && a.Tag is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(op);
        w.WriteULong(session);
        rv = WriteParam(w, a, withTag: !encrypt);
        if (rv == CKR.OK) rv = Marshalling.WriteData(w, aad, aadLength);
        if (rv == CKR.OK) rv = Marshalling.WriteData(w, input, inputLength);
        if (rv != CKR.OK) return rv;
        var cap = Marshalling.Cap(output, pulOutput);
        w.WriteULong(cap);
        rv = c.Call(out var reply);
        var delivered = rv == CKR.OK && output is not null;
        rv = Marshalling.ReadOutput(rv, ref reply, output, pulOutput, cap);
        if (delivered && encrypt) WriteBack(ref reply, a, iv: true, tag: true);
        return rv;
    }

    /// <summary>C_EncryptMessageBegin / C_DecryptMessageBegin: <c>u64 session, bytes param, bytes aad</c> → <c>bytes iv</c>.</summary>
    private static ulong CipherMessageBegin(in CallTrace call, Opcode op, ulong session, void* parameter, ulong parameterLength, byte* aad, ulong aadLength)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={session} paramLen={parameterLength} aadLen={aadLength}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        rv = ReadParam(parameter, parameterLength, out var a);
        if (rv != CKR.OK) return rv;
        var w = c.Begin(op);
        w.WriteULong(session);
        rv = WriteParam(w, a, withTag: false);
        if (rv == CKR.OK) rv = Marshalling.WriteData(w, aad, aadLength);
        if (rv != CKR.OK) return rv;
        rv = c.Call(out var reply);
        if (rv == CKR.OK) WriteBack(ref reply, a, iv: true, tag: false);
        return rv;
    }

    /// <summary>C_EncryptMessageNext / C_DecryptMessageNext: <c>u64 session, bytes param, bytes part, u64 flags, u64 cap</c> → output (+ tag).</summary>
    private static ulong CipherMessageNext(in CallTrace call, Opcode op, ulong session, void* parameter, ulong parameterLength, byte* input, ulong inputLength,
        byte* output, ulong* pulOutput, ulong flags)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={session} paramLen={parameterLength} inLen={inputLength} out={Trace.Ptr(output)} *outLen={Marshalling.Len(pulOutput)} flags=0x{flags:x}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pulOutput is null) return CKR.ARGUMENTS_BAD;
        rv = ReadParam(parameter, parameterLength, out var a);
        if (rv != CKR.OK) return rv;
        var encrypt = op == Opcode.EncryptMessageNext;
        var end = (flags & CKF.END_OF_MESSAGE) != 0;
        if (end && encrypt && a.Tag is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(op);
        w.WriteULong(session);
        rv = WriteParam(w, a, withTag: end && !encrypt);
        if (rv == CKR.OK) rv = Marshalling.WriteData(w, input, inputLength);
        if (rv != CKR.OK) return rv;
        w.WriteULong(flags);
        var cap = Marshalling.Cap(output, pulOutput);
        w.WriteULong(cap);
        rv = c.Call(out var reply);
        var delivered = rv == CKR.OK && output is not null;
        rv = Marshalling.ReadOutput(rv, ref reply, output, pulOutput, cap);
        if (delivered) WriteBack(ref reply, a, iv: false, tag: encrypt && end);
        return rv;
    }

    /// <summary>C_SignMessage / C_SignMessageNext: <c>u64 session, nullable bytes param, bytes data[, u8 last], u64 cap</c> → output.</summary>
    private static ulong SignMessage(in CallTrace call, Opcode op, ulong session, void* parameter, ulong parameterLength, byte* data, ulong dataLength,
        byte* signature, ulong* pulSignature, bool last)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={session} paramLen={parameterLength} dataLen={dataLength} sig={Trace.Ptr(signature)} *sigLen={Marshalling.Len(pulSignature)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (last && pulSignature is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(op);
        w.WriteULong(session);
        rv = Marshalling.WriteNullableData(w, (byte*)parameter, parameter is null ? 0 : parameterLength);
        if (rv == CKR.OK) rv = Marshalling.WriteData(w, data, dataLength);
        if (rv != CKR.OK) return rv;
        if (op == Opcode.SignMessageNext) w.WriteByte(last ? (byte)1 : (byte)0);
        var cap = last ? Marshalling.Cap(signature, pulSignature) : 0;
        w.WriteULong(cap);
        rv = c.Call(out var reply);
        return last ? Marshalling.ReadOutput(rv, ref reply, signature, pulSignature, cap) : rv;
    }

    /// <summary>C_SignMessageBegin / C_VerifyMessageBegin: <c>u64 session, nullable bytes param</c>; empty reply.</summary>
    private static ulong SignerMessageBegin(in CallTrace call, Opcode op, ulong session, void* parameter, ulong parameterLength)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={session} paramLen={parameterLength}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        var w = c.Begin(op);
        w.WriteULong(session);
        rv = Marshalling.WriteNullableData(w, (byte*)parameter, parameter is null ? 0 : parameterLength);
        if (rv != CKR.OK) return rv;
        return c.Call(out _);
    }

    /// <summary>
    /// C_VerifyMessage: <c>u64 session, nullable bytes param, bytes data, bytes signature</c>; C_VerifyMessageNext the
    /// same with a nullable signature (NULL: not the last part). Empty reply.
    /// </summary>
    private static ulong VerifyMessage(in CallTrace call, Opcode op, ulong session, void* parameter, ulong parameterLength, byte* data, ulong dataLength,
        byte* signature, ulong signatureLength)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={session} paramLen={parameterLength} dataLen={dataLength} sig={Trace.Ptr(signature)} sigLen={signatureLength}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        var w = c.Begin(op);
        w.WriteULong(session);
        rv = Marshalling.WriteNullableData(w, (byte*)parameter, parameter is null ? 0 : parameterLength);
        if (rv == CKR.OK) rv = Marshalling.WriteData(w, data, dataLength);
        if (rv == CKR.OK)
            rv = op == Opcode.VerifyMessageNext ? Marshalling.WriteNullableData(w, signature, signatureLength) : Marshalling.WriteData(w, signature, signatureLength);
        if (rv != CKR.OK) return rv;
        return c.Call(out _);
    }
}
