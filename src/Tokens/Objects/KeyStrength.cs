using OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Tokens.Objects;

/// <summary>
/// The cryptographic strength class of a key as openCryptoki's statistics (pkcsstats) count it, with the limits of
/// its default strength.conf (NIST SP 800-57): 256, 192, 128 or 112 bits, and 0 for no key or a key below 112 bits.
/// </summary>
public static class KeyStrength
{
    /// <summary>The classes, in the order their counters are kept: 0, 112, 128, 192, 256.</summary>
    public static ReadOnlySpan<int> Classes => [0, 112, 128, 192, 256];

    /// <summary>The index of <paramref name="key"/>'s class in <see cref="Classes"/>; 0 when there is no key.</summary>
    public static int ClassIndex(AttributeSet? key) => key is null ? 0 : Index(Class(key));

    /// <summary>The index of a strength class (0, 112, 128, 192, 256) in <see cref="Classes"/>.</summary>
    public static int Index(int strengthClass) => strengthClass switch
    {
        256 => 4,
        192 => 3,
        128 => 2,
        112 => 1,
        _ => 0,
    };

    /// <summary>
    /// The strength class of <paramref name="key"/>: modulus size for RSA, DSA and DH (2048/3072/7680/15360 bits for
    /// 112/128/192/256), curve size for EC, Edwards and Montgomery keys (224/256/384/512; Curve25519 counts as 256),
    /// key length for secret keys (112/128/192/256 bits; two-key 3DES is 80 bits, single DES 56), the parameter set's
    /// category for ML-DSA, ML-KEM and SLH-DSA.
    /// </summary>
    public static int Class(AttributeSet key)
    {
        var size = KeyUsage.KeySize(key);
        var cls = key.GetULong(CKA.CLASS);
        var kt = key.GetULong(CKA.KEY_TYPE);
        if (cls == CKO.SECRET_KEY)
        {
            var bits = kt switch
            {
                CKK.DES => 56UL,
                CKK.DES2 => 80UL,
                CKK.DES3 => 112UL,
                _ => size * 8,
            };
            return Bucket(bits, 112, 128, 192, 256);
        }

        return kt switch
        {
            CKK.RSA or CKK.DSA or CKK.DH => Bucket(size, 2048, 3072, 7680, 15360),
            CKK.EC => Bucket(size, 224, 256, 384, 512),
            CKK.EC_EDWARDS or CKK.EC_MONTGOMERY => Bucket(size == 255 ? 256 : size, 224, 256, 384, 512),
            CKK.ML_DSA => size switch { CKP.ML_DSA_44 => 128, CKP.ML_DSA_65 => 192, CKP.ML_DSA_87 => 256, _ => 0 },
            CKK.ML_KEM => size switch { CKP.ML_KEM_512 => 128, CKP.ML_KEM_768 => 192, CKP.ML_KEM_1024 => 256, _ => 0 },
            CKK.SLH_DSA => size switch { >= CKP.SLH_DSA_SHA2_256S => 256, >= CKP.SLH_DSA_SHA2_192S => 192, >= CKP.SLH_DSA_SHA2_128S => 128, _ => 0 },
            _ => 0,
        };
    }

    private static int Bucket(ulong bits, ulong s112, ulong s128, ulong s192, ulong s256) =>
        bits >= s256 ? 256 : bits >= s192 ? 192 : bits >= s128 ? 128 : bits >= s112 ? 112 : 0;
}
