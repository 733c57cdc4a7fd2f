using System.Buffers.Binary;
using OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Cryptoki.Wire;

/// <summary>
/// Canonical wire forms of mechanism parameters. Parameters that hold pointers (CK_GCM_PARAMS,
/// CK_RSA_PKCS_OAEP_PARAMS, CK_ECDH1_DERIVE_PARAMS, CK_CCM_PARAMS, CK_KEY_DERIVATION_STRING_DATA,
/// CK_AES_CBC_ENCRYPT_DATA_PARAMS, CK_EDDSA_PARAMS, CK_HKDF_PARAMS, CK_PKCS5_PBKD2_PARAMS2,
/// CK_SALSA20_CHACHA20_POLY1305_PARAMS, CK_CHACHA20_PARAMS, CK_RSA_AES_KEY_WRAP_PARAMS, CK_SP800_108_(FEEDBACK_)KDF_PARAMS, the TLS and SSL3 derivation parameters, CK_(HASH_)SIGN_ADDITIONAL_CONTEXT) are flattened by the module with these encoders;
/// every other parameter travels as its raw bytes (IVs, CK_RSA_PKCS_PSS_PARAMS, CK_AES_CTR_PARAMS,
/// CK_MAC_GENERAL_PARAMS, ...), in the LP64 layout of the caller.
/// </summary>
public static class MechanismParams
{
    /// <summary>
    /// True when the module must flatten a parameter of this kind with an encoder below (it holds pointers); the other
    /// kinds travel as the caller's bytes.
    /// </summary>
    public static bool HoldsPointers(ParamKind kind) => kind is not (ParamKind.Raw or ParamKind.Pss);

    /// <summary>True when the module must flatten this mechanism's parameter (its <see cref="KindOf"/> holds pointers).</summary>
    public static bool HasPointers(ulong mechanism) => HoldsPointers(KindOf(mechanism));

    /// <summary>
    /// The one CKM → parameter-kind table of the ABI side: which structure a mechanism's parameter is, and so how the
    /// module marshals it. The soft token's registry states the same kind for every mechanism it registers (a spec in
    /// tests/Tokens.Tests compares the two).
    /// </summary>
    public static ParamKind KindOf(ulong mechanism) => mechanism switch
    {
        CKM.AES_GCM => ParamKind.Gcm,
        CKM.RSA_PKCS_OAEP => ParamKind.Oaep,
        CKM.ECDH1_DERIVE or CKM.ECDH1_COFACTOR_DERIVE => ParamKind.Ecdh1,
        CKM.RSA_PKCS_PSS or CKM.SHA1_RSA_PKCS_PSS or CKM.SHA224_RSA_PKCS_PSS or CKM.SHA256_RSA_PKCS_PSS or CKM.SHA384_RSA_PKCS_PSS
            or CKM.SHA512_RSA_PKCS_PSS or CKM.SHA3_224_RSA_PKCS_PSS or CKM.SHA3_256_RSA_PKCS_PSS or CKM.SHA3_384_RSA_PKCS_PSS
            or CKM.SHA3_512_RSA_PKCS_PSS => ParamKind.Pss,
        CKM.AES_CCM => ParamKind.Ccm,
        CKM.CONCATENATE_BASE_AND_DATA or CKM.CONCATENATE_DATA_AND_BASE or CKM.XOR_BASE_AND_DATA
            or CKM.AES_ECB_ENCRYPT_DATA or CKM.DES_ECB_ENCRYPT_DATA or CKM.DES3_ECB_ENCRYPT_DATA => ParamKind.KeyDerivationStringData,
        CKM.AES_CBC_ENCRYPT_DATA => ParamKind.AesCbcEncryptData,
        CKM.DES_CBC_ENCRYPT_DATA or CKM.DES3_CBC_ENCRYPT_DATA => ParamKind.DesCbcEncryptData,
        CKM.EDDSA => ParamKind.EdDsa,
        CKM.HKDF_DERIVE or CKM.HKDF_DATA => ParamKind.Hkdf,
        CKM.PKCS5_PBKD2 => ParamKind.Pbkdf2,
        CKM.CHACHA20_POLY1305 => ParamKind.ChaCha20Poly1305,
        CKM.CHACHA20 => ParamKind.ChaCha20,
        CKM.RSA_AES_KEY_WRAP => ParamKind.RsaAesKeyWrap,
        CKM.SP800_108_COUNTER_KDF or CKM.SP800_108_DOUBLE_PIPELINE_KDF => ParamKind.Sp800108,
        CKM.SP800_108_FEEDBACK_KDF => ParamKind.Sp800108Feedback,
        CKM.TLS12_MASTER_KEY_DERIVE or CKM.TLS12_MASTER_KEY_DERIVE_DH => ParamKind.Tls12MasterKeyDerive,
        CKM.SSL3_MASTER_KEY_DERIVE or CKM.SSL3_MASTER_KEY_DERIVE_DH => ParamKind.Ssl3MasterKeyDerive,
        CKM.TLS12_KEY_AND_MAC_DERIVE or CKM.TLS12_KEY_SAFE_DERIVE => ParamKind.Tls12KeyMat,
        CKM.SSL3_KEY_AND_MAC_DERIVE => ParamKind.Ssl3KeyMat,
        CKM.TLS12_KDF or CKM.TLS_KDF => ParamKind.TlsKdf,
        CKM.ML_DSA or CKM.SLH_DSA or CKM.HASH_ML_DSA or CKM.HASH_SLH_DSA
            or (>= CKM.HASH_ML_DSA_SHA224 and <= CKM.HASH_ML_DSA_SHAKE256)
            or (>= CKM.HASH_SLH_DSA_SHA224 and <= CKM.HASH_SLH_DSA_SHAKE256) => ParamKind.SignAdditionalContext,
        _ => ParamKind.Raw,
    };

    /// <summary>
    /// The choices a policy rules on, read from a canonical parameter of <paramref name="kind"/>: the MGF of OAEP, PSS and
    /// RSA-AES key wrap parameters, the KDF of ECDH1 parameters. A parameter that does not parse yields no choice (the
    /// mechanism refuses it).
    /// </summary>
    public static ParameterChoices Choices(ParamKind kind, byte[]? parameter)
    {
        if (parameter is null) return ParameterChoices.None;
        try
        {
            return kind switch
            {
                ParamKind.Oaep => new(OaepParams.Decode(parameter).Mgf, null),
                ParamKind.RsaAesKeyWrap => new(RsaAesKeyWrapParams.Decode(parameter).Oaep.Mgf, null),
                ParamKind.Pss when parameter.Length == 24 => new(ULongAt(parameter, 8), null),
                ParamKind.Ecdh1 => new(null, Ecdh1DeriveParams.Decode(parameter).Kdf),
                _ => ParameterChoices.None,
            };
        }
        catch (WireFormatException)
        {
            return ParameterChoices.None;
        }
    }

    /// <summary>Reads a little-endian CK_ULONG from a raw flat parameter at a byte offset.</summary>
    public static ulong ULongAt(ReadOnlySpan<byte> raw, int offset)
    {
        if (raw.Length < offset + 8) throw new WireFormatException("mechanism parameter too short");
        return BinaryPrimitives.ReadUInt64LittleEndian(raw.Slice(offset, 8));
    }
}

/// <summary>CK_GCM_PARAMS: u64-free canonical form = bytes iv, u64 ivBits, bytes aad, u64 tagBits.</summary>
public sealed record GcmParams(byte[] Iv, ulong IvBits, byte[] Aad, ulong TagBits)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(64 + Iv.Length + Aad.Length);
        Write(w, Iv, IvBits, Aad, TagBits);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Writes the canonical form (what <see cref="Encode"/> returns) without allocating.</summary>
    public static void Write(WireWriter w, ReadOnlySpan<byte> iv, ulong ivBits, ReadOnlySpan<byte> aad, ulong tagBits)
    {
        w.WriteBytes(iv);
        w.WriteULong(ivBits);
        w.WriteBytes(aad);
        w.WriteULong(tagBits);
    }

    public static GcmParams Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new GcmParams(r.ReadBytes(), r.ReadULong(), r.ReadBytes(), r.ReadULong());
        r.ExpectEnd();
        return p;
    }
}

/// <summary>CK_RSA_PKCS_OAEP_PARAMS: u64 hashAlg, u64 mgf, u64 source, bytes sourceData.</summary>
public sealed record OaepParams(ulong HashAlg, ulong Mgf, ulong Source, byte[] SourceData)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(64 + SourceData.Length);
        Write(w, HashAlg, Mgf, Source, SourceData);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Writes the canonical form (what <see cref="Encode"/> returns) without allocating.</summary>
    public static void Write(WireWriter w, ulong hashAlg, ulong mgf, ulong source, ReadOnlySpan<byte> sourceData)
    {
        w.WriteULong(hashAlg);
        w.WriteULong(mgf);
        w.WriteULong(source);
        w.WriteBytes(sourceData);
    }

    public static OaepParams Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new OaepParams(r.ReadULong(), r.ReadULong(), r.ReadULong(), r.ReadBytes());
        r.ExpectEnd();
        return p;
    }
}

/// <summary>CK_ECDH1_DERIVE_PARAMS: u64 kdf, bytes sharedData, bytes publicData.</summary>
public sealed record Ecdh1DeriveParams(ulong Kdf, byte[] SharedData, byte[] PublicData)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(64 + SharedData.Length + PublicData.Length);
        Write(w, Kdf, SharedData, PublicData);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Writes the canonical form (what <see cref="Encode"/> returns) without allocating.</summary>
    public static void Write(WireWriter w, ulong kdf, ReadOnlySpan<byte> sharedData, ReadOnlySpan<byte> publicData)
    {
        w.WriteULong(kdf);
        w.WriteBytes(sharedData);
        w.WriteBytes(publicData);
    }

    public static Ecdh1DeriveParams Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new Ecdh1DeriveParams(r.ReadULong(), r.ReadBytes(), r.ReadBytes());
        r.ExpectEnd();
        return p;
    }
}

/// <summary>What a policy rules on in a parameter (policy.mgfs, policy.kdfs): null where the parameter has no such choice.</summary>
public readonly record struct ParameterChoices(ulong? Mgf, ulong? Kdf)
{
    public static ParameterChoices None => default;
}

/// <summary>The parameter structures of <see cref="MechanismParams.KindOf"/>.</summary>
public enum ParamKind
{
    /// <summary>No pointers (or no parameter): the caller's bytes travel as they are.</summary>
    Raw,

    /// <summary>CK_RSA_PKCS_PSS_PARAMS: no pointers, raw; named so that a policy can rule on its MGF.</summary>
    Pss,

    /// <summary>CK_GCM_PARAMS (3.0 or the 2.40 layout) as <see cref="GcmParams"/>.</summary>
    Gcm,

    /// <summary>CK_RSA_PKCS_OAEP_PARAMS as <see cref="OaepParams"/>.</summary>
    Oaep,

    /// <summary>CK_ECDH1_DERIVE_PARAMS as <see cref="Ecdh1DeriveParams"/>.</summary>
    Ecdh1,
    Ccm,
    KeyDerivationStringData,
    AesCbcEncryptData,

    /// <summary>CK_DES_CBC_ENCRYPT_DATA_PARAMS: the canonical form of AesCbcEncryptDataParams with an 8-byte IV.</summary>
    DesCbcEncryptData,
    EdDsa,
    Hkdf,
    Pbkdf2,
    ChaCha20Poly1305,
    ChaCha20,
    RsaAesKeyWrap,

    /// <summary>CK_SP800_108_KDF_PARAMS, in the form of <see cref="Sp800108Params"/> with an empty IV.</summary>
    Sp800108,

    /// <summary>CK_SP800_108_FEEDBACK_KDF_PARAMS, in the form of <see cref="Sp800108Params"/>.</summary>
    Sp800108Feedback,

    /// <summary>CK_TLS12_MASTER_KEY_DERIVE_PARAMS as <see cref="TlsParams"/>; the reply carries the CK_VERSION after the handle.</summary>
    Tls12MasterKeyDerive,

    /// <summary>CK_SSL3_MASTER_KEY_DERIVE_PARAMS as <see cref="TlsParams"/>; the reply carries the CK_VERSION after the handle.</summary>
    Ssl3MasterKeyDerive,

    /// <summary>CK_TLS12_KEY_MAT_PARAMS as <see cref="TlsParams"/>; the reply carries the CK_SSL3_KEY_MAT_OUT handles and IVs.</summary>
    Tls12KeyMat,

    /// <summary>CK_SSL3_KEY_MAT_PARAMS as <see cref="TlsParams"/>; the reply carries the CK_SSL3_KEY_MAT_OUT handles and IVs.</summary>
    Ssl3KeyMat,

    /// <summary>CK_TLS_KDF_PARAMS as <see cref="TlsParams"/>.</summary>
    TlsKdf,

    /// <summary>CK_SIGN_ADDITIONAL_CONTEXT or CK_HASH_SIGN_ADDITIONAL_CONTEXT (PKCS#11 3.2) as <see cref="SignContextParams"/>.</summary>
    SignAdditionalContext,
}

/// <summary>
/// CK_SIGN_ADDITIONAL_CONTEXT (ML-DSA, SLH-DSA and their pre-hash variants) and CK_HASH_SIGN_ADDITIONAL_CONTEXT
/// (CKM_HASH_ML_DSA, CKM_HASH_SLH_DSA): u64 hedgeVariant, bytes context, u64 hash. The hash is
/// CK_UNAVAILABLE_INFORMATION when the caller's structure is CK_SIGN_ADDITIONAL_CONTEXT (it has no hash member).
/// </summary>
public sealed record SignContextParams(ulong Hedge, byte[] Context, ulong Hash)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(32 + Context.Length);
        Write(w, Hedge, Context, Hash);
        return w.WrittenSpan.ToArray();
    }

    public static void Write(WireWriter w, ulong hedge, ReadOnlySpan<byte> context, ulong hash)
    {
        w.WriteULong(hedge);
        w.WriteBytes(context);
        w.WriteULong(hash);
    }

    public static SignContextParams Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new SignContextParams(r.ReadULong(), r.ReadBytes(), r.ReadULong());
        r.ExpectEnd();
        return p;
    }
}

/// <summary>CK_CCM_PARAMS: u64 dataLen, bytes nonce, bytes aad, u64 macLen.</summary>
public sealed record CcmParams(ulong DataLen, byte[] Nonce, byte[] Aad, ulong MacLen)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(64 + Nonce.Length + Aad.Length);
        Write(w, DataLen, Nonce, Aad, MacLen);
        return w.WrittenSpan.ToArray();
    }

    public static void Write(WireWriter w, ulong dataLen, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ulong macLen)
    {
        w.WriteULong(dataLen);
        w.WriteBytes(nonce);
        w.WriteBytes(aad);
        w.WriteULong(macLen);
    }

    public static CcmParams Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new CcmParams(r.ReadULong(), r.ReadBytes(), r.ReadBytes(), r.ReadULong());
        r.ExpectEnd();
        return p;
    }
}

/// <summary>CK_KEY_DERIVATION_STRING_DATA: bytes data.</summary>
public sealed record KeyDerivationStringData(byte[] Data)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(16 + Data.Length);
        Write(w, Data);
        return w.WrittenSpan.ToArray();
    }

    public static void Write(WireWriter w, ReadOnlySpan<byte> data) => w.WriteBytes(data);

    public static KeyDerivationStringData Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new KeyDerivationStringData(r.ReadBytes());
        r.ExpectEnd();
        return p;
    }
}

/// <summary>CK_AES_CBC_ENCRYPT_DATA_PARAMS: bytes iv (16), bytes data.</summary>
public sealed record AesCbcEncryptDataParams(byte[] Iv, byte[] Data)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(32 + Iv.Length + Data.Length);
        Write(w, Iv, Data);
        return w.WrittenSpan.ToArray();
    }

    public static void Write(WireWriter w, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> data)
    {
        w.WriteBytes(iv);
        w.WriteBytes(data);
    }

    public static AesCbcEncryptDataParams Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new AesCbcEncryptDataParams(r.ReadBytes(), r.ReadBytes());
        r.ExpectEnd();
        return p;
    }
}

/// <summary>CK_EDDSA_PARAMS: u8 phFlag, bytes contextData.</summary>
public sealed record EdDsaParams(bool PhFlag, byte[] Context)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(16 + Context.Length);
        Write(w, PhFlag, Context);
        return w.WrittenSpan.ToArray();
    }

    public static void Write(WireWriter w, bool phFlag, ReadOnlySpan<byte> context)
    {
        w.WriteBool(phFlag);
        w.WriteBytes(context);
    }

    public static EdDsaParams Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new EdDsaParams(r.ReadBool(), r.ReadBytes());
        r.ExpectEnd();
        return p;
    }
}

/// <summary>
/// CK_HKDF_PARAMS: u8 bExtract, u8 bExpand, u64 prfHashMechanism, u64 ulSaltType, bytes salt, u64 hSaltKey, bytes info.
/// </summary>
public sealed record HkdfParams(bool Extract, bool Expand, ulong PrfHashMechanism, ulong SaltType, byte[] Salt, ulong SaltKey, byte[] Info)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(64 + Salt.Length + Info.Length);
        Write(w, Extract, Expand, PrfHashMechanism, SaltType, Salt, SaltKey, Info);
        return w.WrittenSpan.ToArray();
    }

    public static void Write(WireWriter w, bool extract, bool expand, ulong prf, ulong saltType, ReadOnlySpan<byte> salt, ulong saltKey, ReadOnlySpan<byte> info)
    {
        w.WriteBool(extract);
        w.WriteBool(expand);
        w.WriteULong(prf);
        w.WriteULong(saltType);
        w.WriteBytes(salt);
        w.WriteULong(saltKey);
        w.WriteBytes(info);
    }

    public static HkdfParams Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new HkdfParams(r.ReadBool(), r.ReadBool(), r.ReadULong(), r.ReadULong(), r.ReadBytes(), r.ReadULong(), r.ReadBytes());
        r.ExpectEnd();
        return p;
    }
}

/// <summary>
/// CK_PKCS5_PBKD2_PARAMS2: u64 saltSource, bytes saltSourceData, u64 iterations, u64 prf, bytes prfData, bytes password.
/// </summary>
public sealed record Pbkdf2Params(ulong SaltSource, byte[] Salt, ulong Iterations, ulong Prf, byte[] PrfData, byte[] Password)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(64 + Salt.Length + PrfData.Length + Password.Length);
        Write(w, SaltSource, Salt, Iterations, Prf, PrfData, Password);
        return w.WrittenSpan.ToArray();
    }

    public static void Write(WireWriter w, ulong saltSource, ReadOnlySpan<byte> salt, ulong iterations, ulong prf, ReadOnlySpan<byte> prfData, ReadOnlySpan<byte> password)
    {
        w.WriteULong(saltSource);
        w.WriteBytes(salt);
        w.WriteULong(iterations);
        w.WriteULong(prf);
        w.WriteBytes(prfData);
        w.WriteBytes(password);
    }

    public static Pbkdf2Params Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new Pbkdf2Params(r.ReadULong(), r.ReadBytes(), r.ReadULong(), r.ReadULong(), r.ReadBytes(), r.ReadBytes());
        r.ExpectEnd();
        return p;
    }
}

/// <summary>CK_SALSA20_CHACHA20_POLY1305_PARAMS: bytes nonce, bytes aad.</summary>
public sealed record ChaCha20Poly1305Params(byte[] Nonce, byte[] Aad)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(16 + Nonce.Length + Aad.Length);
        Write(w, Nonce, Aad);
        return w.WrittenSpan.ToArray();
    }

    public static void Write(WireWriter w, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad)
    {
        w.WriteBytes(nonce);
        w.WriteBytes(aad);
    }

    public static ChaCha20Poly1305Params Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new ChaCha20Poly1305Params(r.ReadBytes(), r.ReadBytes());
        r.ExpectEnd();
        return p;
    }
}

/// <summary>CK_CHACHA20_PARAMS: bytes blockCounter (its ulCounterBits / 8 bytes), u64 counterBits, bytes nonce (ulNonceBits / 8 bytes).</summary>
public sealed record ChaCha20Params(byte[] BlockCounter, ulong CounterBits, byte[] Nonce)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(32 + BlockCounter.Length + Nonce.Length);
        Write(w, BlockCounter, CounterBits, Nonce);
        return w.WrittenSpan.ToArray();
    }

    public static void Write(WireWriter w, ReadOnlySpan<byte> blockCounter, ulong counterBits, ReadOnlySpan<byte> nonce)
    {
        w.WriteBytes(blockCounter);
        w.WriteULong(counterBits);
        w.WriteBytes(nonce);
    }

    public static ChaCha20Params Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new ChaCha20Params(r.ReadBytes(), r.ReadULong(), r.ReadBytes());
        r.ExpectEnd();
        return p;
    }
}

/// <summary>CK_RSA_AES_KEY_WRAP_PARAMS: u64 aesKeyBits, then the OAEP parameters in <see cref="OaepParams"/> form.</summary>
public sealed record RsaAesKeyWrapParams(ulong AesKeyBits, OaepParams Oaep)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(64 + Oaep.SourceData.Length);
        w.WriteULong(AesKeyBits);
        OaepParams.Write(w, Oaep.HashAlg, Oaep.Mgf, Oaep.Source, Oaep.SourceData);
        return w.WrittenSpan.ToArray();
    }

    public static RsaAesKeyWrapParams Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new RsaAesKeyWrapParams(r.ReadULong(), new OaepParams(r.ReadULong(), r.ReadULong(), r.ReadULong(), r.ReadBytes()));
        r.ExpectEnd();
        return p;
    }
}

/// <summary>
/// The per-message parameter of C_EncryptMessage* / C_DecryptMessage*, flattened by the module: u64 form
/// (<see cref="Gcm"/> CK_GCM_MESSAGE_PARAMS, <see cref="Ccm"/> CK_CCM_MESSAGE_PARAMS, <see cref="ChaCha"/>
/// CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS), bytes iv (pIv / pNonce contents as given), u64 fixedBits, u64 generator
/// (CKG_*), u64 tagBits (GCM ulTagBits; CCM ulMACLen * 8; ChaCha20-Poly1305 128), u64 dataLength (CCM ulDataLen, else 0),
/// bytes tag (the pTag / pMAC contents on decryption; empty on encryption).
/// </summary>
public sealed record MessageParams(ulong Form, byte[] Iv, ulong FixedBits, ulong Generator, ulong TagBits, ulong DataLength, byte[] Tag)
{
    public const ulong Gcm = 1;
    public const ulong Ccm = 2;
    public const ulong ChaCha = 3;

    public byte[] Encode()
    {
        using var w = new WireWriter(64 + Iv.Length + Tag.Length);
        Write(w, Form, Iv, FixedBits, Generator, TagBits, DataLength, Tag);
        return w.WrittenSpan.ToArray();
    }

    public static void Write(WireWriter w, ulong form, ReadOnlySpan<byte> iv, ulong fixedBits, ulong generator, ulong tagBits, ulong dataLength, ReadOnlySpan<byte> tag)
    {
        w.WriteULong(form);
        w.WriteBytes(iv);
        w.WriteULong(fixedBits);
        w.WriteULong(generator);
        w.WriteULong(tagBits);
        w.WriteULong(dataLength);
        w.WriteBytes(tag);
    }

    public static MessageParams Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new MessageParams(r.ReadULong(), r.ReadBytes(), r.ReadULong(), r.ReadULong(), r.ReadULong(), r.ReadULong(), r.ReadBytes());
        r.ExpectEnd();
        return p;
    }
}
