using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms.Aes;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Paddings;
using Org.BouncyCastle.Crypto.Parameters;

namespace OpenCryptokiActors.Tokens.Mechanisms.Des;

/// <summary>
/// DES and Triple-DES (PKCS#11 v3.0 §6.x "DES", "DES2", "DES3"): CKM_DES_KEY_GEN, CKM_DES2_KEY_GEN, CKM_DES3_KEY_GEN,
/// CKM_DES(3)_ECB / _CBC / _CBC_PAD, CKM_DES_OFB64 / CFB8 / CFB64 (single DES with a CKK_DES key, TDEA with a CKK_DES2/DES3
/// key, as openCryptoki), CKM_DES3_MAC(_GENERAL) (CBC-MAC, zero-padded, default half a block), CKM_DES3_CMAC(_GENERAL)
/// (SP 800-38B) and the derivations CKM_DES(3)_ECB_ENCRYPT_DATA / CKM_DES(3)_CBC_ENCRYPT_DATA. The block cipher is
/// BouncyCastle's (OpenSSL 3 keeps single DES in its legacy provider). Key sizes in bytes: DES 8, DES2 16, DES3 24.
/// <para>Key rules as openCryptoki's soft token: key generation sets odd parity and draws again while any 8-byte
/// component is a weak or semi-weak DES key; DES2/DES3 generation also draws again while two adjacent components are equal
/// (the key would collapse to single DES). Imported keys must have the exact length; their parity is not checked
/// (openCryptoki checks it only when its check_des_parity tweak is on, which is off by default).</para>
/// </summary>
public sealed class DesMechanisms : IMechanism
{
    private static readonly DesMechanisms Instance = new();

    /// <summary>Mechanisms that take a CKK_DES key only.</summary>
    public static readonly IReadOnlySet<ulong> SingleDes = new HashSet<ulong>
    {
        CKM.DES_ECB, CKM.DES_CBC, CKM.DES_CBC_PAD, CKM.DES_ECB_ENCRYPT_DATA, CKM.DES_CBC_ENCRYPT_DATA,
    };

    /// <summary>Mechanisms that take a CKK_DES2 or CKK_DES3 key.</summary>
    public static readonly IReadOnlySet<ulong> TripleDes = new HashSet<ulong>
    {
        CKM.DES3_ECB, CKM.DES3_CBC, CKM.DES3_CBC_PAD, CKM.DES3_MAC, CKM.DES3_MAC_GENERAL, CKM.DES3_CMAC, CKM.DES3_CMAC_GENERAL,
        CKM.DES3_ECB_ENCRYPT_DATA, CKM.DES3_CBC_ENCRYPT_DATA,
    };

    public static void Register(MechanismRegistry r)
    {
        const ulong cipher = CKF.ENCRYPT | CKF.DECRYPT;
        const ulong wrap = CKF.WRAP | CKF.UNWRAP;
        const ulong mac = CKF.SIGN | CKF.VERIFY;
        r.Add(CKM.DES_KEY_GEN, new MechanismInfo(8, 8, CKF.GENERATE), Instance, MechanismFacts.Keys(CKK.DES));
        r.Add(CKM.DES2_KEY_GEN, new MechanismInfo(16, 16, CKF.GENERATE), Instance, MechanismFacts.Keys(CKK.DES2));
        r.Add(CKM.DES3_KEY_GEN, new MechanismInfo(24, 24, CKF.GENERATE), Instance, MechanismFacts.Keys(CKK.DES3));
        r.Add(CKM.DES_ECB, new MechanismInfo(8, 8, cipher | wrap), Instance, MechanismFacts.Keys(CKK.DES));
        r.Add(CKM.DES_CBC, new MechanismInfo(8, 8, cipher | wrap), Instance, MechanismFacts.Keys(CKK.DES));
        r.Add(CKM.DES_CBC_PAD, new MechanismInfo(8, 8, cipher | wrap), Instance, MechanismFacts.Keys(CKK.DES));
        r.Add(CKM.DES3_ECB, new MechanismInfo(16, 24, cipher | wrap), Instance, MechanismFacts.Keys(CKK.DES2, CKK.DES3));
        r.Add(CKM.DES3_CBC, new MechanismInfo(16, 24, cipher | wrap), Instance, MechanismFacts.Keys(CKK.DES2, CKK.DES3));
        r.Add(CKM.DES3_CBC_PAD, new MechanismInfo(16, 24, cipher | wrap), Instance, MechanismFacts.Keys(CKK.DES2, CKK.DES3));
        r.Add(CKM.DES_OFB64, new MechanismInfo(8, 24, cipher), Instance, MechanismFacts.Keys(CKK.DES, CKK.DES2, CKK.DES3));
        r.Add(CKM.DES_CFB8, new MechanismInfo(8, 24, cipher), Instance, MechanismFacts.Keys(CKK.DES, CKK.DES2, CKK.DES3));
        r.Add(CKM.DES_CFB64, new MechanismInfo(8, 24, cipher), Instance, MechanismFacts.Keys(CKK.DES, CKK.DES2, CKK.DES3));
        r.Add(CKM.DES3_MAC, new MechanismInfo(16, 24, mac), Instance, MechanismFacts.Keys(CKK.DES2, CKK.DES3));
        r.Add(CKM.DES3_MAC_GENERAL, new MechanismInfo(16, 24, mac), Instance, MechanismFacts.Keys(CKK.DES2, CKK.DES3));
        r.Add(CKM.DES3_CMAC, new MechanismInfo(16, 24, mac), Instance, MechanismFacts.Keys(CKK.DES2, CKK.DES3));
        r.Add(CKM.DES3_CMAC_GENERAL, new MechanismInfo(16, 24, mac), Instance, MechanismFacts.Keys(CKK.DES2, CKK.DES3));
        r.Add(CKM.DES_ECB_ENCRYPT_DATA, new MechanismInfo(8, 8, CKF.DERIVE), Instance, MechanismFacts.Keys(CKK.DES).Taking(ParamKind.KeyDerivationStringData));
        r.Add(CKM.DES_CBC_ENCRYPT_DATA, new MechanismInfo(8, 8, CKF.DERIVE), Instance, MechanismFacts.Keys(CKK.DES).Taking(ParamKind.DesCbcEncryptData));
        r.Add(CKM.DES3_ECB_ENCRYPT_DATA, new MechanismInfo(16, 24, CKF.DERIVE), Instance, MechanismFacts.Keys(CKK.DES2, CKK.DES3).Taking(ParamKind.KeyDerivationStringData));
        r.Add(CKM.DES3_CBC_ENCRYPT_DATA, new MechanismInfo(16, 24, CKF.DERIVE), Instance, MechanismFacts.Keys(CKK.DES2, CKK.DES3).Taking(ParamKind.DesCbcEncryptData));
    }

    public AttributeSet GenerateKey(ulong mechanism, byte[]? parameter, AttributeSet template)
    {
        var (keyType, len) = mechanism switch
        {
            CKM.DES_KEY_GEN => (CKK.DES, 8),
            CKM.DES2_KEY_GEN => (CKK.DES2, 16),
            CKM.DES3_KEY_GEN => (CKK.DES3, 24),
            _ => throw new CkException(CKR.MECHANISM_INVALID),
        };
        Check.NoParameter(parameter);
        if (template.GetULong(CKA.VALUE_LEN) is { } l && l != (ulong)len)
            throw new CkException(CKR.TEMPLATE_INCONSISTENT, $"a key of this type is {len} bytes long");
        byte[] v;
        do
        {
            v = RandomNumberGenerator.GetBytes(len);
            DesParameters.SetOddParity(v);
        }
        while (!Acceptable(v));

        return Generic.GenericSecretMechanisms.Secret(keyType, v);
    }

    /// <summary>No component is a weak or semi-weak DES key and no two adjacent components are equal.</summary>
    public static bool Acceptable(byte[] key)
    {
        for (var i = 0; i < key.Length; i += 8)
        {
            if (DesParameters.IsWeakKey(key, i)) return false;
            if (i > 0 && key.AsSpan(i - 8, 8).SequenceEqual(key.AsSpan(i, 8))) return false;
        }

        return true;
    }

    public ICipherOperation CreateEncrypt(ulong mechanism, byte[]? parameter, AttributeSet key) => Create(mechanism, parameter, KeyValue(mechanism, key), encrypt: true);

    public ICipherOperation CreateDecrypt(ulong mechanism, byte[]? parameter, AttributeSet key) => Create(mechanism, parameter, KeyValue(mechanism, key), encrypt: false);

    public ISignOperation CreateSign(ulong mechanism, byte[]? parameter, AttributeSet key) => CreateMac(mechanism, parameter, KeyValue(mechanism, key));

    public IVerifyOperation CreateVerify(ulong mechanism, byte[]? parameter, AttributeSet key) => CreateMac(mechanism, parameter, KeyValue(mechanism, key));

    public byte[] Wrap(ulong mechanism, byte[]? parameter, AttributeSet wrappingKey, byte[] keyEncoding)
    {
        var data = mechanism is CKM.DES_ECB or CKM.DES_CBC or CKM.DES3_ECB or CKM.DES3_CBC
            ? ZeroPad(keyEncoding) // ECB/CBC wrapping pads the key with zeros to a block multiple.
            : keyEncoding;
        var k = KeyValue(mechanism, wrappingKey, CKR.WRAPPING_KEY_TYPE_INCONSISTENT, CKR.WRAPPING_KEY_SIZE_RANGE);
        return Create(mechanism, parameter, k, encrypt: true).OneShot(data);
    }

    public byte[] Unwrap(ulong mechanism, byte[]? parameter, AttributeSet unwrappingKey, byte[] wrapped)
    {
        var k = KeyValue(mechanism, unwrappingKey, CKR.UNWRAPPING_KEY_TYPE_INCONSISTENT, CKR.UNWRAPPING_KEY_SIZE_RANGE);
        try
        {
            return Create(mechanism, parameter, k, encrypt: false).OneShot(wrapped);
        }
        catch (CkException e) when (e.Rv is CKR.ENCRYPTED_DATA_LEN_RANGE)
        {
            throw new CkException(CKR.WRAPPED_KEY_LEN_RANGE);
        }
        catch (CkException e) when (e.Rv is CKR.ENCRYPTED_DATA_INVALID)
        {
            throw new CkException(CKR.WRAPPED_KEY_INVALID);
        }
    }

    /// <summary>CKM_DES(3)_ECB_ENCRYPT_DATA / CKM_DES(3)_CBC_ENCRYPT_DATA: the new key is the encryption of the data under the base key.</summary>
    public AttributeSet Derive(ulong mechanism, byte[]? parameter, AttributeSet baseKey, AttributeSet template)
    {
        var k = KeyValue(mechanism, baseKey);
        byte[] encrypted;
        switch (mechanism)
        {
            case CKM.DES_ECB_ENCRYPT_DATA:
            case CKM.DES3_ECB_ENCRYPT_DATA:
            {
                var p = Params.Decode(parameter, b => KeyDerivationStringData.Decode(b), "CK_KEY_DERIVATION_STRING_DATA");
                if (p.Data.Length == 0 || p.Data.Length % 8 != 0) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "data must be a non-empty multiple of 8 bytes");
                encrypted = Create(mechanism == CKM.DES_ECB_ENCRYPT_DATA ? CKM.DES_ECB : CKM.DES3_ECB, null, k, encrypt: true).OneShot(p.Data);
                break;
            }

            case CKM.DES_CBC_ENCRYPT_DATA:
            case CKM.DES3_CBC_ENCRYPT_DATA:
            {
                var p = Params.Decode(parameter, b => AesCbcEncryptDataParams.Decode(b), "CK_DES_CBC_ENCRYPT_DATA_PARAMS");
                if (p.Iv.Length != 8) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "an 8-byte IV is required");
                if (p.Data.Length == 0 || p.Data.Length % 8 != 0) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "data must be a non-empty multiple of 8 bytes");
                encrypted = Create(mechanism == CKM.DES_CBC_ENCRYPT_DATA ? CKM.DES_CBC : CKM.DES3_CBC, p.Iv, k, encrypt: true).OneShot(p.Data);
                break;
            }

            default:
                throw new CkException(CKR.MECHANISM_INVALID);
        }

        return DerivedKey.FromMaterial(template, encrypted);
    }

    private static byte[] ZeroPad(byte[] data)
    {
        var padded = new byte[(data.Length + 7) / 8 * 8];
        data.CopyTo(padded, 0);
        return padded;
    }

    /// <summary>The key value, after checking its type against the mechanism (DES; DES2/DES3; or any of the three for OFB/CFB).</summary>
    private static byte[] KeyValue(ulong mechanism, AttributeSet key, ulong typeRv = CKR.KEY_TYPE_INCONSISTENT, ulong sizeRv = CKR.KEY_SIZE_RANGE)
    {
        var kt = key.GetULong(CKA.KEY_TYPE);
        if (key.GetULong(CKA.CLASS) != CKO.SECRET_KEY) throw new CkException(typeRv, "DES key expected");
        var fits = SingleDes.Contains(mechanism) ? kt == CKK.DES
            : TripleDes.Contains(mechanism) ? kt is CKK.DES2 or CKK.DES3
            : kt is CKK.DES or CKK.DES2 or CKK.DES3;
        if (!fits) throw new CkException(typeRv, $"key type 0x{kt:X} does not fit mechanism 0x{mechanism:X}");
        var v = key.Get(CKA.VALUE) ?? throw new CkException(typeRv, "DES key without value");
        var expected = kt switch { CKK.DES => 8, CKK.DES2 => 16, _ => 24 };
        if (v.Length != expected) throw new CkException(sizeRv, "DES key of a wrong length");
        return v;
    }

    private static IBlockCipher Engine(byte[] key) => key.Length == 8 ? new DesEngine() : new DesEdeEngine();

    private static ICipherOperation Create(ulong mechanism, byte[]? parameter, byte[] key, bool encrypt)
    {
        IBufferedCipher cipher;
        switch (mechanism)
        {
            case CKM.DES_ECB:
            case CKM.DES3_ECB:
                Check.NoParameter(parameter);
                cipher = new BufferedBlockCipher(new EcbBlockCipher(Engine(key)));
                cipher.Init(encrypt, new KeyParameter(key));
                return new DesOperation(cipher, encrypt, padded: false);
            case CKM.DES_CBC:
            case CKM.DES3_CBC:
            case CKM.DES_CBC_PAD:
            case CKM.DES3_CBC_PAD:
            {
                var pad = mechanism is CKM.DES_CBC_PAD or CKM.DES3_CBC_PAD;
                if (parameter is not { Length: 8 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "an 8-byte IV is required");
                var cbc = new CbcBlockCipher(Engine(key));
                cipher = pad ? new PaddedBufferedBlockCipher(cbc, new Pkcs7Padding()) : new BufferedBlockCipher(cbc);
                cipher.Init(encrypt, new ParametersWithIV(new KeyParameter(key), parameter));
                return new DesOperation(cipher, encrypt, pad);
            }

            case CKM.DES_OFB64:
            case CKM.DES_CFB64:
            case CKM.DES_CFB8:
            {
                if (parameter is not { Length: 8 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "an 8-byte IV is required");
                IBlockCipher mode = mechanism switch
                {
                    CKM.DES_OFB64 => new OfbBlockCipher(Engine(key), 64),
                    CKM.DES_CFB64 => new CfbBlockCipher(Engine(key), 64),
                    _ => new CfbBlockCipher(Engine(key), 8),
                };
                cipher = new BufferedBlockCipher(mode);
                cipher.Init(encrypt, new ParametersWithIV(new KeyParameter(key), parameter));
                return new DesOperation(cipher, encrypt, padded: false);
            }

            default:
                throw new CkException(CKR.MECHANISM_INVALID);
        }
    }

    private static MacOperation CreateMac(ulong mechanism, byte[]? parameter, byte[] key)
    {
        IMac mac;
        int length;
        switch (mechanism)
        {
            case CKM.DES3_MAC:
                Check.NoParameter(parameter);
                mac = new CbcBlockCipherMac(new DesEdeEngine(), 64);
                length = 4;
                break;
            case CKM.DES3_MAC_GENERAL:
                length = AesMacs.GeneralLength(parameter, 8);
                mac = new CbcBlockCipherMac(new DesEdeEngine(), 64);
                break;
            case CKM.DES3_CMAC:
                Check.NoParameter(parameter);
                mac = new CMac(new DesEdeEngine());
                length = 8;
                break;
            case CKM.DES3_CMAC_GENERAL:
                length = AesMacs.GeneralLength(parameter, 8);
                mac = new CMac(new DesEdeEngine());
                break;
            default:
                throw new CkException(CKR.MECHANISM_INVALID);
        }

        mac.Init(new KeyParameter(key));
        return new MacOperation(mac, length);
    }

    /// <summary>A BouncyCastle buffered cipher as a PKCS#11 operation: length and padding failures become their CKR codes.</summary>
    private sealed class DesOperation(IBufferedCipher cipher, bool encrypt, bool padded) : ICipherOperation
    {
        public byte[] OneShot(ReadOnlySpan<byte> input)
        {
            var a = Update(input);
            var b = Final();
            return b.Length == 0 ? a : [.. a, .. b];
        }

        public byte[] Update(ReadOnlySpan<byte> input)
        {
            var output = new byte[cipher.GetUpdateOutputSize(input.Length)];
            var n = cipher.ProcessBytes(input, output);
            return n == output.Length ? output : output[..n];
        }

        public byte[] Final()
        {
            var output = new byte[cipher.GetOutputSize(0)];
            try
            {
                var n = cipher.DoFinal(output, 0);
                return n == output.Length ? output : output[..n];
            }
            catch (DataLengthException)
            {
                throw new CkException(encrypt ? CKR.DATA_LEN_RANGE : CKR.ENCRYPTED_DATA_LEN_RANGE);
            }
            catch (InvalidCipherTextException)
            {
                throw new CkException(padded ? CKR.ENCRYPTED_DATA_INVALID : CKR.ENCRYPTED_DATA_LEN_RANGE, "bad padding");
            }
        }
    }
}
