using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Actors.Sessions;

/// <summary>
/// One message-based encryption or decryption context (C_MessageEncryptInit / C_MessageDecryptInit) for an AEAD
/// mechanism: the key snapshot, the IV generator's counter and the message in progress. Each message runs through
/// the mechanism's own single-message operation (CK_GCM_PARAMS, CK_CCM_PARAMS, CK_SALSA20_CHACHA20_POLY1305_PARAMS
/// built from the per-message parameter), so key, IV and tag checks are the mechanism's. A multi-part message is
/// collected until CKF_END_OF_MESSAGE: decryption releases no plaintext before its tag has verified.
/// A failed message ends that message only; the context stays until C_Message*Final.
/// </summary>
public sealed class MessageCipher
{
    /// <summary>The most a multi-part message may collect.</summary>
    public const int Limit = Frame.MaxFrameLength / 2;

    private readonly ulong _mechanism;
    private readonly IMechanism _impl;
    private readonly AttributeSet _key;
    private readonly bool _encrypt;
    private ulong _counter;
    private Pending? _pending;

    private sealed class Pending(MessageParams parameter, byte[] iv, byte[] aad)
    {
        public MessageParams Parameter { get; } = parameter;
        public byte[] Iv { get; } = iv;
        public byte[] Aad { get; } = aad;
        public MemoryStream Data { get; } = new();
    }

    public MessageCipher(ulong mechanism, IMechanism impl, AttributeSet key, bool encrypt)
    {
        _mechanism = mechanism;
        _impl = impl;
        _key = key;
        _encrypt = encrypt;
        // Building one operation checks key type and size now, as C_MessageEncryptInit must.
        var probe = new MessageParams(Form, new byte[12], 0, CKG.NO_GENERATE, 128, 0, []);
        Create(probe, probe.Iv, [], 0);
    }

    /// <summary>True between C_*MessageBegin and the part with CKF_END_OF_MESSAGE.</summary>
    public bool InMessage => _pending is not null;

    private ulong Form => _mechanism switch
    {
        CKM.AES_GCM => MessageParams.Gcm,
        CKM.AES_CCM => MessageParams.Ccm,
        _ => MessageParams.ChaCha,
    };

    /// <summary>Checks a per-message parameter against the mechanism and returns the IV of this message (generated where asked).</summary>
    public byte[] Iv(MessageParams p)
    {
        if (p.Form != Form) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "per-message parameter of another mechanism");
        if (!_encrypt && p.Generator != CKG.NO_GENERATE) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "decryption takes the IV as given");
        return Generate(p.Iv, p.FixedBits, p.Generator, ref _counter);
    }

    /// <summary>
    /// The IV generators of CK_GCM_MESSAGE_PARAMS / CK_CCM_MESSAGE_PARAMS: the leading <paramref name="fixedBits"/>
    /// bits come from the caller; the rest is a counter of this context (CKG_GENERATE, CKG_GENERATE_COUNTER), the
    /// caller's bits XOR that counter (CKG_GENERATE_COUNTER_XOR, as TLS 1.3 forms nonces) or random bits
    /// (CKG_GENERATE_RANDOM). The counter starts at 0 with each C_MessageEncryptInit; an exhausted counter is
    /// CKR_DATA_LEN_RANGE.
    /// </summary>
    public static byte[] Generate(byte[] given, ulong fixedBits, ulong generator, ref ulong counter)
    {
        var iv = (byte[])given.Clone();
        if (generator == CKG.NO_GENERATE) return iv;
        var total = (ulong)iv.Length * 8;
        if (generator > CKG.GENERATE_COUNTER_XOR || fixedBits >= total)
            throw new CkException(CKR.MECHANISM_PARAM_INVALID, "IV generator or fixed bits out of range");
        var generated = total - fixedBits;
        byte[]? random = null;
        if (generator == CKG.GENERATE_RANDOM) random = RandomNumberGenerator.GetBytes(iv.Length);
        else if (generated < 64 && counter >= 1UL << (int)generated) throw new CkException(CKR.DATA_LEN_RANGE, "IV counter exhausted");
        for (var i = fixedBits; i < total; i++)
        {
            var fromEnd = total - 1 - i;
            var mask = (byte)(0x80 >> (int)(i % 8));
            var bit = random is not null ? (random[i / 8] & mask) != 0 : fromEnd < 64 && ((counter >> (int)fromEnd) & 1) != 0;
            ref var b = ref iv[i / 8];
            if (generator == CKG.GENERATE_COUNTER_XOR)
            {
                if (bit) b ^= mask;
            }
            else b = bit ? (byte)(b | mask) : (byte)(b & ~mask);
        }

        if (random is null) counter++;
        return iv;
    }

    /// <summary>C_EncryptMessage: ciphertext and tag.</summary>
    public (byte[] Output, byte[] Tag) Encrypt(MessageParams p, byte[] iv, byte[] aad, ReadOnlySpan<byte> plaintext)
    {
        var sealedData = Create(p, iv, aad, plaintext.Length).OneShot(plaintext);
        return (sealedData[..plaintext.Length], sealedData[plaintext.Length..]);
    }

    /// <summary>C_DecryptMessage: the plaintext, or CKR_AEAD_DECRYPT_FAILED when the tag does not verify.</summary>
    public byte[] Decrypt(MessageParams p, byte[] iv, byte[] aad, ReadOnlySpan<byte> ciphertext)
    {
        if ((ulong)p.Tag.Length * 8 != p.TagBits) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "tag length differs from its bit count");
        var op = Create(p, iv, aad, ciphertext.Length);
        var input = new byte[ciphertext.Length + p.Tag.Length];
        ciphertext.CopyTo(input);
        p.Tag.CopyTo(input, ciphertext.Length);
        try
        {
            return op.OneShot(input);
        }
        catch (CkException e) when (e.Rv == CKR.ENCRYPTED_DATA_INVALID)
        {
            throw new CkException(CKR.AEAD_DECRYPT_FAILED);
        }
    }

    /// <summary>C_*MessageBegin: remembers the parameter, IV and associated data of a multi-part message.</summary>
    public void Begin(MessageParams p, byte[] iv, byte[] aad)
    {
        if (_pending is not null) throw new CkException(CKR.OPERATION_ACTIVE);
        _pending = new Pending(p, iv, aad);
    }

    /// <summary>The length the next part brings the message to (what the part with CKF_END_OF_MESSAGE returns).</summary>
    public long LengthWith(int part) => (_pending ?? throw new CkException(CKR.OPERATION_NOT_INITIALIZED)).Data.Length + part;

    /// <summary>C_*MessageNext: collects a part; with <paramref name="end"/> runs the message and returns output and tag.</summary>
    public (byte[] Output, byte[] Tag) Next(MessageParams p, ReadOnlySpan<byte> part, bool end)
    {
        var pending = _pending ?? throw new CkException(CKR.OPERATION_NOT_INITIALIZED);
        if (pending.Data.Length + part.Length > Limit)
        {
            _pending = null;
            throw new CkException(_encrypt ? CKR.DATA_LEN_RANGE : CKR.ENCRYPTED_DATA_LEN_RANGE);
        }

        pending.Data.Write(part);
        if (!end) return ([], []);
        _pending = null;
        var data = pending.Data.GetBuffer().AsSpan(0, (int)pending.Data.Length);
        try
        {
            if (_encrypt) return Encrypt(pending.Parameter, pending.Iv, pending.Aad, data);
            if (p.Form != Form) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "per-message parameter of another mechanism");
            return (Decrypt(pending.Parameter with { Tag = p.Tag, TagBits = p.TagBits }, pending.Iv, pending.Aad, data), []);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pending.Data.GetBuffer());
        }
    }

    private ICipherOperation Create(MessageParams p, byte[] iv, byte[] aad, int dataLength)
    {
        byte[] parameter;
        switch (p.Form)
        {
            case MessageParams.Gcm:
                parameter = new GcmParams(iv, (ulong)iv.Length * 8, aad, p.TagBits).Encode();
                break;
            case MessageParams.Ccm:
                if (p.DataLength != 0 && p.DataLength != (ulong)dataLength)
                    throw new CkException(_encrypt ? CKR.DATA_LEN_RANGE : CKR.ENCRYPTED_DATA_LEN_RANGE, "ulDataLen differs from the message");
                if (p.TagBits % 8 != 0) throw new CkException(CKR.MECHANISM_PARAM_INVALID);
                parameter = new CcmParams((ulong)dataLength, iv, aad, p.TagBits / 8).Encode();
                break;
            default:
                if (p.TagBits != 128) throw new CkException(CKR.MECHANISM_PARAM_INVALID);
                parameter = new ChaCha20Poly1305Params(iv, aad).Encode();
                break;
        }

        return _encrypt ? _impl.CreateEncrypt(_mechanism, parameter, _key) : _impl.CreateDecrypt(_mechanism, parameter, _key);
    }
}

/// <summary>
/// One message-based signing or verification context (C_MessageSignInit / C_MessageVerifyInit): each message is a
/// fresh single-message operation of the mechanism with the parameter given at init. The signature, HMAC and MAC
/// mechanisms of this token take no per-message parameter: a non-NULL one is CKR_MECHANISM_PARAM_INVALID.
/// </summary>
public sealed class MessageSigner(ulong mechanism, byte[]? parameter, IMechanism impl, AttributeSet key, bool sign)
{
    private object? _multi;

    /// <summary>The data and signature of a call whose output buffer was NULL or short, returned again by the repeated call.</summary>
    public byte[]? StashInput { get; set; }

    public byte[]? StashOutput { get; set; }

    /// <summary>True between C_*MessageBegin and the final part.</summary>
    public bool InMessage => _multi is not null;

    /// <summary>Checks the init-time parameters by building one operation.</summary>
    public void Probe() => _ = Create();

    private object Create() => sign ? impl.CreateSign(mechanism, parameter, key) : impl.CreateVerify(mechanism, parameter, key);

    public static void CheckParameter(byte[]? perMessage)
    {
        if (perMessage is { Length: > 0 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "no per-message parameter for this mechanism");
    }

    public byte[] Sign(ReadOnlySpan<byte> data) => impl.CreateSign(mechanism, parameter, key).OneShot(data);

    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => impl.CreateVerify(mechanism, parameter, key).OneShot(data, signature);

    public void Begin()
    {
        if (_multi is not null) throw new CkException(CKR.OPERATION_ACTIVE);
        _multi = Create();
    }

    /// <summary>A part that is not the last.</summary>
    public void Update(ReadOnlySpan<byte> data)
    {
        var op = _multi ?? throw new CkException(CKR.OPERATION_NOT_INITIALIZED);
        try
        {
            if (op is ISignOperation s) s.Update(data);
            else ((IVerifyOperation)op).Update(data);
        }
        catch
        {
            _multi = null;
            throw;
        }
    }

    /// <summary>The last part of a multi-part signature: ends the message.</summary>
    public byte[] SignFinal(ReadOnlySpan<byte> data)
    {
        var op = (ISignOperation)(_multi ?? throw new CkException(CKR.OPERATION_NOT_INITIALIZED));
        _multi = null;
        op.Update(data);
        return op.Final();
    }

    /// <summary>The last part of a multi-part verification: ends the message.</summary>
    public bool VerifyFinal(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        var op = (IVerifyOperation)(_multi ?? throw new CkException(CKR.OPERATION_NOT_INITIALIZED));
        _multi = null;
        op.Update(data);
        return op.Final(signature);
    }
}
