using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace OpenCryptokiActors.Tokens.Mechanisms.Rsa;

/// <summary>
/// RSA (PKCS#11 v3.0 §6.1): CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_RSA_PKCS (v1.5), CKM_RSA_X_509 (raw), CKM_RSA_PKCS_OAEP,
/// CKM_RSA_PKCS_PSS, CKM_MD5_RSA_PKCS, CKM_SHA*_RSA_PKCS and CKM_SHA*_RSA_PKCS_PSS (SHA-1, SHA-2 and SHA-3); OAEP and PSS
/// take every SHA-1/SHA-2/SHA-3 hash and MGF1. Key sizes in bits. .NET (OpenSSL) does the work
/// where it can; BouncyCastle covers raw RSA, v1.5 signatures of arbitrary data, OAEP labels/MGF choices and PSS
/// salt lengths .NET does not offer.
/// </summary>
public sealed class RsaMechanisms : IMechanism
{
    public const ulong MinBits = 1024;
    public const ulong MaxBits = 16384;

    internal static readonly RsaMechanisms Instance = new();

    /// <summary>The hash of a CKM_*_RSA_PKCS mechanism, or null.</summary>
    internal static HashAlg? Pkcs1HashOf(ulong mechanism) => Pkcs1Hashed.FirstOrDefault(x => x.Mechanism == mechanism).Hash;

    /// <summary>The hash of a CKM_*_RSA_PKCS_PSS mechanism, or null.</summary>
    internal static HashAlg? PssHashOf(ulong mechanism) => PssHashed.FirstOrDefault(x => x.Mechanism == mechanism).Hash;

    private static readonly (ulong Mechanism, HashAlg Hash)[] Pkcs1Hashed =
    [
        (CKM.SHA1_RSA_PKCS, Hashes.Sha1), (CKM.SHA224_RSA_PKCS, Hashes.Sha224), (CKM.SHA256_RSA_PKCS, Hashes.Sha256),
        (CKM.SHA384_RSA_PKCS, Hashes.Sha384), (CKM.SHA512_RSA_PKCS, Hashes.Sha512), (CKM.MD5_RSA_PKCS, Hashes.Md5),
        (CKM.SHA3_224_RSA_PKCS, Hashes.Sha3_224), (CKM.SHA3_256_RSA_PKCS, Hashes.Sha3_256), (CKM.SHA3_384_RSA_PKCS, Hashes.Sha3_384),
        (CKM.SHA3_512_RSA_PKCS, Hashes.Sha3_512),
    ];

    private static readonly (ulong Mechanism, HashAlg Hash)[] PssHashed =
    [
        (CKM.SHA1_RSA_PKCS_PSS, Hashes.Sha1), (CKM.SHA224_RSA_PKCS_PSS, Hashes.Sha224), (CKM.SHA256_RSA_PKCS_PSS, Hashes.Sha256),
        (CKM.SHA384_RSA_PKCS_PSS, Hashes.Sha384), (CKM.SHA512_RSA_PKCS_PSS, Hashes.Sha512),
        (CKM.SHA3_224_RSA_PKCS_PSS, Hashes.Sha3_224), (CKM.SHA3_256_RSA_PKCS_PSS, Hashes.Sha3_256),
        (CKM.SHA3_384_RSA_PKCS_PSS, Hashes.Sha3_384), (CKM.SHA3_512_RSA_PKCS_PSS, Hashes.Sha3_512),
    ];

    private static readonly HashAlg[] NetRsaHashes = Hashes.All.Where(Hashes.NetRsaSupports).ToArray();

    /// <summary>The hash-and-sign mechanisms (for KeyUsage.RequiredKeyType and the README table).</summary>
    public static IEnumerable<ulong> HashedMechanisms => Pkcs1Hashed.Concat(PssHashed).Select(x => x.Mechanism);

    /// <summary>True for the CKM_SHA*_RSA_PKCS_PSS mechanisms (CK_RSA_PKCS_PSS_PARAMS with a fixed hash).</summary>
    public static bool IsPssHashed(ulong mechanism) => PssHashed.Any(x => x.Mechanism == mechanism);

    public static void Register(MechanismRegistry r)
    {
        // policy.legacy admits RSA keys of 512 and 768 bits for use (not for generation).
        var rsa = MechanismFacts.Keys(CKK.RSA).WithLegacyMinKeySize(512);
        const ulong all = CKF.ENCRYPT | CKF.DECRYPT | CKF.SIGN | CKF.VERIFY | CKF.SIGN_RECOVER | CKF.VERIFY_RECOVER | CKF.WRAP | CKF.UNWRAP;
        r.Add(CKM.RSA_PKCS_KEY_PAIR_GEN, new MechanismInfo(MinBits, MaxBits, CKF.GENERATE_KEY_PAIR), Instance, MechanismFacts.Keys(CKK.RSA));
        r.Add(CKM.RSA_X9_31_KEY_PAIR_GEN, new MechanismInfo(MinBits, MaxBits, CKF.GENERATE_KEY_PAIR), Instance, MechanismFacts.Keys(CKK.RSA));
        r.Add(CKM.RSA_PKCS, new MechanismInfo(MinBits, MaxBits, all), Instance, rsa);
        r.Add(CKM.RSA_X_509, new MechanismInfo(MinBits, MaxBits, all), Instance, rsa);
        r.Add(CKM.RSA_PKCS_OAEP, new MechanismInfo(MinBits, MaxBits, CKF.ENCRYPT | CKF.DECRYPT | CKF.WRAP | CKF.UNWRAP | CKF.ENCAPSULATE | CKF.DECAPSULATE), Instance, rsa.Taking(ParamKind.Oaep));
        r.Add(CKM.RSA_PKCS_PSS, new MechanismInfo(MinBits, MaxBits, CKF.SIGN | CKF.VERIFY), Instance, rsa.Taking(ParamKind.Pss));
        foreach (var (m, _) in Pkcs1Hashed) r.Add(m, new MechanismInfo(MinBits, MaxBits, CKF.SIGN | CKF.VERIFY), Instance, rsa);
        r.Add(CKM.MD2_RSA_PKCS, new MechanismInfo(MinBits, MaxBits, CKF.SIGN | CKF.VERIFY), Instance, rsa.AsLegacy());
        foreach (var (m, _) in PssHashed) r.Add(m, new MechanismInfo(MinBits, MaxBits, CKF.SIGN | CKF.VERIFY), Instance, rsa.Taking(ParamKind.Pss));
    }

    public (AttributeSet Public, AttributeSet Private) GenerateKeyPair(ulong mechanism, byte[]? parameter, AttributeSet publicTemplate, AttributeSet privateTemplate)
    {
        if (mechanism is not (CKM.RSA_PKCS_KEY_PAIR_GEN or CKM.RSA_X9_31_KEY_PAIR_GEN)) throw new CkException(CKR.MECHANISM_INVALID);
        Check.NoParameter(parameter);
        var bits = publicTemplate.GetULong(CKA.MODULUS_BITS) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_MODULUS_BITS is required");
        if (bits is < MinBits or > MaxBits) throw new CkException(CKR.KEY_SIZE_RANGE, "RSA key size out of range");
        var eGiven = publicTemplate.Get(CKA.PUBLIC_EXPONENT);
        var e = eGiven is { Length: > 0 } ? RsaKeys.ToBig(eGiven) : 65537;
        if (e < 3 || e.IsEven || e.GetBitLength() > 256) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "unsupported RSA public exponent");
        // ANSI X9.31 §4.1 as FIPS 186-4 applies it: a modulus of 1024 + 256·s bits and an odd e ≥ 65537. The primes come from the
        // same generator as CKM_RSA_PKCS_KEY_PAIR_GEN (probable primes with |p − q| and d bounds); X9.31's auxiliary-prime
        // construction is not used (no kept library offers it).
        if (mechanism == CKM.RSA_X9_31_KEY_PAIR_GEN)
        {
            if (bits % 256 != 0) throw new CkException(CKR.KEY_SIZE_RANGE, "an X9.31 modulus is a multiple of 256 bits");
            if (e < 65537) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "an X9.31 public exponent is at least 65537");
        }

        RSAParameters p;
        if (e == 65537)
        {
            using var rsa = RSA.Create((int)bits);
            p = rsa.ExportParameters(true);
        }
        else
        {
            var gen = new RsaKeyPairGenerator();
            gen.Init(new RsaKeyGenerationParameters(RsaKeys.Bc(RsaKeys.ToBytes(e)), new SecureRandom(), (int)bits, 100));
            var k = (RsaPrivateCrtKeyParameters)gen.GenerateKeyPair().Private;
            p = new RSAParameters
            {
                Modulus = k.Modulus.ToByteArrayUnsigned(), Exponent = k.PublicExponent.ToByteArrayUnsigned(),
                D = k.Exponent.ToByteArrayUnsigned(), P = k.P.ToByteArrayUnsigned(), Q = k.Q.ToByteArrayUnsigned(),
                DP = k.DP.ToByteArrayUnsigned(), DQ = k.DQ.ToByteArrayUnsigned(), InverseQ = k.QInv.ToByteArrayUnsigned(),
            };
        }

        var priv = RsaKeys.PrivateAttributes(p);
        var pub = new AttributeSet();
        pub.SetULong(CKA.CLASS, CKO.PUBLIC_KEY);
        pub.SetULong(CKA.KEY_TYPE, CKK.RSA);
        pub.Set(CKA.MODULUS, priv[CKA.MODULUS]);
        // Keep the caller's spelling of the exponent so the template and the key agree byte for byte.
        pub.Set(CKA.PUBLIC_EXPONENT, eGiven is { Length: > 0 } ? (byte[])eGiven.Clone() : priv[CKA.PUBLIC_EXPONENT]);
        pub.SetULong(CKA.MODULUS_BITS, (ulong)ObjectTypes.BitLength(priv[CKA.MODULUS]));
        return (pub, priv);
    }

    public ICipherOperation CreateEncrypt(ulong mechanism, byte[]? parameter, AttributeSet key)
    {
        RequireClass(key, CKO.PUBLIC_KEY);
        var k = RsaKeys.ModulusBytes(key);
        switch (mechanism)
        {
            case CKM.RSA_PKCS:
                Check.NoParameter(parameter);
                return new RsaCipher(data =>
                {
                    if (data.Length > k - 11) throw new CkException(CKR.DATA_LEN_RANGE);
                    return RsaKeys.Prepare(key).Net(data, static (rsa, d) => rsa.Encrypt(d, RSAEncryptionPadding.Pkcs1));
                });
            case CKM.RSA_X_509:
                Check.NoParameter(parameter);
                return new RsaCipher(data => Raw(key, data, CKR.DATA_LEN_RANGE));
            case CKM.RSA_PKCS_OAEP:
            {
                var (h, mgf, label) = Oaep(parameter);
                var padding = NetOaep(h, mgf, label);
                return new RsaCipher(data =>
                {
                    if (data.Length > k - 2 * h.Length - 2) throw new CkException(CKR.DATA_LEN_RANGE);
                    var prepared = RsaKeys.Prepare(key);
                    if (padding is not null) return prepared.Net((data, padding), static (rsa, a) => rsa.Encrypt(a.data, a.padding));

                    var enc = new OaepEncoding(new RsaEngine(), h.Bouncy(), mgf.Bouncy(), label);
                    enc.Init(true, prepared.Bouncy);
                    return RsaKeys.Pad(enc.ProcessBlock(data, 0, data.Length), k);
                });
            }

            default:
                throw new CkException(CKR.MECHANISM_INVALID);
        }
    }

    public ICipherOperation CreateDecrypt(ulong mechanism, byte[]? parameter, AttributeSet key)
    {
        RequireClass(key, CKO.PRIVATE_KEY);
        var k = RsaKeys.ModulusBytes(key);
        switch (mechanism)
        {
            case CKM.RSA_PKCS:
                Check.NoParameter(parameter);
                return new RsaCipher(data =>
                {
                    if (data.Length != k) throw new CkException(CKR.ENCRYPTED_DATA_LEN_RANGE);
                    var prepared = RsaKeys.Prepare(key);
                    try
                    {
                        return prepared.Net(data, static (rsa, d) => rsa.Decrypt(d, RSAEncryptionPadding.Pkcs1));
                    }
                    catch (CryptographicException)
                    {
                        throw new CkException(CKR.ENCRYPTED_DATA_INVALID);
                    }
                });
            case CKM.RSA_X_509:
                Check.NoParameter(parameter);
                return new RsaCipher(data => Raw(key, data, CKR.ENCRYPTED_DATA_LEN_RANGE));
            case CKM.RSA_PKCS_OAEP:
            {
                var (h, mgf, label) = Oaep(parameter);
                var padding = NetOaep(h, mgf, label);
                return new RsaCipher(data =>
                {
                    if (data.Length != k) throw new CkException(CKR.ENCRYPTED_DATA_LEN_RANGE);
                    var prepared = RsaKeys.Prepare(key);
                    try
                    {
                        if (padding is not null) return prepared.Net((data, padding), static (rsa, a) => rsa.Decrypt(a.data, a.padding));

                        var enc = new OaepEncoding(new RsaBlindedEngine(), h.Bouncy(), mgf.Bouncy(), label);
                        enc.Init(false, prepared.Bouncy);
                        return enc.ProcessBlock(data, 0, data.Length);
                    }
                    catch (Exception e) when (e is CryptographicException or InvalidCipherTextException or DataLengthException)
                    {
                        throw new CkException(CKR.ENCRYPTED_DATA_INVALID);
                    }
                });
            }

            default:
                throw new CkException(CKR.MECHANISM_INVALID);
        }
    }

    public ISignOperation CreateSign(ulong mechanism, byte[]? parameter, AttributeSet key) => CreateSigner(mechanism, parameter, key, signing: true);

    public IVerifyOperation CreateVerify(ulong mechanism, byte[]? parameter, AttributeSet key) => CreateSigner(mechanism, parameter, key, signing: false);

    public IRecoverOperation CreateSignRecover(ulong mechanism, byte[]? parameter, AttributeSet key)
    {
        if (mechanism is not (CKM.RSA_PKCS or CKM.RSA_X_509)) throw new CkException(CKR.MECHANISM_INVALID);
        var op = CreateSigner(mechanism, parameter, key, signing: true);
        return new RecoverOperation(data => op.OneShot(data));
    }

    public IRecoverOperation CreateVerifyRecover(ulong mechanism, byte[]? parameter, AttributeSet key)
    {
        Check.NoParameter(parameter);
        RequireClass(key, CKO.PUBLIC_KEY);
        var k = RsaKeys.ModulusBytes(key);
        return mechanism switch
        {
            CKM.RSA_PKCS => new RecoverOperation(sig =>
            {
                if (sig.Length != k) throw new CkException(CKR.SIGNATURE_LEN_RANGE);
                return Pkcs1Open(key, sig) ?? throw new CkException(CKR.SIGNATURE_INVALID);
            }),
            CKM.RSA_X_509 => new RecoverOperation(sig =>
            {
                if (sig.Length != k) throw new CkException(CKR.SIGNATURE_LEN_RANGE);
                return Raw(key, sig, CKR.SIGNATURE_INVALID);
            }),
            _ => throw new CkException(CKR.MECHANISM_INVALID),
        };
    }

    /// <summary>
    /// C_EncapsulateKey with CKM_RSA_PKCS_OAEP (PKCS#11 3.2): a random secret of the template's CKA_VALUE_LEN (at most what
    /// OAEP carries under this key and hash), OAEP-encrypted under the public key; the secret becomes the new key.
    /// </summary>
    public (byte[] Ciphertext, AttributeSet Key) Encapsulate(ulong mechanism, byte[]? parameter, AttributeSet publicKey, AttributeSet template)
    {
        if (mechanism != CKM.RSA_PKCS_OAEP) throw new CkException(CKR.MECHANISM_INVALID);
        RequireClass(publicKey, CKO.PUBLIC_KEY);
        var (hash, _, _) = Oaep(parameter);
        var (keyType, length) = DerivedKey.Shape(template, null, RsaKeys.ModulusBytes(publicKey) - 2 * hash.Length - 2);
        var secret = RandomNumberGenerator.GetBytes(length);
        return (CreateEncrypt(mechanism, parameter, publicKey).OneShot(secret), DerivedKey.Make(keyType, secret));
    }

    /// <summary>C_DecapsulateKey with CKM_RSA_PKCS_OAEP: the OAEP-decrypted secret, which must have the template's length.</summary>
    public AttributeSet Decapsulate(ulong mechanism, byte[]? parameter, AttributeSet privateKey, byte[] ciphertext, AttributeSet template)
    {
        if (mechanism != CKM.RSA_PKCS_OAEP) throw new CkException(CKR.MECHANISM_INVALID);
        RequireClass(privateKey, CKO.PRIVATE_KEY);
        var secret = CreateDecrypt(mechanism, parameter, privateKey).OneShot(ciphertext);
        var (keyType, length) = DerivedKey.Shape(template, secret.Length, secret.Length);
        if (length != secret.Length)
        {
            CryptographicOperations.ZeroMemory(secret);
            throw new CkException(CKR.TEMPLATE_INCONSISTENT, "CKA_VALUE_LEN differs from the length of the encapsulated secret");
        }

        return DerivedKey.Make(keyType, secret);
    }

    public byte[] Wrap(ulong mechanism, byte[]? parameter, AttributeSet wrappingKey, byte[] keyEncoding)
    {
        if (mechanism is not (CKM.RSA_PKCS or CKM.RSA_PKCS_OAEP or CKM.RSA_X_509)) throw new CkException(CKR.MECHANISM_INVALID);
        if (wrappingKey.GetULong(CKA.CLASS) != CKO.PUBLIC_KEY || wrappingKey.GetULong(CKA.KEY_TYPE) != CKK.RSA)
            throw new CkException(CKR.WRAPPING_KEY_TYPE_INCONSISTENT);
        try
        {
            return CreateEncrypt(mechanism, parameter, wrappingKey).OneShot(keyEncoding);
        }
        catch (CkException e) when (e.Rv == CKR.DATA_LEN_RANGE)
        {
            throw new CkException(CKR.KEY_SIZE_RANGE, "key too long to be wrapped with this RSA key");
        }
    }

    public bool UnwrapsFromEnd(ulong mechanism) => mechanism == CKM.RSA_X_509;

    public byte[] Unwrap(ulong mechanism, byte[]? parameter, AttributeSet unwrappingKey, byte[] wrapped)
    {
        if (mechanism is not (CKM.RSA_PKCS or CKM.RSA_PKCS_OAEP or CKM.RSA_X_509)) throw new CkException(CKR.MECHANISM_INVALID);
        if (unwrappingKey.GetULong(CKA.CLASS) != CKO.PRIVATE_KEY || unwrappingKey.GetULong(CKA.KEY_TYPE) != CKK.RSA)
            throw new CkException(CKR.UNWRAPPING_KEY_TYPE_INCONSISTENT);
        try
        {
            return CreateDecrypt(mechanism, parameter, unwrappingKey).OneShot(wrapped);
        }
        catch (CkException e) when (e.Rv == CKR.ENCRYPTED_DATA_LEN_RANGE)
        {
            throw new CkException(CKR.WRAPPED_KEY_LEN_RANGE);
        }
        catch (CkException e) when (e.Rv == CKR.ENCRYPTED_DATA_INVALID)
        {
            throw new CkException(CKR.WRAPPED_KEY_INVALID);
        }
    }

    private static SignOperation CreateSigner(ulong mechanism, byte[]? parameter, AttributeSet key, bool signing)
    {
        RequireClass(key, signing ? CKO.PRIVATE_KEY : CKO.PUBLIC_KEY);
        var k = RsaKeys.ModulusBytes(key);
        switch (mechanism)
        {
            case CKM.RSA_PKCS:
                Check.NoParameter(parameter);
                return new SignOperation(new RawAccumulator(), data => Pkcs1Sign(key, data, k), (data, sig) => Pkcs1Verify(key, data, sig), k);
            case CKM.RSA_X_509:
                Check.NoParameter(parameter);
                return new SignOperation(new RawAccumulator(), data => Raw(key, data, CKR.DATA_LEN_RANGE),
                    (data, sig) =>
                    {
                        if (data.Length > k) throw new CkException(CKR.DATA_LEN_RANGE);
                        return Check.Equal(Raw(key, sig, CKR.SIGNATURE_INVALID), RsaKeys.Pad(data, k));
                    }, k);
            case CKM.RSA_PKCS_PSS:
            {
                var (h, mgf, sLen) = Pss(parameter, null, k);
                return new SignOperation(new RawAccumulator(),
                    hash => PssSign(key, RequireHashLength(hash, h), h, mgf, sLen, k),
                    (hash, sig) => PssVerify(key, RequireHashLength(hash, h), sig, h, mgf, sLen), k);
            }
        }

        foreach (var (m, h) in Pkcs1Hashed.Append((CKM.MD2_RSA_PKCS, Hashes.Md2)))
        {
            if (m != mechanism) continue;
            Check.NoParameter(parameter);
            return new SignOperation(Hashes.CreateHasher(h), hash => Pkcs1SignHash(key, hash, h, k), (hash, sig) => Pkcs1VerifyHash(key, hash, sig, h), k);
        }

        foreach (var (m, h) in PssHashed)
        {
            if (m != mechanism) continue;
            var (_, mgf, sLen) = Pss(parameter, h, k);
            return new SignOperation(Hashes.CreateHasher(h), hash => PssSign(key, hash, h, mgf, sLen, k),
                (hash, sig) => PssVerify(key, hash, sig, h, mgf, sLen), k);
        }

        throw new CkException(CKR.MECHANISM_INVALID);
    }

    internal static byte[] RequireHashLength(byte[] hash, HashAlg h) =>
        hash.Length == h.Length ? hash : throw new CkException(CKR.DATA_LEN_RANGE, "CKM_RSA_PKCS_PSS signs a hash of the parameter's hash length");

    /// <summary>PKCS#1 v1.5 signature (EMSA-PKCS1-v1_5 type 1) of arbitrary data of at most k-11 bytes.</summary>
    private static byte[] Pkcs1Sign(AttributeSet key, byte[] data, int k)
    {
        if (data.Length > k - 11) throw new CkException(CKR.DATA_LEN_RANGE);
        // A DigestInfo of a hash .NET knows: let OpenSSL sign it (same bytes, faster).
        if (NetDigestInfo(data) is { } h) return Pkcs1SignHash(key, data[h.DigestInfoPrefix.Length..], h, k);

        var enc = new Pkcs1Encoding(new RsaBlindedEngine());
        enc.Init(true, RsaKeys.Prepare(key).Bouncy);
        return RsaKeys.Pad(enc.ProcessBlock(data, 0, data.Length), k);
    }

    /// <summary>The hash whose DigestInfo <paramref name="data"/> is, when .NET's RSA signs with it.</summary>
    private static HashAlg? NetDigestInfo(byte[] data)
    {
        foreach (var h in NetRsaHashes)
        {
            var prefix = h.DigestInfoPrefix;
            if (data.Length == prefix.Length + h.Length && data.AsSpan().StartsWith(prefix)) return h;
        }

        return null;
    }

    private static byte[] Pkcs1SignHash(AttributeSet key, byte[] hash, HashAlg h, int k)
    {
        if (!Hashes.NetRsaSupports(h)) return Pkcs1Sign(key, [.. h.DigestInfoPrefix, .. hash], k);
        return RsaKeys.Prepare(key).Net((hash, h.Name), static (rsa, a) => rsa.SignHash(a.hash, a.Name, RSASignaturePadding.Pkcs1));
    }

    /// <summary>CKM_RSA_PKCS verification: the signature opens to exactly <paramref name="data"/>.</summary>
    private static bool Pkcs1Verify(AttributeSet key, byte[] data, byte[] signature) =>
        NetDigestInfo(data) is { } h
            ? Pkcs1VerifyHash(key, data[h.DigestInfoPrefix.Length..], signature, h)
            : Pkcs1Open(key, signature) is { } m && Check.Equal(m, data);

    /// <summary>v1.5 verification of a hash: the signature opens to its DigestInfo (OpenSSL compares the whole encoding too).</summary>
    private static bool Pkcs1VerifyHash(AttributeSet key, byte[] hash, byte[] signature, HashAlg h)
    {
        if (!Hashes.NetRsaSupports(h)) return Pkcs1Open(key, signature) is { } digestInfo && Check.Equal(digestInfo, [.. h.DigestInfoPrefix, .. hash]);
        return RsaKeys.Prepare(key).Net((hash, signature, h.Name), static (rsa, a) => NetVerify(rsa, a.hash, a.signature, a.Name, RSASignaturePadding.Pkcs1));
    }

    /// <summary>Opens a v1.5 signature with the public key: the signed data, or null when the padding is wrong.</summary>
    private static byte[]? Pkcs1Open(AttributeSet key, byte[] signature)
    {
        try
        {
            var enc = new Pkcs1Encoding(new RsaEngine());
            enc.Init(false, RsaKeys.Prepare(key).Bouncy);
            return enc.ProcessBlock(signature, 0, signature.Length);
        }
        catch (Exception e) when (e is InvalidCipherTextException or DataLengthException)
        {
            return null;
        }
    }

    /// <summary>
    /// Raw RSA (CKM_RSA_X_509): m^e or c^d mod n, output of modulus length. Every input below the modulus is taken
    /// (PKCS#11 3.0 §2.1.7 of the mechanisms: "the input string, considered as an integer, must be less than the
    /// modulus"), 0, 1 and n - 1 included, which BouncyCastle's engines refuse: they are their own results (e and d are odd).
    /// </summary>
    private static byte[] Raw(AttributeSet key, byte[] input, ulong rvTooLarge)
    {
        var k = RsaKeys.ModulusBytes(key);
        if (input.Length > k) throw new CkException(rvTooLarge);
        var p = RsaKeys.Prepare(key).Bouncy;
        var m = new Org.BouncyCastle.Math.BigInteger(1, input);
        if (m.CompareTo(p.Modulus) >= 0) throw new CkException(rvTooLarge);
        if (m.CompareTo(Org.BouncyCastle.Math.BigInteger.One) <= 0 || m.Equals(p.Modulus.Subtract(Org.BouncyCastle.Math.BigInteger.One)))
            return RsaKeys.Pad(m.ToByteArrayUnsigned(), k);
        var engine = p.IsPrivate ? (IAsymmetricBlockCipher)new RsaBlindedEngine() : new RsaEngine();
        engine.Init(true, p);
        try
        {
            return RsaKeys.Pad(engine.ProcessBlock(input, 0, input.Length), k);
        }
        catch (DataLengthException)
        {
            throw new CkException(rvTooLarge);
        }
    }

    private static byte[] PssSign(AttributeSet key, byte[] hash, HashAlg h, HashAlg mgf, int sLen, int k)
    {
        var prepared = RsaKeys.Prepare(key);
        if (NetPss(h, mgf, sLen)) return prepared.Net((hash, h.Name), static (rsa, a) => rsa.SignHash(a.hash, a.Name, RSASignaturePadding.Pss));

        var signer = PssSigner.CreateRawSigner(new RsaBlindedEngine(), h.Bouncy(), mgf.Bouncy(), sLen, PssSigner.TrailerImplicit);
        signer.Init(true, prepared.Bouncy);
        signer.BlockUpdate(hash, 0, hash.Length);
        return RsaKeys.Pad(signer.GenerateSignature(), k);
    }

    private static bool PssVerify(AttributeSet key, byte[] hash, byte[] signature, HashAlg h, HashAlg mgf, int sLen)
    {
        var prepared = RsaKeys.Prepare(key);
        if (NetPss(h, mgf, sLen))
        {
            return prepared.Net((hash, signature, h.Name), static (rsa, a) => NetVerify(rsa, a.hash, a.signature, a.Name, RSASignaturePadding.Pss));
        }

        var signer = PssSigner.CreateRawSigner(new RsaEngine(), h.Bouncy(), mgf.Bouncy(), sLen, PssSigner.TrailerImplicit);
        signer.Init(false, prepared.Bouncy);
        signer.BlockUpdate(hash, 0, hash.Length);
        try
        {
            return signer.VerifySignature(signature);
        }
        catch (Exception e) when (e is InvalidCipherTextException or DataLengthException)
        {
            return false;
        }
    }

    /// <summary>CK_RSA_PKCS_PSS_PARAMS: {hashAlg, mgf, sLen} as three CK_ULONGs.</summary>
    internal static (HashAlg Hash, HashAlg Mgf, int SaltLength) Pss(byte[]? parameter, HashAlg? required, int k)
    {
        if (parameter is not { Length: 24 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "CK_RSA_PKCS_PSS_PARAMS expected");
        var h = Hashes.ByDigest(MechanismParams.ULongAt(parameter, 0)) ?? throw new CkException(CKR.MECHANISM_PARAM_INVALID, "unsupported PSS hash");
        if (required is not null && h != required) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "PSS hash does not match the mechanism");
        var mgf = Hashes.ByMgf(MechanismParams.ULongAt(parameter, 8)) ?? throw new CkException(CKR.MECHANISM_PARAM_INVALID, "unsupported MGF");
        var sLen = MechanismParams.ULongAt(parameter, 16);
        if (sLen > (ulong)(k - h.Length - 2)) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "PSS salt too long for the key");
        return (h, mgf, (int)sLen);
    }

    /// <summary>CK_RSA_PKCS_OAEP_PARAMS in its canonical wire form.</summary>
    internal static (HashAlg Hash, HashAlg Mgf, byte[] Label) Oaep(byte[]? parameter)
    {
        OaepParams p;
        try
        {
            p = OaepParams.Decode(parameter ?? throw new CkException(CKR.MECHANISM_PARAM_INVALID, "CK_RSA_PKCS_OAEP_PARAMS expected"));
        }
        catch (Exception e) when (e is WireFormatException or ArgumentException or InvalidOperationException)
        {
            throw new CkException(CKR.MECHANISM_PARAM_INVALID, "CK_RSA_PKCS_OAEP_PARAMS expected");
        }

        var h = Hashes.ByDigest(p.HashAlg) ?? throw new CkException(CKR.MECHANISM_PARAM_INVALID, "unsupported OAEP hash");
        var mgf = Hashes.ByMgf(p.Mgf) ?? throw new CkException(CKR.MECHANISM_PARAM_INVALID, "unsupported MGF");
        if (p.Source != CKZ.DATA_SPECIFIED && (p.Source != 0 || p.SourceData.Length != 0))
            throw new CkException(CKR.MECHANISM_PARAM_INVALID, "unsupported OAEP source");
        return (h, mgf, p.SourceData);
    }

    /// <summary>A wrong signature is false, whatever OpenSSL thinks of it (e.g. a value not below the modulus).</summary>
    private static bool NetVerify(RSA rsa, byte[] hash, byte[] signature, HashAlgorithmName name, RSASignaturePadding padding)
    {
        try
        {
            return rsa.VerifyHash(hash, signature, name, padding);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>.NET's PSS: MGF1 with the message hash and a salt as long as the hash (OpenSSL checks that length on verify).</summary>
    private static bool NetPss(HashAlg h, HashAlg mgf, int sLen) => mgf == h && sLen == h.Length && Hashes.NetRsaSupports(h);

    private static RSAEncryptionPadding? NetOaep(HashAlg h, HashAlg mgf, byte[] label) =>
        h == mgf && label.Length == 0 && Hashes.NetRsaSupports(h) ? RSAEncryptionPadding.CreateOaep(h.Name) : null;

    private static void RequireClass(AttributeSet key, ulong cls)
    {
        if (key.GetULong(CKA.KEY_TYPE) != CKK.RSA || key.GetULong(CKA.CLASS) != cls)
            throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "wrong RSA key class for this function");
    }

    /// <summary>A single-part RSA cipher: Update buffers, Final computes (C_Encrypt/C_Decrypt are single-part for RSA, buffering is harmless).</summary>
    private sealed class RsaCipher(Func<byte[], byte[]> run) : ICipherOperation
    {
        private readonly DataBuffer _data = new();

        public byte[] OneShot(ReadOnlySpan<byte> input) => run(input.ToArray());

        public byte[] Update(ReadOnlySpan<byte> input)
        {
            _data.Append(input);
            return [];
        }

        public byte[] Final() => run(_data.Take());
    }
}
