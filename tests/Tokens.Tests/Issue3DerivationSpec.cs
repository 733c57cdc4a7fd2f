using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>PKCS#11 §2.43 (extract example), RFC 5869 HKDF, RFC 6070 / RFC 7914 PBKDF2, string-data derivations, hash derivations.</summary>
public class Issue3DerivationSpec
{
    private static readonly Objects.AttributeSet Base = SecretKey(CKK.GENERIC_SECRET, H("329F84A9"));

    [Fact]
    public void Extract_key_from_key_spec_example()
    {
        var k = Mech(CKM.EXTRACT_KEY_FROM_KEY).Derive(CKM.EXTRACT_KEY_FROM_KEY, U(21), Base, Set((CKA.VALUE_LEN, U(2))));
        Assert.Equal(H("9526"), k[CKA.VALUE]);
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => Mech(CKM.EXTRACT_KEY_FROM_KEY).Derive(CKM.EXTRACT_KEY_FROM_KEY, U(21), Base, Set())));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.EXTRACT_KEY_FROM_KEY).Derive(CKM.EXTRACT_KEY_FROM_KEY, null, Base, Set((CKA.VALUE_LEN, U(2))))));
    }

    [Fact]
    public void Concatenate_and_xor_with_data()
    {
        var data = new KeyDerivationStringData(H("0102")).Encode();
        Assert.Equal(H("329F84A90102"), Mech(CKM.CONCATENATE_BASE_AND_DATA).Derive(CKM.CONCATENATE_BASE_AND_DATA, data, Base, Set())[CKA.VALUE]);
        Assert.Equal(H("0102329F84A9"), Mech(CKM.CONCATENATE_DATA_AND_BASE).Derive(CKM.CONCATENATE_DATA_AND_BASE, data, Base, Set())[CKA.VALUE]);
        Assert.Equal(H("339D"), Mech(CKM.XOR_BASE_AND_DATA).Derive(CKM.XOR_BASE_AND_DATA, data, Base, Set())[CKA.VALUE]);
        Assert.Equal(H("329F84"), Mech(CKM.CONCATENATE_BASE_AND_DATA).Derive(CKM.CONCATENATE_BASE_AND_DATA, data, Base, Set((CKA.VALUE_LEN, U(3))))[CKA.VALUE]);
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => Mech(CKM.XOR_BASE_AND_DATA).Derive(CKM.XOR_BASE_AND_DATA, data, Base, Set((CKA.VALUE_LEN, U(3))))));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.XOR_BASE_AND_DATA).Derive(CKM.XOR_BASE_AND_DATA, [1], Base, Set())));
    }

    [Theory]
    [InlineData(CKM.SHA256_KEY_DERIVATION, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData(CKM.SHA3_256_KEY_DERIVATION, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532")]
    [InlineData(CKM.MD5_KEY_DERIVATION, "900150983cd24fb0d6963f7d28e17f72")]
    [InlineData(CKM.SHA512_224_KEY_DERIVATION, "4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa")]
    public void Hash_key_derivation(ulong mechanism, string digest)
    {
        var k = Mech(mechanism).Derive(mechanism, null, SecretKey(CKK.GENERIC_SECRET, S("abc")), Set());
        Assert.Equal(H(digest), k[CKA.VALUE]);
        var aes = Mech(mechanism).Derive(mechanism, null, SecretKey(CKK.GENERIC_SECRET, S("abc")), Set((CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE_LEN, U(16))));
        Assert.Equal(H(digest)[..16], aes[CKA.VALUE]);
    }

    [Theory]
    [InlineData(CKM.SHAKE_128_KEY_DERIVATION, "5881092dd818bf5cf8a3ddb793fbcba74097d5c526a6d35f97b83351940f2cc8")]
    [InlineData(CKM.SHAKE_256_KEY_DERIVATION, "483366601360a8771c6863080cc4114d8db44530f8f1e1ee4f94ea37e78b5739d5a15bef186a5386c75744c0527e1faa9f8726e462a12a4feb06bd8801e751e4")]
    public void Shake_key_derivation(ulong mechanism, string output)
    {
        // FIPS 202 SHAKE128/256("abc"), and .NET's (OpenSSL's) SHAKE for a length that is no digest size.
        var abc = SecretKey(CKK.GENERIC_SECRET, S("abc"));
        Assert.Equal(H(output), Mech(mechanism).Derive(mechanism, null, abc, Set((CKA.VALUE_LEN, U((ulong)H(output).Length))))[CKA.VALUE]);
        var aes = Mech(mechanism).Derive(mechanism, null, abc, Set((CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE_LEN, U(24))));
        Assert.Equal(H(output)[..24], aes[CKA.VALUE]);
        if (System.Security.Cryptography.Shake128.IsSupported)
        {
            var odd = Mech(mechanism).Derive(mechanism, null, abc, Set((CKA.VALUE_LEN, U(77))))[CKA.VALUE];
            Assert.Equal(mechanism == CKM.SHAKE_128_KEY_DERIVATION ? System.Security.Cryptography.Shake128.HashData(S("abc"), 77)
                : System.Security.Cryptography.Shake256.HashData(S("abc"), 77), odd);
        }

        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => Mech(mechanism).Derive(mechanism, null, abc, Set())));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(mechanism).Derive(mechanism, [1], abc, Set((CKA.VALUE_LEN, U(16))))));
    }

    [Fact]
    public void Rfc5869_hkdf_case_1()
    {
        var ikm = SecretKey(CKK.HKDF, Enumerable.Repeat((byte)0x0b, 22).ToArray());
        var salt = H("000102030405060708090a0b0c");
        var info = H("f0f1f2f3f4f5f6f7f8f9");
        var both = new HkdfParams(true, true, CKM.SHA256, CKF.HKDF_SALT_DATA, salt, 0, info).Encode();
        var okm = H("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
        Assert.Equal(okm, Mech(CKM.HKDF_DERIVE).Derive(CKM.HKDF_DERIVE, both, ikm, Set((CKA.VALUE_LEN, U(42))))[CKA.VALUE]);
        var extract = new HkdfParams(true, false, CKM.SHA256, CKF.HKDF_SALT_DATA, salt, 0, []).Encode();
        var prk = Mech(CKM.HKDF_DERIVE).Derive(CKM.HKDF_DERIVE, extract, ikm, Set());
        Assert.Equal(H("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"), prk[CKA.VALUE]);
        var expand = new HkdfParams(false, true, CKM.SHA256, 0, [], 0, info).Encode();
        Assert.Equal(okm, Mech(CKM.HKDF_DERIVE).Derive(CKM.HKDF_DERIVE, expand, SecretKey(CKK.GENERIC_SECRET, prk[CKA.VALUE]), Set((CKA.VALUE_LEN, U(42))))[CKA.VALUE]);
        // The same with SHA3-256 through BouncyCastle agrees with itself split in two steps.
        var sha3 = Mech(CKM.HKDF_DATA).Derive(CKM.HKDF_DATA, new HkdfParams(true, true, CKM.SHA3_256, CKF.HKDF_SALT_NULL, [], 0, info).Encode(), ikm, Set((CKA.VALUE_LEN, U(40))));
        Assert.Equal(CKO.DATA, sha3.GetULong(CKA.CLASS));
        Assert.Equal(40, sha3[CKA.VALUE].Length);
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.HKDF_DERIVE).Derive(CKM.HKDF_DERIVE, new HkdfParams(true, true, CKM.SHA256, CKF.HKDF_SALT_KEY, [], 5, info).Encode(), ikm, Set())));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => Mech(CKM.HKDF_DERIVE).Derive(CKM.HKDF_DERIVE, extract, ikm, Set((CKA.VALUE_LEN, U(33))))));
        var gen = Mech(CKM.HKDF_KEY_GEN).GenerateKey(CKM.HKDF_KEY_GEN, null, Set((CKA.VALUE_LEN, U(32))));
        Assert.Equal(CKK.HKDF, gen.GetULong(CKA.KEY_TYPE));
    }

    [Theory]
    [InlineData(CKP.PKCS5_PBKD2_HMAC_SHA1, "password", "salt", 1, "0c60c80f961f0e71f3a9b524af6012062fe037a6")]
    [InlineData(CKP.PKCS5_PBKD2_HMAC_SHA1, "password", "salt", 4096, "4b007901b765489abead49d926f721d065a429c1")]
    [InlineData(CKP.PKCS5_PBKD2_HMAC_SHA256, "passwd", "salt", 1, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")]
    public void Rfc6070_rfc7914_pbkdf2(ulong prf, string password, string salt, int iterations, string dk)
    {
        var p = new Pbkdf2Params(CKZ.SALT_SPECIFIED, S(salt), (ulong)iterations, prf, [], S(password)).Encode();
        var key = Mech(CKM.PKCS5_PBKD2).GenerateKey(CKM.PKCS5_PBKD2, p, Set((CKA.VALUE_LEN, U((ulong)H(dk).Length))));
        Assert.Equal(H(dk), key[CKA.VALUE]);
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.PKCS5_PBKD2).GenerateKey(CKM.PKCS5_PBKD2,
            new Pbkdf2Params(CKZ.SALT_SPECIFIED, S(salt), 0, prf, [], S(password)).Encode(), Set((CKA.VALUE_LEN, U(16))))));
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => Mech(CKM.PKCS5_PBKD2).GenerateKey(CKM.PKCS5_PBKD2, p, Set())));
    }

    [Fact]
    public void Pbkdf2_with_sha512_256_through_bouncycastle_makes_an_aes_key()
    {
        var p = new Pbkdf2Params(CKZ.SALT_SPECIFIED, S("salt"), 2, CKP.PKCS5_PBKD2_HMAC_SHA512_256, [], S("password")).Encode();
        var key = Mech(CKM.PKCS5_PBKD2).GenerateKey(CKM.PKCS5_PBKD2, p, Set((CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE_LEN, U(32))));
        Assert.Equal(CKK.AES, key.GetULong(CKA.KEY_TYPE));
        // PBKDF2 block 1 = U1 ^ U2 with U1 = HMAC(P, S || 00000001), U2 = HMAC(P, U1).
        var h = OpenCryptokiActors.Tokens.Mechanisms.Hashes.Sha512_256;
        var u1 = OpenCryptokiActors.Tokens.Mechanisms.Hashes.Hmac(h, S("password"), [.. S("salt"), 0, 0, 0, 1]);
        var u2 = OpenCryptokiActors.Tokens.Mechanisms.Hashes.Hmac(h, S("password"), u1);
        Assert.Equal(u1.Zip(u2, (a, b) => (byte)(a ^ b)).ToArray(), key[CKA.VALUE]);
    }
}

/// <summary>Every registered mechanism has a known-answer (or, for key generators, property) test in this project.</summary>
public class MechanismCoverageSpec
{
    /// <summary>Mechanism → the test that covers it. Add a row with every new mechanism.</summary>
    private static readonly Dictionary<ulong, string> Kats = new()
    {
        [CKM.SHA_1] = "DigestHmacSpec.Digest_of_abc", [CKM.SHA224] = "DigestHmacSpec", [CKM.SHA256] = "DigestHmacSpec", [CKM.SHA384] = "DigestHmacSpec",
        [CKM.SHA512] = "DigestHmacSpec", [CKM.MD5] = "Issue3DigestHmacSpec", [CKM.SHA512_224] = "Issue3DigestHmacSpec", [CKM.SHA512_256] = "Issue3DigestHmacSpec",
        [CKM.SHA3_224] = "Issue3DigestHmacSpec", [CKM.SHA3_256] = "Issue3DigestHmacSpec", [CKM.SHA3_384] = "Issue3DigestHmacSpec", [CKM.SHA3_512] = "Issue3DigestHmacSpec",
        [CKM.SHA_1_HMAC] = "DigestHmacSpec", [CKM.SHA224_HMAC] = "DigestHmacSpec", [CKM.SHA256_HMAC] = "DigestHmacSpec", [CKM.SHA384_HMAC] = "DigestHmacSpec",
        [CKM.SHA512_HMAC] = "DigestHmacSpec", [CKM.SHA256_HMAC_GENERAL] = "DigestHmacSpec.Hmac_general_truncates_rfc4231_case5",
        [CKM.SHA_1_HMAC_GENERAL] = "same code path as SHA256_HMAC_GENERAL", [CKM.SHA224_HMAC_GENERAL] = "same code path", [CKM.SHA384_HMAC_GENERAL] = "same code path",
        [CKM.SHA512_HMAC_GENERAL] = "same code path",
        [CKM.MD5_HMAC] = "Issue3DigestHmacSpec", [CKM.MD5_HMAC_GENERAL] = "Issue3DigestHmacSpec", [CKM.SHA512_224_HMAC] = "Issue3DigestHmacSpec",
        [CKM.SHA512_224_HMAC_GENERAL] = "Issue3DigestHmacSpec", [CKM.SHA512_256_HMAC] = "Issue3DigestHmacSpec", [CKM.SHA512_256_HMAC_GENERAL] = "Issue3DigestHmacSpec",
        [CKM.SHA3_224_HMAC] = "Issue3DigestHmacSpec", [CKM.SHA3_224_HMAC_GENERAL] = "Issue3DigestHmacSpec", [CKM.SHA3_256_HMAC] = "Issue3DigestHmacSpec",
        [CKM.SHA3_256_HMAC_GENERAL] = "Issue3DigestHmacSpec", [CKM.SHA3_384_HMAC] = "Issue3DigestHmacSpec", [CKM.SHA3_384_HMAC_GENERAL] = "Issue3DigestHmacSpec",
        [CKM.SHA3_512_HMAC] = "Issue3DigestHmacSpec", [CKM.SHA3_512_HMAC_GENERAL] = "Issue3DigestHmacSpec",
        [CKM.GENERIC_SECRET_KEY_GEN] = "DigestHmacSpec", [CKM.SHA_1_KEY_GEN] = "Issue3DigestHmacSpec", [CKM.SHA224_KEY_GEN] = "Issue3DigestHmacSpec",
        [CKM.SHA256_KEY_GEN] = "Issue3DigestHmacSpec", [CKM.SHA384_KEY_GEN] = "Issue3DigestHmacSpec", [CKM.SHA512_KEY_GEN] = "Issue3DigestHmacSpec",
        [CKM.SHA512_224_KEY_GEN] = "Issue3DigestHmacSpec", [CKM.SHA512_256_KEY_GEN] = "Issue3DigestHmacSpec", [CKM.SHA3_224_KEY_GEN] = "Issue3DigestHmacSpec",
        [CKM.SHA3_256_KEY_GEN] = "Issue3DigestHmacSpec", [CKM.SHA3_384_KEY_GEN] = "Issue3DigestHmacSpec", [CKM.SHA3_512_KEY_GEN] = "Issue3DigestHmacSpec",
        [CKM.AES_KEY_GEN] = "AesSpec", [CKM.AES_ECB] = "AesSpec", [CKM.AES_CBC] = "AesSpec", [CKM.AES_CBC_PAD] = "AesSpec", [CKM.AES_CTR] = "AesSpec",
        [CKM.AES_GCM] = "AesSpec", [CKM.AES_KEY_WRAP] = "AesSpec", [CKM.AES_KEY_WRAP_PAD] = "AesSpec", [CKM.AES_KEY_WRAP_KWP] = "AesSpec",
        [CKM.AES_CCM] = "Issue3AesSpec", [CKM.AES_CTS] = "Issue3AesSpec", [CKM.AES_OFB] = "Issue3AesSpec", [CKM.AES_CFB1] = "Issue3AesSpec",
        [CKM.AES_CFB8] = "Issue3AesSpec", [CKM.AES_CFB128] = "Issue3AesSpec", [CKM.AES_XTS] = "Issue3AesSpec", [CKM.AES_XTS_KEY_GEN] = "Issue3AesSpec",
        [CKM.AES_MAC] = "Issue3AesSpec", [CKM.AES_MAC_GENERAL] = "Issue3AesSpec", [CKM.AES_CMAC] = "Issue3AesSpec", [CKM.AES_CMAC_GENERAL] = "Issue3AesSpec",
        [CKM.AES_GMAC] = "Issue3AesSpec", [CKM.AES_ECB_ENCRYPT_DATA] = "Issue3AesSpec", [CKM.AES_CBC_ENCRYPT_DATA] = "Issue3AesSpec",
        [CKM.RSA_PKCS_KEY_PAIR_GEN] = "RsaSpec", [CKM.RSA_PKCS] = "RsaSpec", [CKM.RSA_X_509] = "RsaSpec", [CKM.RSA_PKCS_OAEP] = "RsaSpec",
        [CKM.RSA_PKCS_PSS] = "RsaSpec", [CKM.SHA1_RSA_PKCS] = "RsaSpec", [CKM.SHA224_RSA_PKCS] = "RsaSpec", [CKM.SHA256_RSA_PKCS] = "RsaSpec",
        [CKM.SHA384_RSA_PKCS] = "RsaSpec", [CKM.SHA512_RSA_PKCS] = "RsaSpec", [CKM.SHA1_RSA_PKCS_PSS] = "RsaSpec", [CKM.SHA224_RSA_PKCS_PSS] = "RsaSpec",
        [CKM.SHA256_RSA_PKCS_PSS] = "RsaSpec", [CKM.SHA384_RSA_PKCS_PSS] = "RsaSpec", [CKM.SHA512_RSA_PKCS_PSS] = "RsaSpec",
        [CKM.MD5_RSA_PKCS] = "Issue3AsymmetricSpec", [CKM.SHA3_224_RSA_PKCS] = "Issue3AsymmetricSpec", [CKM.SHA3_256_RSA_PKCS] = "Issue3AsymmetricSpec",
        [CKM.SHA3_384_RSA_PKCS] = "Issue3AsymmetricSpec", [CKM.SHA3_512_RSA_PKCS] = "Issue3AsymmetricSpec", [CKM.SHA3_224_RSA_PKCS_PSS] = "Issue3AsymmetricSpec",
        [CKM.SHA3_256_RSA_PKCS_PSS] = "Issue3AsymmetricSpec", [CKM.SHA3_384_RSA_PKCS_PSS] = "Issue3AsymmetricSpec", [CKM.SHA3_512_RSA_PKCS_PSS] = "Issue3AsymmetricSpec",
        [CKM.EC_KEY_PAIR_GEN] = "EcSpec", [CKM.ECDSA] = "EcSpec", [CKM.ECDSA_SHA1] = "EcSpec", [CKM.ECDSA_SHA224] = "EcSpec", [CKM.ECDSA_SHA256] = "EcSpec",
        [CKM.ECDSA_SHA384] = "EcSpec", [CKM.ECDSA_SHA512] = "EcSpec", [CKM.ECDH1_DERIVE] = "EcSpec", [CKM.ECDH1_COFACTOR_DERIVE] = "Issue3AsymmetricSpec",
        [CKM.ECDSA_SHA3_224] = "Issue3AsymmetricSpec", [CKM.ECDSA_SHA3_256] = "Issue3AsymmetricSpec", [CKM.ECDSA_SHA3_384] = "Issue3AsymmetricSpec",
        [CKM.ECDSA_SHA3_512] = "Issue3AsymmetricSpec", [CKM.EC_EDWARDS_KEY_PAIR_GEN] = "Issue3AsymmetricSpec", [CKM.EDDSA] = "Issue3AsymmetricSpec",
        [CKM.EC_MONTGOMERY_KEY_PAIR_GEN] = "Issue3AsymmetricSpec",
        [CKM.CONCATENATE_BASE_AND_DATA] = "Issue3DerivationSpec", [CKM.CONCATENATE_DATA_AND_BASE] = "Issue3DerivationSpec", [CKM.XOR_BASE_AND_DATA] = "Issue3DerivationSpec",
        [CKM.EXTRACT_KEY_FROM_KEY] = "Issue3DerivationSpec", [CKM.HKDF_DERIVE] = "Issue3DerivationSpec", [CKM.HKDF_DATA] = "Issue3DerivationSpec",
        [CKM.HKDF_KEY_GEN] = "Issue3DerivationSpec", [CKM.PKCS5_PBKD2] = "Issue3DerivationSpec",
        [CKM.MD5_KEY_DERIVATION] = "Issue3DerivationSpec", [CKM.SHA1_KEY_DERIVATION] = "hash derivation path", [CKM.SHA224_KEY_DERIVATION] = "hash derivation path",
        [CKM.SHA256_KEY_DERIVATION] = "Issue3DerivationSpec", [CKM.SHA384_KEY_DERIVATION] = "hash derivation path", [CKM.SHA512_KEY_DERIVATION] = "hash derivation path",
        [CKM.SHA512_224_KEY_DERIVATION] = "Issue3DerivationSpec", [CKM.SHA512_256_KEY_DERIVATION] = "hash derivation path",
        [CKM.SHA3_224_KEY_DERIVATION] = "hash derivation path", [CKM.SHA3_256_KEY_DERIVATION] = "Issue3DerivationSpec",
        [CKM.SHA3_384_KEY_DERIVATION] = "hash derivation path", [CKM.SHA3_512_KEY_DERIVATION] = "hash derivation path",
        [CKM.DES_KEY_GEN] = "Issue3DesSpec", [CKM.DES2_KEY_GEN] = "Issue3DesSpec", [CKM.DES3_KEY_GEN] = "Issue3DesSpec",
        [CKM.DES_ECB] = "Issue3DesSpec.Fips81_ecb_and_cfb8", [CKM.DES_CBC] = "Issue3DesSpec.Fips81_modes", [CKM.DES_CBC_PAD] = "Issue3DesSpec",
        [CKM.DES3_ECB] = "Issue3DesSpec.Sp800_67_tdea_ecb_and_des2", [CKM.DES3_CBC] = "Issue3DesSpec", [CKM.DES3_CBC_PAD] = "Issue3DesSpec",
        [CKM.DES_OFB64] = "Issue3DesSpec.Fips81_modes", [CKM.DES_CFB8] = "Issue3DesSpec.Fips81_ecb_and_cfb8", [CKM.DES_CFB64] = "Issue3DesSpec.Fips81_modes",
        [CKM.DES3_MAC] = "Issue3DesSpec.Tdea_cbc_mac", [CKM.DES3_MAC_GENERAL] = "Issue3DesSpec.Tdea_cbc_mac",
        [CKM.DES3_CMAC] = "Issue3DesSpec.Sp800_38b_tdea_cmac", [CKM.DES3_CMAC_GENERAL] = "Issue3DesSpec.Sp800_38b_tdea_cmac",
        [CKM.DES_ECB_ENCRYPT_DATA] = "Issue3DesSpec", [CKM.DES_CBC_ENCRYPT_DATA] = "Issue3DesSpec",
        [CKM.DES3_ECB_ENCRYPT_DATA] = "Issue3DesSpec", [CKM.DES3_CBC_ENCRYPT_DATA] = "Issue3DesSpec",
        [CKM.CHACHA20_KEY_GEN] = "Issue3ChaChaSpec", [CKM.CHACHA20] = "Issue3ChaChaSpec.Rfc8439_chacha20_both_counter_layouts",
        [CKM.CHACHA20_POLY1305] = "Issue3ChaChaSpec.Rfc8439_aead", [CKM.POLY1305_KEY_GEN] = "Issue3ChaChaSpec", [CKM.POLY1305] = "Issue3ChaChaSpec.Rfc8439_poly1305",
        [CKM.ML_DSA_KEY_PAIR_GEN] = "Issue3PqcSpec", [CKM.ML_DSA] = "Issue3PqcSpec.Ml_dsa_44_cross_checked_with_openssl",
        [CKM.ML_KEM_KEY_PAIR_GEN] = "Issue3PqcSpec.Ml_kem_keys_from_seed_match_openssl + Ml_kem_key_generation",
        [CKM.ML_KEM] = "Issue3PqcSpec.Ml_kem_encapsulation_round_trip (round trip only: no ML-KEM in the OpenSSL here)",
        [CKM.SLH_DSA_KEY_PAIR_GEN] = "Issue3PqcSpec (round trip only)", [CKM.SLH_DSA] = "Issue3PqcSpec (round trip only)",
        [CKM.HASH_ML_DSA] = "PqcContextSpec.Acvp_hash_ml_dsa_44_sha3_224_signature_verifies_with_the_fixed_and_the_generic_mechanism",
        [CKM.HASH_ML_DSA_SHA224] = "PqcContextSpec.Ml_dsa_deterministic_signatures_repeat_and_hedged_ones_do_not (round trip; the SHA3-224 path has the ACVP vector)", [CKM.HASH_ML_DSA_SHA256] = "PqcContextSpec.Ml_dsa_deterministic_signatures_repeat_and_hedged_ones_do_not (round trip; the SHA3-224 path has the ACVP vector)",
        [CKM.HASH_ML_DSA_SHA384] = "PqcContextSpec.Ml_dsa_deterministic_signatures_repeat_and_hedged_ones_do_not (round trip; the SHA3-224 path has the ACVP vector)",
        [CKM.HASH_ML_DSA_SHA512] = "PqcContextSpec.Hash_ml_dsa_sha512_equals_bouncycastles_own_hash_ml_dsa_parameter_set",
        [CKM.HASH_ML_DSA_SHA3_224] = "PqcContextSpec.Acvp_hash_ml_dsa_44_sha3_224_deterministic_signature_is_reproduced_byte_for_byte",
        [CKM.HASH_ML_DSA_SHA3_256] = "PqcContextSpec.Ml_dsa_deterministic_signatures_repeat_and_hedged_ones_do_not (round trip)", [CKM.HASH_ML_DSA_SHA3_384] = "PqcContextSpec.Ml_dsa_deterministic_signatures_repeat_and_hedged_ones_do_not (round trip)",
        [CKM.HASH_ML_DSA_SHA3_512] = "PqcContextSpec.Ml_dsa_deterministic_signatures_repeat_and_hedged_ones_do_not (round trip)", [CKM.HASH_ML_DSA_SHAKE128] = "PqcContextSpec.Ml_dsa_deterministic_signatures_repeat_and_hedged_ones_do_not (round trip)",
        [CKM.HASH_ML_DSA_SHAKE256] = "PqcContextSpec.Ml_dsa_deterministic_signatures_repeat_and_hedged_ones_do_not (round trip)",
        [CKM.HASH_SLH_DSA] = "PqcContextSpec.Hash_slh_dsa_sha256_equals_bouncycastles_own_parameter_set_and_pure_slh_dsa_takes_a_context",
        [CKM.HASH_SLH_DSA_SHA256] = "PqcContextSpec.Hash_slh_dsa_sha256_equals_bouncycastles_own_parameter_set_and_pure_slh_dsa_takes_a_context",
        [CKM.HASH_SLH_DSA_SHA224] = "PqcContextSpec.Hash_slh_dsa_round_trips", [CKM.HASH_SLH_DSA_SHA384] = "PqcContextSpec.Hash_slh_dsa_round_trips",
        [CKM.HASH_SLH_DSA_SHA512] = "PqcContextSpec.Hash_slh_dsa_round_trips", [CKM.HASH_SLH_DSA_SHA3_224] = "PqcContextSpec.Hash_slh_dsa_round_trips",
        [CKM.HASH_SLH_DSA_SHA3_256] = "PqcContextSpec.Hash_slh_dsa_round_trips", [CKM.HASH_SLH_DSA_SHA3_384] = "PqcContextSpec.Hash_slh_dsa_round_trips",
        [CKM.HASH_SLH_DSA_SHA3_512] = "PqcContextSpec.Hash_slh_dsa_round_trips", [CKM.HASH_SLH_DSA_SHAKE128] = "PqcContextSpec.Hash_slh_dsa_round_trips",
        [CKM.HASH_SLH_DSA_SHAKE256] = "PqcContextSpec.Hash_slh_dsa_round_trips",
        [CKM.SHA1_RSA_X9_31] = "Issue3AsymmetricSpec.Sha1_rsa_x9_31_matches_openssl",
        [CKM.RSA_AES_KEY_WRAP] = "Issue3AsymmetricSpec.Rsa_aes_key_wrap_unwraps_an_independent_blob_and_round_trips",
        [CKM.DSA_KEY_PAIR_GEN] = "Issue3AsymmetricSpec.Dsa_verifies_openssl_signatures_and_round_trips", [CKM.DSA] = "Issue3AsymmetricSpec",
        [CKM.DSA_SHA1] = "Issue3AsymmetricSpec", [CKM.DSA_SHA224] = "Issue3AsymmetricSpec (round trip)", [CKM.DSA_SHA256] = "Issue3AsymmetricSpec",
        [CKM.DSA_SHA384] = "Issue3AsymmetricSpec (round trip)", [CKM.DSA_SHA512] = "Issue3AsymmetricSpec (round trip)",
        [CKM.DH_PKCS_KEY_PAIR_GEN] = "Issue3AsymmetricSpec.Dh_pkcs_derive_matches_openssl_and_key_generation_agrees",
        [CKM.DH_PKCS_DERIVE] = "Issue3AsymmetricSpec.Dh_pkcs_derive_matches_openssl_and_key_generation_agrees",
        [CKM.SP800_108_COUNTER_KDF] = "Sp800108Spec.Cavp_counter_mode", [CKM.SP800_108_FEEDBACK_KDF] = "Sp800108Spec.Feedback_mode_agrees_with_bouncycastle",
        [CKM.SP800_108_DOUBLE_PIPELINE_KDF] = "Sp800108Spec.Double_pipeline_mode_agrees_with_bouncycastle",
        [CKM.SSL3_PRE_MASTER_KEY_GEN] = "TlsSpec.Ssl3_pre_master_master_and_key_derivations_follow_ssl3", [CKM.TLS_PRE_MASTER_KEY_GEN] = "TlsSpec.Ssl3_pre_master_master_and_key_derivations_follow_ssl3",
        [CKM.SSL3_MASTER_KEY_DERIVE] = "TlsSpec.Ssl3_pre_master_master_and_key_derivations_follow_ssl3", [CKM.SSL3_MASTER_KEY_DERIVE_DH] = "TlsSpec.Ssl3_pre_master_master_and_key_derivations_follow_ssl3",
        [CKM.SSL3_KEY_AND_MAC_DERIVE] = "TlsSpec.Ssl3_pre_master_master_and_key_derivations_follow_ssl3", [CKM.SSL3_MD5_MAC] = "TlsSpec.Ssl3_macs_follow_ssl3",
        [CKM.SSL3_SHA1_MAC] = "TlsSpec.Ssl3_macs_follow_ssl3", [CKM.TLS12_MASTER_KEY_DERIVE] = "TlsSpec.Tls12_master_key_derive_matches_the_nist_vector_and_answers_the_version",
        [CKM.TLS12_MASTER_KEY_DERIVE_DH] = "TlsSpec.Tls12_master_key_derive_matches_the_nist_vector_and_answers_the_version",
        [CKM.TLS12_KEY_AND_MAC_DERIVE] = "TlsSpec.Tls12_key_and_mac_derive_cuts_the_nist_key_block_into_mac_keys_keys_and_ivs",
        [CKM.TLS12_KEY_SAFE_DERIVE] = "TlsSpec.Tls12_key_and_mac_derive_cuts_the_nist_key_block_into_mac_keys_keys_and_ivs",
        [CKM.TLS12_KDF] = "TlsSpec.Tls12_kdf_and_tls_mac_agree_with_bouncycastle", [CKM.TLS_KDF] = "TlsSpec.Tls12_kdf_and_tls_mac_agree_with_bouncycastle",
        [CKM.SHAKE_128_KEY_DERIVATION] = "Issue3DerivationSpec.Shake_key_derivation", [CKM.SHAKE_256_KEY_DERIVATION] = "Issue3DerivationSpec.Shake_key_derivation",
        [CKM.RSA_X9_31_KEY_PAIR_GEN] = "X931KeyGenSpec (property test: sizes, exponent, X9.31 signature round trip)",
        [CKM.DSA_PARAMETER_GEN] = "DomainParametersSpec (property test: FIPS 186-4 group, keys and signatures)",
        [CKM.DH_PKCS_PARAMETER_GEN] = "DomainParametersSpec (property test: group, key agreement)",
        [CKM.TLS_MAC] = "TlsSpec.Tls12_kdf_and_tls_mac_agree_with_bouncycastle", [CKM.TLS12_MAC] = "TlsSpec.Tls12_kdf_and_tls_mac_agree_with_bouncycastle",
        [CKM.IBM_SHA3_224] = "ConformanceMechanismsSpec.Ibm_sha3_digests_are_sha3_fips202_abc", [CKM.IBM_SHA3_256] = "ConformanceMechanismsSpec.Ibm_sha3_digests_are_sha3_fips202_abc",
        [CKM.IBM_SHA3_384] = "ConformanceMechanismsSpec.Ibm_sha3_digests_are_sha3_fips202_abc", [CKM.IBM_SHA3_512] = "ConformanceMechanismsSpec.Ibm_sha3_digests_are_sha3_fips202_abc",
        [CKM.IBM_SHA3_224_HMAC] = "ConformanceMechanismsSpec.Ibm_sha3_hmacs_are_hmac_sha3_as_openssl_computes_it_and_take_no_parameter",
        [CKM.IBM_SHA3_256_HMAC] = "ConformanceMechanismsSpec.Ibm_sha3_hmacs_are_hmac_sha3_as_openssl_computes_it_and_take_no_parameter",
        [CKM.IBM_SHA3_384_HMAC] = "ConformanceMechanismsSpec.Ibm_sha3_hmacs_are_hmac_sha3_as_openssl_computes_it_and_take_no_parameter",
        [CKM.IBM_SHA3_512_HMAC] = "ConformanceMechanismsSpec.Ibm_sha3_hmacs_are_hmac_sha3_as_openssl_computes_it_and_take_no_parameter",
        [CKM.AES_KEY_WRAP_PKCS7] = "ConformanceMechanismsSpec.Aes_key_wrap_pkcs7_pads_to_the_semiblock_then_wraps_as_openssl_does",
        [CKM.PUB_KEY_FROM_PRIV_KEY] = "ConformanceMechanismsSpec.Public_key_from_private_key_gives_the_rfc_8032_and_7748_public_keys",
        [CKM.MD2] = "ConformanceMechanismsSpec.Legacy_digests_give_their_published_answers (RFC 1319)",
        [CKM.RIPEMD128] = "ConformanceMechanismsSpec.Legacy_digests_give_their_published_answers", [CKM.RIPEMD160] = "ConformanceMechanismsSpec.Legacy_digests_give_their_published_answers",
        [CKM.MD2_HMAC] = "ConformanceMechanismsSpec.Legacy_hmacs_give_the_rfc_2286_answers_and_take_general_lengths (BouncyCastle HMac)",
        [CKM.MD2_HMAC_GENERAL] = "ConformanceMechanismsSpec.Legacy_hmacs_give_the_rfc_2286_answers_and_take_general_lengths",
        [CKM.RIPEMD128_HMAC] = "ConformanceMechanismsSpec.Legacy_hmacs_give_the_rfc_2286_answers_and_take_general_lengths (RFC 2286)",
        [CKM.RIPEMD128_HMAC_GENERAL] = "ConformanceMechanismsSpec.Legacy_hmacs_give_the_rfc_2286_answers_and_take_general_lengths",
        [CKM.RIPEMD160_HMAC] = "ConformanceMechanismsSpec.Legacy_hmacs_give_the_rfc_2286_answers_and_take_general_lengths (RFC 2286)",
        [CKM.RIPEMD160_HMAC_GENERAL] = "ConformanceMechanismsSpec.Legacy_hmacs_give_the_rfc_2286_answers_and_take_general_lengths",
        [CKM.MD2_RSA_PKCS] = "ConformanceMechanismsSpec.Md2_rsa_pkcs_signs_the_md2_digest_info_as_bouncycastle_does",
        [CKM.CONCATENATE_BASE_AND_KEY] = "RawRsaAndConcatenateSpec.Concatenate_base_and_key_appends_the_second_value_and_keeps_the_stricter_attributes",
    };

    [Fact]
    public void Every_registered_mechanism_is_in_the_kat_list()
    {
        var missing = Registry.Types.Where(m => !Kats.ContainsKey(m)).Select(m => $"0x{m:X}").ToArray();
        Assert.Empty(missing);
    }

    [Fact]
    public void Every_mechanism_with_a_single_key_type_reports_it()
    {
        foreach (var m in Registry.Types)
        {
            Registry.TryGet(m, out var info, out _);
            Assert.True(info.MinKeySize <= info.MaxKeySize, $"0x{m:X}");
        }

        Assert.Equal([CKK.AES_XTS], KeyTypes(CKM.AES_XTS));
        Assert.Equal([CKK.EC_EDWARDS], KeyTypes(CKM.EDDSA));
        Assert.Equal([CKK.EC, CKK.EC_MONTGOMERY], KeyTypes(CKM.ECDH1_DERIVE));
        Assert.True(MechanismParams.HasPointers(CKM.AES_CCM) && MechanismParams.HasPointers(CKM.HKDF_DERIVE) && !MechanismParams.HasPointers(CKM.AES_XTS));
    }
}
