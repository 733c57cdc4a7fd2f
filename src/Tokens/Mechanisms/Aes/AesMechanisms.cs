using System.Buffers.Binary;
using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using NetAes = System.Security.Cryptography.Aes;

namespace OpenCryptokiActors.Tokens.Mechanisms.Aes;

/// <summary>
/// AES (PKCS#11 v3.0 §6.8, §6.12 ff.): CKM_AES_KEY_GEN, CKM_AES_ECB, CKM_AES_CBC, CKM_AES_CBC_PAD, CKM_AES_CTR,
/// CKM_AES_GCM, CKM_AES_CCM, CKM_AES_CTS (CS3, RFC 3962), CKM_AES_OFB, CKM_AES_CFB1/8/128, CKM_AES_XTS (+ key gen),
/// CKM_AES_MAC(_GENERAL) (CBC-MAC), CKM_AES_CMAC(_GENERAL) (SP 800-38B), CKM_AES_GMAC, CKM_AES_KEY_WRAP (RFC 3394),
/// CKM_AES_KEY_WRAP_PAD / _KWP (RFC 5649) and the derivations CKM_AES_ECB_ENCRYPT_DATA / CKM_AES_CBC_ENCRYPT_DATA.
/// Key sizes in bytes (16..32; XTS 32..64, both halves).
/// </summary>
public sealed class AesMechanisms : IMechanism
{
    private static readonly AesMechanisms Instance = new();

    public static void Register(MechanismRegistry r)
    {
        const ulong cipher = CKF.ENCRYPT | CKF.DECRYPT;
        const ulong wrap = CKF.WRAP | CKF.UNWRAP;
        r.Add(CKM.AES_KEY_GEN, new MechanismInfo(16, 32, CKF.GENERATE), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_ECB, new MechanismInfo(16, 32, cipher | wrap), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_CBC, new MechanismInfo(16, 32, cipher | wrap), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_CBC_PAD, new MechanismInfo(16, 32, cipher | wrap), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_CTR, new MechanismInfo(16, 32, cipher), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_GCM, new MechanismInfo(16, 32, cipher), Instance, MechanismFacts.Keys(CKK.AES).Taking(ParamKind.Gcm).AsMessageAead());
        r.Add(CKM.AES_KEY_WRAP, new MechanismInfo(16, 32, cipher | wrap), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_KEY_WRAP_PAD, new MechanismInfo(16, 32, cipher | wrap), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_KEY_WRAP_KWP, new MechanismInfo(16, 32, cipher | wrap), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_KEY_WRAP_PKCS7, new MechanismInfo(16, 32, cipher | wrap), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_CCM, new MechanismInfo(16, 32, cipher), Instance, MechanismFacts.Keys(CKK.AES).Taking(ParamKind.Ccm).AsMessageAead());
        r.Add(CKM.AES_CTS, new MechanismInfo(16, 32, cipher), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_OFB, new MechanismInfo(16, 32, cipher), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_CFB1, new MechanismInfo(16, 32, cipher), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_CFB8, new MechanismInfo(16, 32, cipher), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_CFB128, new MechanismInfo(16, 32, cipher), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_XTS, new MechanismInfo(32, 64, cipher), Instance, MechanismFacts.Keys(CKK.AES_XTS));
        r.Add(CKM.AES_XTS_KEY_GEN, new MechanismInfo(32, 64, CKF.GENERATE), Instance, MechanismFacts.Keys(CKK.AES_XTS));
        r.Add(CKM.AES_MAC, new MechanismInfo(16, 32, CKF.SIGN | CKF.VERIFY), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_MAC_GENERAL, new MechanismInfo(16, 32, CKF.SIGN | CKF.VERIFY), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_CMAC, new MechanismInfo(16, 32, CKF.SIGN | CKF.VERIFY), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_CMAC_GENERAL, new MechanismInfo(16, 32, CKF.SIGN | CKF.VERIFY), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_GMAC, new MechanismInfo(16, 32, CKF.SIGN | CKF.VERIFY), Instance, MechanismFacts.Keys(CKK.AES));
        r.Add(CKM.AES_ECB_ENCRYPT_DATA, new MechanismInfo(16, 32, CKF.DERIVE), Instance, MechanismFacts.Keys(CKK.AES).Taking(ParamKind.KeyDerivationStringData));
        r.Add(CKM.AES_CBC_ENCRYPT_DATA, new MechanismInfo(16, 32, CKF.DERIVE), Instance, MechanismFacts.Keys(CKK.AES).Taking(ParamKind.AesCbcEncryptData));
    }

    public AttributeSet GenerateKey(ulong mechanism, byte[]? parameter, AttributeSet template)
    {
        if (mechanism == CKM.AES_XTS_KEY_GEN) return GenerateXtsKey(parameter, template);
        if (mechanism != CKM.AES_KEY_GEN) throw new CkException(CKR.MECHANISM_INVALID);
        Check.NoParameter(parameter);
        var len = template.GetULong(CKA.VALUE_LEN) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN is required");
        if (len is not (16 or 24 or 32)) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "AES key length must be 16, 24 or 32");
        var a = new AttributeSet();
        a.SetULong(CKA.CLASS, CKO.SECRET_KEY);
        a.SetULong(CKA.KEY_TYPE, CKK.AES);
        a.Set(CKA.VALUE, RandomNumberGenerator.GetBytes((int)len));
        a.SetULong(CKA.VALUE_LEN, len);
        return a;
    }

    private static AttributeSet GenerateXtsKey(byte[]? parameter, AttributeSet template)
    {
        Check.NoParameter(parameter);
        var len = template.GetULong(CKA.VALUE_LEN) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN is required");
        if (len is not (32 or 64)) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "AES-XTS key length must be 32 or 64");
        byte[] v;
        do
        {
            v = RandomNumberGenerator.GetBytes((int)len);
        }
        while (v.AsSpan(0, v.Length / 2).SequenceEqual(v.AsSpan(v.Length / 2)));

        return Generic.GenericSecretMechanisms.Secret(CKK.AES_XTS, v);
    }

    public ISignOperation CreateSign(ulong mechanism, byte[]? parameter, AttributeSet key) => AesMacs.Create(mechanism, parameter, KeyValue(key));

    public IVerifyOperation CreateVerify(ulong mechanism, byte[]? parameter, AttributeSet key) => AesMacs.Create(mechanism, parameter, KeyValue(key));

    /// <summary>CKM_AES_ECB_ENCRYPT_DATA / CKM_AES_CBC_ENCRYPT_DATA (§6.14.x): the new key is the encryption of the data under the base key.</summary>
    public AttributeSet Derive(ulong mechanism, byte[]? parameter, AttributeSet baseKey, AttributeSet template)
    {
        var k = KeyValue(baseKey);
        byte[] encrypted;
        switch (mechanism)
        {
            case CKM.AES_ECB_ENCRYPT_DATA:
            {
                var p = Params.Decode(parameter, b => KeyDerivationStringData.Decode(b), "CK_KEY_DERIVATION_STRING_DATA");
                if (p.Data.Length == 0 || p.Data.Length % 16 != 0) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "data must be a non-empty multiple of 16 bytes");
                encrypted = Create(CKM.AES_ECB, null, baseKey, k, encrypt: true).OneShot(p.Data);
                break;
            }

            case CKM.AES_CBC_ENCRYPT_DATA:
            {
                var p = Params.Decode(parameter, b => AesCbcEncryptDataParams.Decode(b), "CK_AES_CBC_ENCRYPT_DATA_PARAMS");
                if (p.Iv.Length != 16) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "a 16-byte IV is required");
                if (p.Data.Length == 0 || p.Data.Length % 16 != 0) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "data must be a non-empty multiple of 16 bytes");
                encrypted = Create(CKM.AES_CBC, p.Iv, baseKey, k, encrypt: true).OneShot(p.Data);
                break;
            }

            default:
                throw new CkException(CKR.MECHANISM_INVALID);
        }

        return DerivedKey.FromMaterial(template, encrypted);
    }

    public ICipherOperation CreateEncrypt(ulong mechanism, byte[]? parameter, AttributeSet key) => Create(mechanism, parameter, key, encrypt: true);

    public ICipherOperation CreateDecrypt(ulong mechanism, byte[]? parameter, AttributeSet key) => Create(mechanism, parameter, key, encrypt: false);

    public byte[] Wrap(ulong mechanism, byte[]? parameter, AttributeSet wrappingKey, byte[] keyEncoding)
    {
        var data = mechanism is CKM.AES_ECB or CKM.AES_CBC
            ? ZeroPad(keyEncoding) // §6.8: ECB/CBC wrapping pads the key with zeros to a block multiple.
            : keyEncoding;
        var k = KeyValue(wrappingKey, CKR.WRAPPING_KEY_TYPE_INCONSISTENT, CKR.WRAPPING_KEY_SIZE_RANGE);
        try
        {
            return Create(mechanism, parameter, wrappingKey, k, encrypt: true).OneShot(data);
        }
        catch (CkException e) when (e.Rv is CKR.DATA_LEN_RANGE)
        {
            throw new CkException(CKR.KEY_SIZE_RANGE, "the key cannot be wrapped with this mechanism");
        }
    }

    public byte[] Unwrap(ulong mechanism, byte[]? parameter, AttributeSet unwrappingKey, byte[] wrapped)
    {
        var k = KeyValue(unwrappingKey, CKR.UNWRAPPING_KEY_TYPE_INCONSISTENT, CKR.UNWRAPPING_KEY_SIZE_RANGE);
        try
        {
            return Create(mechanism, parameter, unwrappingKey, k, encrypt: false).OneShot(wrapped);
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

    private static byte[] ZeroPad(byte[] data)
    {
        var padded = new byte[(data.Length + 15) / 16 * 16];
        data.CopyTo(padded, 0);
        return padded;
    }

    private static byte[] XtsKeyValue(AttributeSet key)
    {
        if (key.GetULong(CKA.CLASS) != CKO.SECRET_KEY || key.GetULong(CKA.KEY_TYPE) != CKK.AES_XTS)
            throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "AES-XTS key expected");
        var v = key.Get(CKA.VALUE) ?? throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "AES-XTS key without value");
        if (v.Length is not (32 or 64)) throw new CkException(CKR.KEY_SIZE_RANGE, "AES-XTS key of a wrong length");
        if (v.AsSpan(0, v.Length / 2).SequenceEqual(v.AsSpan(v.Length / 2))) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "AES-XTS key halves are equal");
        return v;
    }

    private static byte[] KeyValue(AttributeSet key, ulong typeRv = CKR.KEY_TYPE_INCONSISTENT, ulong sizeRv = CKR.KEY_SIZE_RANGE)
    {
        if (key.GetULong(CKA.CLASS) != CKO.SECRET_KEY || key.GetULong(CKA.KEY_TYPE) != CKK.AES)
            throw new CkException(typeRv, "AES key expected");
        var v = key.Get(CKA.VALUE) ?? throw new CkException(typeRv, "AES key without value");
        if (v.Length is not (16 or 24 or 32)) throw new CkException(sizeRv, "AES key of a wrong length");
        return v;
    }

    private static ICipherOperation Create(ulong mechanism, byte[]? parameter, AttributeSet key, bool encrypt) =>
        mechanism == CKM.AES_XTS ? AesModes.Xts(XtsKeyValue(key), parameter, encrypt) : Create(mechanism, parameter, key, KeyValue(key), encrypt);

    /// <summary>An operation with the AES key <paramref name="k"/>, the CKA_VALUE of <paramref name="key"/> (whose prepared objects it uses).</summary>
    private static ICipherOperation Create(ulong mechanism, byte[]? parameter, AttributeSet key, byte[] k, bool encrypt)
    {
        switch (mechanism)
        {
            case CKM.AES_ECB:
                Check.NoParameter(parameter);
                return new BlockOperation(PreparedAes.Of(key, k), encrypt, null, pad: false);
            case CKM.AES_CBC:
            case CKM.AES_CBC_PAD:
                if (parameter is not { Length: 16 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "a 16-byte IV is required");
                return new BlockOperation(PreparedAes.Of(key, k), encrypt, (byte[])parameter.Clone(), pad: mechanism == CKM.AES_CBC_PAD);
            case CKM.AES_CTR:
            {
                if (parameter is not { Length: 24 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "CK_AES_CTR_PARAMS expected");
                var bits = MechanismParams.ULongAt(parameter, 0);
                if (bits is 0 or > 128) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "counter bits out of range");
                return new CtrOperation(PreparedAes.Of(key, k), (int)bits, parameter[8..24]);
            }

            case CKM.AES_GCM:
            {
                GcmParams p;
                try
                {
                    p = GcmParams.Decode(parameter ?? []);
                }
                catch (Exception e) when (e is WireFormatException or ArgumentException or InvalidOperationException)
                {
                    throw new CkException(CKR.MECHANISM_PARAM_INVALID, "CK_GCM_PARAMS expected");
                }

                if (p.Iv.Length is 0 or > 256) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "GCM IV length out of range");
                if (p.TagBits is < 32 or > 128 || p.TagBits % 8 != 0) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "GCM tag length out of range");
                return new GcmOperation(PreparedAes.Of(key, k), encrypt, p.Iv, p.Aad, (int)p.TagBits / 8);
            }

            case CKM.AES_CCM:
            {
                var p = Params.Decode(parameter, b => CcmParams.Decode(b), "CK_CCM_PARAMS");
                if (p.Nonce.Length is < 7 or > 13) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "CCM nonce length must be 7..13");
                if (p.MacLen is < 4 or > 16 || p.MacLen % 2 != 0) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "CCM MAC length must be 4, 6, ..., 16");
                return new AesModes.CcmOperation(k, encrypt, p);
            }

            case CKM.AES_CTS:
                if (parameter is not { Length: 16 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "a 16-byte IV is required");
                return new AesModes.CtsOperation(k, encrypt, parameter);
            case CKM.AES_OFB:
            case CKM.AES_CFB1:
            case CKM.AES_CFB8:
            case CKM.AES_CFB128:
                if (parameter is not { Length: 16 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "a 16-byte IV is required");
                return new AesModes.FeedbackOperation(k, encrypt, mechanism, parameter);
            case CKM.AES_KEY_WRAP:
                if (parameter is { Length: > 0 } and not { Length: 8 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "an 8-byte IV is expected");
                return new WrapOperation(k, encrypt, pad: false, parameter is { Length: 8 } ? parameter : AesKeyWrap.DefaultIv);
            case CKM.AES_KEY_WRAP_PKCS7:
                // PKCS#11 3.0 §2.14.3: RFC 3394 over the data padded by PKCS #7 to a multiple of the 8-byte semiblock; the
                // parameter is the 8-byte IV of RFC 3394 (optional, as for CKM_AES_KEY_WRAP; openCryptoki does the same).
                if (parameter is { Length: > 0 } and not { Length: 8 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "an 8-byte IV is expected");
                return new Pkcs7WrapOperation(k, encrypt, parameter is { Length: 8 } ? parameter : AesKeyWrap.DefaultIv);
            case CKM.AES_KEY_WRAP_PAD:
            case CKM.AES_KEY_WRAP_KWP:
                if (parameter is { Length: > 0 } and not { Length: 4 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "a 4-byte AIV is expected");
                return new WrapOperation(k, encrypt, pad: true, parameter is { Length: 4 } ? parameter : AesKeyWrap.DefaultAiv);
            default:
                throw new CkException(CKR.MECHANISM_INVALID);
        }
    }

    /// <summary>ECB and CBC (with or without PKCS#7 padding), streamed per block. CBC_PAD decryption holds back the last block.</summary>
    private sealed class BlockOperation : ICipherOperation
    {
        private readonly PreparedAes _key;
        private readonly bool _encrypt;
        private readonly bool _pad;
        private byte[]? _iv;
        private byte[] _pending = [];

        public BlockOperation(PreparedAes key, bool encrypt, byte[]? iv, bool pad)
        {
            _key = key;
            _encrypt = encrypt;
            _iv = iv;
            _pad = pad;
        }

        public byte[] OneShot(ReadOnlySpan<byte> input)
        {
            var a = Update(input);
            var b = Final();
            return b.Length == 0 ? a : [.. a, .. b];
        }

        public byte[] Update(ReadOnlySpan<byte> input)
        {
            if (_pending.Length == 0)
            {
                // No copy of the input: transform its whole blocks in place, keep the tail.
                var keep = input.Length % 16;
                if (!_encrypt && _pad && keep == 0) keep = Math.Min(16, input.Length);
                _pending = input[^keep..].ToArray();
                return Transform(input[..^keep]);
            }

            var all = (byte[])[.. _pending, .. input];
            var hold = all.Length % 16;
            if (!_encrypt && _pad && hold == 0) hold = Math.Min(16, all.Length);
            _pending = all[^hold..];
            return Transform(all.AsSpan(0, all.Length - hold));
        }

        public byte[] Final()
        {
            var pending = _pending;
            _pending = [];
            if (_pad && _encrypt)
            {
                var n = 16 - pending.Length;
                var block = new byte[16];
                pending.CopyTo(block, 0);
                block.AsSpan(pending.Length).Fill((byte)n);
                return Transform(block);
            }

            if (_pad)
            {
                if (pending.Length != 16) throw new CkException(CKR.ENCRYPTED_DATA_LEN_RANGE);
                var plain = Transform(pending);
                var n = plain[15];
                var ok = n is >= 1 and <= 16;
                for (var i = 16 - (ok ? n : 1); i < 16; i++) ok &= plain[i] == n;
                if (!ok) throw new CkException(CKR.ENCRYPTED_DATA_INVALID, "bad padding");
                return plain[..(16 - n)];
            }

            if (pending.Length != 0) throw new CkException(_encrypt ? CKR.DATA_LEN_RANGE : CKR.ENCRYPTED_DATA_LEN_RANGE);
            return [];
        }

        private byte[] Transform(ReadOnlySpan<byte> blocks)
        {
            if (blocks.IsEmpty) return [];
            using var lease = _key.Aes.Rent();
            var aes = lease.Item;
            if (_iv is null) return _encrypt ? aes.EncryptEcb(blocks, PaddingMode.None) : aes.DecryptEcb(blocks, PaddingMode.None);
            if (_encrypt)
            {
                var c = aes.EncryptCbc(blocks, _iv, PaddingMode.None);
                _iv = c[^16..];
                return c;
            }

            var p = aes.DecryptCbc(blocks, _iv, PaddingMode.None);
            _iv = blocks[^16..].ToArray();
            return p;
        }
    }

    /// <summary>CTR (SP 800-38A §6.5): the low <c>counterBits</c> bits of the block are the big-endian counter; streamed per byte.</summary>
    private sealed class CtrOperation : ICipherOperation
    {
        private readonly PreparedAes _key;
        private readonly int _counterBits;
        private readonly byte[] _counter;
        private byte[] _keystream = [];
        private int _used;

        public CtrOperation(PreparedAes key, int counterBits, byte[] counterBlock)
        {
            _key = key;
            _counterBits = counterBits;
            _counter = counterBlock;
        }

        public byte[] OneShot(ReadOnlySpan<byte> input) => Update(input);

        public byte[] Update(ReadOnlySpan<byte> input)
        {
            var output = new byte[input.Length];
            var done = 0;
            while (done < input.Length)
            {
                if (_used == _keystream.Length) Refill((input.Length - done + 15) / 16);
                var n = Math.Min(_keystream.Length - _used, input.Length - done);
                for (var i = 0; i < n; i++) output[done + i] = (byte)(input[done + i] ^ _keystream[_used + i]);
                _used += n;
                done += n;
            }

            return output;
        }

        public byte[] Final() => [];

        private void Refill(int blocks)
        {
            blocks = Math.Clamp(blocks, 1, 4096);
            var counters = new byte[blocks * 16];
            for (var b = 0; b < blocks; b++)
            {
                _counter.CopyTo(counters, b * 16);
                Increment();
            }

            using (var lease = _key.Aes.Rent()) _keystream = lease.Item.EncryptEcb(counters, PaddingMode.None);
            _used = 0;
        }

        private void Increment()
        {
            // Add one to the low _counterBits bits, wrapping within them.
            var remaining = _counterBits;
            for (var i = 15; i >= 0 && remaining > 0; i--, remaining -= 8)
            {
                var mask = remaining >= 8 ? 0xFF : (1 << remaining) - 1;
                var low = (_counter[i] & mask) + 1;
                _counter[i] = (byte)((_counter[i] & ~mask) | (low & mask));
                if ((low & mask) != 0) return;
            }
        }
    }

    /// <summary>GCM (SP 800-38D): buffers until Final. Output of encryption is ciphertext || tag.</summary>
    private sealed class GcmOperation(PreparedAes key, bool encrypt, byte[] iv, byte[] aad, int tagBytes) : ICipherOperation
    {
        private readonly DataBuffer _data = new();

        public byte[] OneShot(ReadOnlySpan<byte> input)
        {
            _data.Append(input);
            return Final();
        }

        public byte[] Update(ReadOnlySpan<byte> input)
        {
            _data.Append(input);
            return [];
        }

        public byte[] Final()
        {
            var data = _data.Take();
            if (!encrypt && data.Length < tagBytes) throw new CkException(CKR.ENCRYPTED_DATA_LEN_RANGE);
            if (iv.Length == 12 && tagBytes >= 12)
            {
                using var lease = key.Gcm(tagBytes).Rent();
                var gcm = lease.Item;
                if (encrypt)
                {
                    var output = new byte[data.Length + tagBytes];
                    gcm.Encrypt(iv, data, output.AsSpan(0, data.Length), output.AsSpan(data.Length), aad);
                    return output;
                }

                var plain = new byte[data.Length - tagBytes];
                try
                {
                    gcm.Decrypt(iv, data.AsSpan(0, plain.Length), data.AsSpan(plain.Length), plain, aad);
                }
                catch (AuthenticationTagMismatchException)
                {
                    throw new CkException(CKR.ENCRYPTED_DATA_INVALID, "GCM tag mismatch");
                }

                return plain;
            }

            // Other IV and tag lengths: BouncyCastle.
            var cipher = new GcmBlockCipher(new AesEngine());
            cipher.Init(encrypt, new AeadParameters(new KeyParameter(key.Value), tagBytes * 8, iv, aad));
            var result = new byte[cipher.GetOutputSize(data.Length)];
            try
            {
                var n = cipher.ProcessBytes(data, 0, data.Length, result, 0);
                n += cipher.DoFinal(result, n);
                return n == result.Length ? result : result[..n];
            }
            catch (InvalidCipherTextException)
            {
                throw new CkException(CKR.ENCRYPTED_DATA_INVALID, "GCM tag mismatch");
            }
        }
    }

    /// <summary>AES key wrap used through C_Encrypt/C_Decrypt: buffers until Final.</summary>
    private sealed class WrapOperation(byte[] key, bool encrypt, bool pad, byte[] iv) : ICipherOperation
    {
        private readonly DataBuffer _data = new();

        public byte[] OneShot(ReadOnlySpan<byte> input)
        {
            _data.Append(input);
            return Final();
        }

        public byte[] Update(ReadOnlySpan<byte> input)
        {
            _data.Append(input);
            return [];
        }

        public byte[] Final()
        {
            var data = _data.Take();
            if (encrypt)
            {
                return (pad ? AesKeyWrap.WrapPad(key, data, iv) : AesKeyWrap.Wrap(key, data, iv))
                    ?? throw new CkException(CKR.DATA_LEN_RANGE, "input length not acceptable for AES key wrap");
            }

            if (data.Length % 8 != 0 || data.Length < (pad ? 16 : 24)) throw new CkException(CKR.ENCRYPTED_DATA_LEN_RANGE);
            return (pad ? AesKeyWrap.UnwrapPad(key, data, iv) : AesKeyWrap.Unwrap(key, data, iv))
                ?? throw new CkException(CKR.ENCRYPTED_DATA_INVALID, "AES key wrap integrity check failed");
        }
    }
}

/// <summary>
/// An AES key ready for use: pools of .NET Aes (ECB/CBC/CTR one-shots) and AesGcm (per tag length) with the key set,
/// kept in the key instance's prepared slot.
/// </summary>
internal sealed class PreparedAes : IDisposable
{
    private static readonly object Slot = new();

    private readonly Pool<AesGcm>?[] _gcm = new Pool<AesGcm>?[17];

    private PreparedAes(byte[] value)
    {
        Value = value;
        Aes = new Pool<NetAes>(() =>
        {
            var aes = NetAes.Create();
            aes.Key = Value;
            return aes;
        });
    }

    public byte[] Value { get; }

    public Pool<NetAes> Aes { get; }

    /// <summary>The prepared form of <paramref name="key"/>, whose CKA_VALUE (already checked) is <paramref name="value"/>.</summary>
    public static PreparedAes Of(AttributeSet key, byte[] value) => key.Prepared(Slot, _ => new PreparedAes(value));

    /// <summary>The AesGcm pool for a tag of <paramref name="tagBytes"/> (12..16) bytes.</summary>
    public Pool<AesGcm> Gcm(int tagBytes)
    {
        var pool = Volatile.Read(ref _gcm[tagBytes]);
        if (pool is not null) return pool;
        Interlocked.CompareExchange(ref _gcm[tagBytes], new Pool<AesGcm>(() => new AesGcm(Value, tagBytes)), null);
        return Volatile.Read(ref _gcm[tagBytes])!;
    }

    public void Dispose()
    {
        Aes.Dispose();
        foreach (var p in _gcm) p?.Dispose();
    }
}
