using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;

namespace OpenCryptokiActors.Tokens.Mechanisms.Derive;

/// <summary>
/// Secret-key derivations (PKCS#11 v3.0 §6.43 ff., §6.57 ff.): CKM_CONCATENATE_BASE_AND_DATA, CKM_CONCATENATE_DATA_AND_BASE,
/// CKM_XOR_BASE_AND_DATA (CK_KEY_DERIVATION_STRING_DATA), CKM_EXTRACT_KEY_FROM_KEY (CK_EXTRACT_PARAMS),
/// CKM_MD5/SHA*/SHA3_*_KEY_DERIVATION (the new key is the leading bytes of the hash of the base key),
/// CKM_SHAKE_128/256_KEY_DERIVATION (the new key is the SHAKE output of the base key, as long as the new key; BouncyCastle),
/// CKM_HKDF_DERIVE / CKM_HKDF_DATA (RFC 5869, CK_HKDF_PARAMS; salt NULL or data), CKM_HKDF_KEY_GEN and
/// CKM_PKCS5_PBKD2 (C_GenerateKey, PKCS #5 v2.1 PBKDF2, CK_PKCS5_PBKD2_PARAMS2). Key sizes in bytes where checked.
/// </summary>
public sealed class KeyDerivationMechanisms : IMechanism
{
    private static readonly KeyDerivationMechanisms Instance = new();

    private static readonly (ulong Mechanism, HashAlg Hash)[] HashDerivations =
    [
        (CKM.MD5_KEY_DERIVATION, Hashes.Md5), (CKM.SHA1_KEY_DERIVATION, Hashes.Sha1), (CKM.SHA224_KEY_DERIVATION, Hashes.Sha224),
        (CKM.SHA256_KEY_DERIVATION, Hashes.Sha256), (CKM.SHA384_KEY_DERIVATION, Hashes.Sha384), (CKM.SHA512_KEY_DERIVATION, Hashes.Sha512),
        (CKM.SHA512_224_KEY_DERIVATION, Hashes.Sha512_224), (CKM.SHA512_256_KEY_DERIVATION, Hashes.Sha512_256),
        (CKM.SHA3_224_KEY_DERIVATION, Hashes.Sha3_224), (CKM.SHA3_256_KEY_DERIVATION, Hashes.Sha3_256),
        (CKM.SHA3_384_KEY_DERIVATION, Hashes.Sha3_384), (CKM.SHA3_512_KEY_DERIVATION, Hashes.Sha3_512),
    ];

    private static readonly (ulong Prf, HashAlg Hash)[] Pbkdf2Prfs =
    [
        (CKP.PKCS5_PBKD2_HMAC_SHA1, Hashes.Sha1), (CKP.PKCS5_PBKD2_HMAC_SHA224, Hashes.Sha224), (CKP.PKCS5_PBKD2_HMAC_SHA256, Hashes.Sha256),
        (CKP.PKCS5_PBKD2_HMAC_SHA384, Hashes.Sha384), (CKP.PKCS5_PBKD2_HMAC_SHA512, Hashes.Sha512),
        (CKP.PKCS5_PBKD2_HMAC_SHA512_224, Hashes.Sha512_224), (CKP.PKCS5_PBKD2_HMAC_SHA512_256, Hashes.Sha512_256),
    ];

    public static void Register(MechanismRegistry r)
    {
        var derive = new MechanismInfo(1, 4096, CKF.DERIVE);
        r.Add(CKM.CONCATENATE_BASE_AND_DATA, derive, Instance, MechanismFacts.AnyKey.Taking(ParamKind.KeyDerivationStringData));
        r.Add(CKM.CONCATENATE_DATA_AND_BASE, derive, Instance, MechanismFacts.AnyKey.Taking(ParamKind.KeyDerivationStringData));
        r.Add(CKM.XOR_BASE_AND_DATA, derive, Instance, MechanismFacts.AnyKey.Taking(ParamKind.KeyDerivationStringData));
        r.Add(CKM.EXTRACT_KEY_FROM_KEY, derive, Instance, MechanismFacts.AnyKey);
        foreach (var (m, _) in HashDerivations) r.Add(m, derive, Instance, MechanismFacts.AnyKey);
        r.Add(CKM.SHAKE_128_KEY_DERIVATION, derive, Instance, MechanismFacts.AnyKey);
        r.Add(CKM.SHAKE_256_KEY_DERIVATION, derive, Instance, MechanismFacts.AnyKey);
        r.Add(CKM.HKDF_DERIVE, derive, Instance, MechanismFacts.AnyKey.Taking(ParamKind.Hkdf));
        r.Add(CKM.HKDF_DATA, derive, Instance, MechanismFacts.AnyKey.Taking(ParamKind.Hkdf));
        r.Add(CKM.HKDF_KEY_GEN, new MechanismInfo(1, 4096, CKF.GENERATE), Instance, MechanismFacts.Keys(CKK.HKDF));
        r.Add(CKM.PKCS5_PBKD2, new MechanismInfo(1, 4096, CKF.GENERATE), Instance, MechanismFacts.AnyKey.Taking(ParamKind.Pbkdf2));
    }

    public AttributeSet GenerateKey(ulong mechanism, byte[]? parameter, AttributeSet template)
    {
        switch (mechanism)
        {
            case CKM.HKDF_KEY_GEN:
            {
                Check.NoParameter(parameter);
                if (template.GetULong(CKA.KEY_TYPE) is { } kt && kt != CKK.HKDF) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "CKM_HKDF_KEY_GEN makes CKK_HKDF keys");
                var len = template.GetULong(CKA.VALUE_LEN) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN is required");
                if (len < 1 || len > 4096) throw new CkException(CKR.KEY_SIZE_RANGE);
                return DerivedKey.Make(CKK.HKDF, RandomNumberGenerator.GetBytes((int)len));
            }

            case CKM.PKCS5_PBKD2:
                return Pbkdf2(parameter, template);
            default:
                throw new CkException(CKR.MECHANISM_INVALID);
        }
    }

    public AttributeSet Derive(ulong mechanism, byte[]? parameter, AttributeSet baseKey, AttributeSet template)
    {
        var dataBase = mechanism == CKM.HKDF_DATA && baseKey.GetULong(CKA.CLASS) == CKO.DATA;
        if (!dataBase && baseKey.GetULong(CKA.CLASS) != CKO.SECRET_KEY) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "a secret base key is required");
        var value = baseKey.Get(CKA.VALUE) is { Length: > 0 } v ? v : throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "base key without value");
        switch (mechanism)
        {
            case CKM.CONCATENATE_BASE_AND_DATA:
                return DerivedKey.FromMaterial(template, [.. value, .. StringData(parameter)]);
            case CKM.CONCATENATE_DATA_AND_BASE:
                return DerivedKey.FromMaterial(template, [.. StringData(parameter), .. value]);
            case CKM.XOR_BASE_AND_DATA:
            {
                var data = StringData(parameter);
                var x = new byte[Math.Min(value.Length, data.Length)];
                for (var i = 0; i < x.Length; i++) x[i] = (byte)(value[i] ^ data[i]);
                return DerivedKey.FromMaterial(template, x);
            }

            case CKM.EXTRACT_KEY_FROM_KEY:
            {
                var bit = Params.ULong(parameter, "CK_EXTRACT_PARAMS");
                if (template.GetULong(CKA.VALUE_LEN) is null && template.GetULong(CKA.KEY_TYPE) is null)
                    throw new CkException(CKR.TEMPLATE_INCOMPLETE, "a length or a key type is required");
                var (kt, len) = DerivedKey.Shape(template, null, value.Length);
                var totalBits = (ulong)value.Length * 8;
                var output = new byte[len];
                for (var i = 0; i < len * 8; i++)
                {
                    var src = (bit + (ulong)i) % totalBits;
                    var b = (value[src / 8] >> (7 - (int)(src % 8))) & 1;
                    output[i / 8] |= (byte)(b << (7 - i % 8));
                }

                return DerivedKey.Make(kt, output);
            }

            case CKM.HKDF_DERIVE:
            case CKM.HKDF_DATA:
                return Hkdf(mechanism, parameter, value, template);
            case CKM.SHAKE_128_KEY_DERIVATION:
            case CKM.SHAKE_256_KEY_DERIVATION:
            {
                Check.NoParameter(parameter);
                var (kt, len) = DerivedKey.Shape(template, null, 4096);
                var shake = new Org.BouncyCastle.Crypto.Digests.ShakeDigest(mechanism == CKM.SHAKE_128_KEY_DERIVATION ? 128 : 256);
                shake.BlockUpdate(value, 0, value.Length);
                var output = new byte[len];
                shake.OutputFinal(output, 0, len);
                return DerivedKey.Make(kt, output);
            }
        }

        foreach (var (m, h) in HashDerivations)
        {
            if (m != mechanism) continue;
            Check.NoParameter(parameter);
            return DerivedKey.FromMaterial(template, Hashes.Hash(h, value));
        }

        throw new CkException(CKR.MECHANISM_INVALID);
    }

    private static byte[] StringData(byte[]? parameter)
    {
        var p = Params.Decode(parameter, b => KeyDerivationStringData.Decode(b), "CK_KEY_DERIVATION_STRING_DATA");
        return p.Data;
    }

    /// <summary>RFC 5869 extract and/or expand; CKM_HKDF_DATA makes a CKO_DATA object holding the output.</summary>
    private static AttributeSet Hkdf(ulong mechanism, byte[]? parameter, byte[] ikm, AttributeSet template)
    {
        var p = Params.Decode(parameter, b => HkdfParams.Decode(b), "CK_HKDF_PARAMS");
        var h = Hashes.ByDigest(p.PrfHashMechanism) ?? throw new CkException(CKR.MECHANISM_PARAM_INVALID, "unsupported HKDF hash");
        if (!p.Extract && !p.Expand) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "HKDF must extract, expand or both");
        var prk = ikm;
        if (p.Extract)
        {
            var salt = p.SaltType switch
            {
                CKF.HKDF_SALT_NULL => new byte[h.Length],
                CKF.HKDF_SALT_DATA when p.Salt.Length > 0 => p.Salt,
                CKF.HKDF_SALT_KEY => throw new CkException(CKR.MECHANISM_PARAM_INVALID, "CKF_HKDF_SALT_KEY is not supported"),
                _ => throw new CkException(CKR.MECHANISM_PARAM_INVALID, "bad HKDF salt type"),
            };
            prk = Hashes.Hmac(h, salt, ikm);
        }

        var max = p.Expand ? 255 * h.Length : h.Length;
        if (mechanism == CKM.HKDF_DATA)
        {
            var cls = template.GetULong(CKA.CLASS) ?? CKO.DATA;
            if (cls != CKO.DATA) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "CKM_HKDF_DATA makes data objects");
            var l = template.GetULong(CKA.VALUE_LEN) ?? (ulong)h.Length;
            if (l < 1 || l > (ulong)max) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "HKDF output length out of range");
            var data = new AttributeSet();
            data.SetULong(CKA.CLASS, CKO.DATA);
            data.Set(CKA.VALUE, p.Expand ? Expand(h, prk, p.Info, (int)l) : prk[..(int)l]);
            return data;
        }

        var (kt, len) = DerivedKey.Shape(template, h.Length, max);
        return DerivedKey.Make(kt, p.Expand ? Expand(h, prk, p.Info, len) : prk[..len]);
    }

    private static byte[] Expand(HashAlg h, byte[] prk, byte[] info, int length)
    {
        if (h.Digest is CKM.SHA_1 or CKM.SHA256 or CKM.SHA384 or CKM.SHA512)
            return HKDF.Expand(h.Name, prk, length, info);
        var gen = new HkdfBytesGenerator(h.Bouncy());
        gen.Init(HkdfParameters.SkipExtractParameters(prk, info));
        var okm = new byte[length];
        gen.GenerateBytes(okm, 0, length);
        return okm;
    }

    /// <summary>PBKDF2 (RFC 8018 §5.2) with an HMAC PRF; the key type and CKA_VALUE_LEN come from the template.</summary>
    private static AttributeSet Pbkdf2(byte[]? parameter, AttributeSet template)
    {
        var p = Params.Decode(parameter, b => Pbkdf2Params.Decode(b), "CK_PKCS5_PBKD2_PARAMS2");
        if (p.SaltSource != CKZ.SALT_SPECIFIED) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "salt source must be CKZ_SALT_SPECIFIED");
        if (p.Iterations is 0 or > 100_000_000) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "iteration count out of range");
        if (p.PrfData.Length != 0) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "PRF data is not used by HMAC PRFs");
        var h = Pbkdf2Prfs.Where(x => x.Prf == p.Prf).Select(x => x.Hash).FirstOrDefault()
                ?? throw new CkException(CKR.MECHANISM_PARAM_INVALID, "unsupported PBKDF2 PRF");
        var cls = template.GetULong(CKA.CLASS) ?? CKO.SECRET_KEY;
        if (cls != CKO.SECRET_KEY) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "PBKDF2 makes secret keys");
        var (kt, len) = DerivedKey.Shape(template, null, 4096);
        byte[] dk;
        if (h.Digest is CKM.SHA_1 or CKM.SHA256 or CKM.SHA384 or CKM.SHA512)
        {
            dk = Rfc2898DeriveBytes.Pbkdf2(p.Password, p.Salt, (int)p.Iterations, h.Name, len);
        }
        else
        {
            var gen = new Pkcs5S2ParametersGenerator(h.Bouncy());
            gen.Init(p.Password, p.Salt, (int)p.Iterations);
            dk = ((KeyParameter)gen.GenerateDerivedMacParameters(len * 8)).GetKey();
        }

        return DerivedKey.Make(kt, dk);
    }
}
