using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.Mechanisms.Hmac;

/// <summary>
/// CKM_MD5_HMAC, CKM_SHA*_HMAC, CKM_SHA512_224/256_HMAC, CKM_SHA3_*_HMAC and their _GENERAL forms (PKCS#11 v3.0
/// §6.20 ff., §6.x SHA-3): sign/verify with a generic secret or the matching HMAC key type. Key sizes in bytes (the token accepts any key of at least one byte).
/// _GENERAL takes a CK_MAC_GENERAL_PARAMS (one CK_ULONG output length, 1..L).
/// </summary>
public sealed class HmacMechanisms : IMechanism
{
    private static readonly HmacMechanisms Instance = new();

    internal static readonly (ulong Mac, ulong General, HashAlg Hash, ulong KeyType)[] Table =
    [
        (CKM.MD5_HMAC, CKM.MD5_HMAC_GENERAL, Hashes.Md5, CKK.MD5_HMAC),
        (CKM.SHA_1_HMAC, CKM.SHA_1_HMAC_GENERAL, Hashes.Sha1, CKK.SHA_1_HMAC),
        (CKM.SHA224_HMAC, CKM.SHA224_HMAC_GENERAL, Hashes.Sha224, CKK.SHA224_HMAC),
        (CKM.SHA256_HMAC, CKM.SHA256_HMAC_GENERAL, Hashes.Sha256, CKK.SHA256_HMAC),
        (CKM.SHA384_HMAC, CKM.SHA384_HMAC_GENERAL, Hashes.Sha384, CKK.SHA384_HMAC),
        (CKM.SHA512_HMAC, CKM.SHA512_HMAC_GENERAL, Hashes.Sha512, CKK.SHA512_HMAC),
        (CKM.SHA512_224_HMAC, CKM.SHA512_224_HMAC_GENERAL, Hashes.Sha512_224, CKK.SHA512_224_HMAC),
        (CKM.SHA512_256_HMAC, CKM.SHA512_256_HMAC_GENERAL, Hashes.Sha512_256, CKK.SHA512_256_HMAC),
        (CKM.SHA3_224_HMAC, CKM.SHA3_224_HMAC_GENERAL, Hashes.Sha3_224, CKK.SHA3_224_HMAC),
        (CKM.SHA3_256_HMAC, CKM.SHA3_256_HMAC_GENERAL, Hashes.Sha3_256, CKK.SHA3_256_HMAC),
        (CKM.SHA3_384_HMAC, CKM.SHA3_384_HMAC_GENERAL, Hashes.Sha3_384, CKK.SHA3_384_HMAC),
        (CKM.SHA3_512_HMAC, CKM.SHA3_512_HMAC_GENERAL, Hashes.Sha3_512, CKK.SHA3_512_HMAC),
    ];

    /// <summary>openCryptoki's CKM_IBM_SHA3_*_HMAC: HMAC over SHA-3 under IBM's numbers, no _GENERAL form.</summary>
    private static readonly (ulong Mac, HashAlg Hash, ulong KeyType)[] IbmTable =
    [
        (CKM.IBM_SHA3_224_HMAC, Hashes.Sha3_224, CKK.SHA3_224_HMAC), (CKM.IBM_SHA3_256_HMAC, Hashes.Sha3_256, CKK.SHA3_256_HMAC),
        (CKM.IBM_SHA3_384_HMAC, Hashes.Sha3_384, CKK.SHA3_384_HMAC), (CKM.IBM_SHA3_512_HMAC, Hashes.Sha3_512, CKK.SHA3_512_HMAC),
    ];

    /// <summary>The legacy HMACs (policy.legacy): MD2 (RFC 2104 over RFC 1319), RIPEMD-128 and RIPEMD-160 (RFC 2286), with generic secret keys.</summary>
    private static readonly (ulong Mac, ulong General, HashAlg Hash)[] LegacyTable =
    [
        (CKM.MD2_HMAC, CKM.MD2_HMAC_GENERAL, Hashes.Md2), (CKM.RIPEMD128_HMAC, CKM.RIPEMD128_HMAC_GENERAL, Hashes.Ripemd128),
        (CKM.RIPEMD160_HMAC, CKM.RIPEMD160_HMAC_GENERAL, Hashes.Ripemd160),
    ];

    public static void Register(MechanismRegistry r)
    {
        var info = new MechanismInfo(1, 4096, CKF.SIGN | CKF.VERIFY);
        foreach (var (mac, general, _, keyType) in Table)
        {
            r.Add(mac, info, Instance, MechanismFacts.Keys(CKK.GENERIC_SECRET, keyType));
            r.Add(general, info, Instance, MechanismFacts.Keys(CKK.GENERIC_SECRET, keyType));
        }

        foreach (var (mac, _, keyType) in IbmTable) r.Add(mac, info, Instance, MechanismFacts.Keys(CKK.GENERIC_SECRET, keyType));
        foreach (var (mac, general, _) in LegacyTable)
        {
            r.Add(mac, info, Instance, MechanismFacts.Keys(CKK.GENERIC_SECRET).AsLegacy());
            r.Add(general, info, Instance, MechanismFacts.Keys(CKK.GENERIC_SECRET).AsLegacy());
        }
    }

    public ISignOperation CreateSign(ulong mechanism, byte[]? parameter, AttributeSet key) => Create(mechanism, parameter, key);

    public IVerifyOperation CreateVerify(ulong mechanism, byte[]? parameter, AttributeSet key) => Create(mechanism, parameter, key);

    /// <summary>One prepared slot per hash: the keyed .NET HMAC contexts of a key, pooled.</summary>
    private static readonly object[] Slots = Table.Select(_ => new object()).ToArray();

    private static Operation Create(ulong mechanism, byte[]? parameter, AttributeSet key)
    {
        for (var i = 0; i < Table.Length; i++)
        {
            var (mac, general, hash, keyType) = Table[i];
            if (mechanism != mac && mechanism != general) continue;
            var value = Check.SecretValue(key, CKK.GENERIC_SECRET, keyType);
            var length = hash.Length;
            if (mechanism == general)
            {
                if (parameter is not { Length: 8 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "CK_MAC_GENERAL_PARAMS expected");
                var l = MechanismParams.ULongAt(parameter, 0);
                if (l < 1 || l > (ulong)hash.Length) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "MAC length out of range");
                length = (int)l;
            }
            else
            {
                Check.NoParameter(parameter);
            }

            var hmac = Hashes.NetSupports(hash)
                ? new PooledHasher(key.Prepared(Slots[i], _ => new Pool<IncrementalHash>(() => IncrementalHash.CreateHMAC(hash.Name, value))))
                : Hashes.CreateHmac(hash, value);
            return new Operation(hmac, length);
        }

        foreach (var (mac, hash, keyType) in IbmTable)
        {
            if (mechanism != mac) continue;
            Check.NoParameter(parameter);
            return new Operation(Hashes.CreateHmac(hash, Check.SecretValue(key, CKK.GENERIC_SECRET, keyType)), hash.Length);
        }

        foreach (var (mac, general, hash) in LegacyTable)
        {
            if (mechanism != mac && mechanism != general) continue;
            var length = mechanism == general ? GeneralLength(parameter, hash) : NoParameter(parameter, hash);
            return new Operation(Hashes.CreateHmac(hash, Check.SecretValue(key, CKK.GENERIC_SECRET, CKK.GENERIC_SECRET)), length);
        }

        throw new CkException(CKR.MECHANISM_INVALID);
    }

    private static int NoParameter(byte[]? parameter, HashAlg hash)
    {
        Check.NoParameter(parameter);
        return hash.Length;
    }

    /// <summary>CK_MAC_GENERAL_PARAMS: the MAC length, 1 .. the hash length.</summary>
    private static int GeneralLength(byte[]? parameter, HashAlg hash)
    {
        if (parameter is not { Length: 8 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "CK_MAC_GENERAL_PARAMS expected");
        var l = MechanismParams.ULongAt(parameter, 0);
        if (l < 1 || l > (ulong)hash.Length) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "MAC length out of range");
        return (int)l;
    }

    private sealed class Operation(IHasher mac, int length) : ISignOperation, IVerifyOperation
    {
        public byte[] OneShot(ReadOnlySpan<byte> data)
        {
            mac.Append(data);
            return Final();
        }

        public void Update(ReadOnlySpan<byte> data) => mac.Append(data);

        public byte[] Final() => mac.Finish()[..length];

        public bool OneShot(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        {
            mac.Append(data);
            return Final(signature);
        }

        public bool Final(ReadOnlySpan<byte> signature)
        {
            if (signature.Length != length) throw new CkException(CKR.SIGNATURE_LEN_RANGE);
            return Check.Equal(Final(), signature);
        }
    }
}
