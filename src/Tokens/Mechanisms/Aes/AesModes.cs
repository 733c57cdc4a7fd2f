using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using NetAes = System.Security.Cryptography.Aes;

namespace OpenCryptokiActors.Tokens.Mechanisms.Aes;

/// <summary>
/// The AES modes beyond ECB/CBC/CTR/GCM. The block cipher is always a library's (OpenSSL through .NET, or
/// BouncyCastle); OFB, CFB1/8/128 and XTS are chained here over AES-ECB because neither library exposes them
/// (.NET has CFB8/CFB128 only as one-shots of whole segments, BouncyCastle has no AES-XTS nor CFB1).
/// </summary>
internal static class AesModes
{
    public static ICipherOperation Xts(byte[] key, byte[]? parameter, bool encrypt)
    {
        if (parameter is not { Length: 16 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "a 16-byte tweak is required");
        return new XtsOperation(key, encrypt, parameter);
    }

    /// <summary>OFB, CFB128, CFB8 and CFB1 (SP 800-38A §6.3, §6.4): byte streams, any length, multi-part.</summary>
    public sealed class FeedbackOperation : ICipherOperation
    {
        private readonly NetAes _aes = NetAes.Create();
        private readonly bool _encrypt;
        private readonly ulong _mode;
        private readonly byte[] _register;
        private readonly byte[] _keystream = new byte[16];
        private int _used = 16;

        public FeedbackOperation(byte[] key, bool encrypt, ulong mode, byte[] iv)
        {
            _aes.Key = key;
            _encrypt = encrypt;
            _mode = mode;
            _register = (byte[])iv.Clone();
        }

        public byte[] OneShot(ReadOnlySpan<byte> input) => Update(input);

        public byte[] Final() => [];

        public byte[] Update(ReadOnlySpan<byte> input)
        {
            var output = new byte[input.Length];
            for (var i = 0; i < input.Length; i++) output[i] = Step(input[i]);
            return output;
        }

        private byte Step(byte x)
        {
            switch (_mode)
            {
                case CKM.AES_OFB:
                    if (_used == 16)
                    {
                        _aes.EncryptEcb(_register, _keystream, PaddingMode.None);
                        _keystream.CopyTo(_register, 0);
                        _used = 0;
                    }

                    return (byte)(x ^ _keystream[_used++]);
                case CKM.AES_CFB128:
                {
                    if (_used == 16)
                    {
                        _aes.EncryptEcb(_register, _keystream, PaddingMode.None);
                        _used = 0;
                    }

                    var y = (byte)(x ^ _keystream[_used]);
                    _register[_used++] = _encrypt ? y : x;
                    return y;
                }

                case CKM.AES_CFB8:
                {
                    _aes.EncryptEcb(_register, _keystream, PaddingMode.None);
                    var y = (byte)(x ^ _keystream[0]);
                    ShiftIn(_encrypt ? y : x);
                    return y;
                }

                default: // CFB1: eight one-bit segments, most significant bit first.
                {
                    var result = 0;
                    for (var bit = 7; bit >= 0; bit--)
                    {
                        _aes.EncryptEcb(_register, _keystream, PaddingMode.None);
                        var inBit = (x >> bit) & 1;
                        var outBit = inBit ^ (_keystream[0] >> 7);
                        result |= outBit << bit;
                        ShiftInBit(_encrypt ? outBit : inBit);
                    }

                    return (byte)result;
                }
            }
        }

        private void ShiftIn(byte b)
        {
            Array.Copy(_register, 1, _register, 0, 15);
            _register[15] = b;
        }

        private void ShiftInBit(int bit)
        {
            for (var i = 0; i < 15; i++) _register[i] = (byte)((_register[i] << 1) | (_register[i + 1] >> 7));
            _register[15] = (byte)((_register[15] << 1) | bit);
        }
    }

    /// <summary>Collects the input of a single-shot mode and runs it at Final.</summary>
    public abstract class BufferedOperation : ICipherOperation
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

        public byte[] Final() => Run(_data.Take());

        protected abstract byte[] Run(byte[] data);
    }

    /// <summary>CBC with ciphertext stealing, CS3 (RFC 3962 / SP 800-38A addendum): BouncyCastle's CtsBlockCipher. At least one block.</summary>
    public sealed class CtsOperation(byte[] key, bool encrypt, byte[] iv) : BufferedOperation
    {
        protected override byte[] Run(byte[] data)
        {
            if (data.Length < 16) throw new CkException(encrypt ? CKR.DATA_LEN_RANGE : CKR.ENCRYPTED_DATA_LEN_RANGE);
            var cts = new CtsBlockCipher(new CbcBlockCipher(new AesEngine()));
            cts.Init(encrypt, new ParametersWithIV(new KeyParameter(key), iv));
            var output = new byte[cts.GetOutputSize(data.Length)];
            var n = cts.ProcessBytes(data, 0, data.Length, output, 0);
            n += cts.DoFinal(output, n);
            return output[..n];
        }
    }

    /// <summary>CCM (SP 800-38C): BouncyCastle. ulDataLen is the plaintext length; encryption outputs ciphertext || MAC.</summary>
    public sealed class CcmOperation(byte[] key, bool encrypt, CcmParams p) : BufferedOperation
    {
        protected override byte[] Run(byte[] data)
        {
            var macLen = (int)p.MacLen;
            if (encrypt && (ulong)data.Length != p.DataLen) throw new CkException(CKR.DATA_LEN_RANGE, "data length differs from ulDataLen");
            if (!encrypt && (ulong)data.Length != p.DataLen + (ulong)macLen) throw new CkException(CKR.ENCRYPTED_DATA_LEN_RANGE);
            var ccm = new CcmBlockCipher(new AesEngine());
            ccm.Init(encrypt, new AeadParameters(new KeyParameter(key), macLen * 8, p.Nonce, p.Aad));
            try
            {
                return ccm.ProcessPacket(data, 0, data.Length);
            }
            catch (InvalidCipherTextException)
            {
                throw new CkException(CKR.ENCRYPTED_DATA_INVALID, "CCM MAC mismatch");
            }
        }
    }

    /// <summary>
    /// XTS-AES (IEEE 1619-2007, SP 800-38E): the input is one data unit, the parameter its 16-byte tweak; a partial last
    /// block uses ciphertext stealing. Key = Key1 || Key2.
    /// </summary>
    public sealed class XtsOperation(byte[] key, bool encrypt, byte[] tweak) : BufferedOperation
    {
        protected override byte[] Run(byte[] data)
        {
            if (data.Length < 16) throw new CkException(encrypt ? CKR.DATA_LEN_RANGE : CKR.ENCRYPTED_DATA_LEN_RANGE);
            var half = key.Length / 2;
            using var k1 = NetAes.Create();
            k1.Key = key[..half];
            using var k2 = NetAes.Create();
            k2.Key = key[half..];
            var t = k2.EncryptEcb(tweak, PaddingMode.None);
            var full = data.Length / 16;
            var partial = data.Length % 16;
            var output = new byte[data.Length];
            var block = new byte[16];

            void Process(ReadOnlySpan<byte> input, Span<byte> result, byte[] tw)
            {
                for (var i = 0; i < 16; i++) block[i] = (byte)(input[i] ^ tw[i]);
                if (encrypt) k1.EncryptEcb(block, block, PaddingMode.None);
                else k1.DecryptEcb(block, block, PaddingMode.None);
                for (var i = 0; i < 16; i++) result[i] = (byte)(block[i] ^ tw[i]);
            }

            var last = partial == 0 ? full : full - 1;
            for (var j = 0; j < last; j++)
            {
                Process(data.AsSpan(j * 16, 16), output.AsSpan(j * 16, 16), t);
                MultiplyByAlpha(t);
            }

            if (partial == 0) return output;

            // Ciphertext stealing (IEEE 1619 §5.3.2 / §5.4.2).
            var m = last * 16;
            var cc = new byte[16];
            if (encrypt)
            {
                Process(data.AsSpan(m, 16), cc, t);
                var pp = new byte[16];
                data.AsSpan(m + 16, partial).CopyTo(pp);
                cc.AsSpan(partial).CopyTo(pp.AsSpan(partial));
                cc.AsSpan(0, partial).CopyTo(output.AsSpan(m + 16));
                MultiplyByAlpha(t);
                Process(pp, output.AsSpan(m, 16), t);
            }
            else
            {
                var t2 = (byte[])t.Clone();
                MultiplyByAlpha(t2);
                Process(data.AsSpan(m, 16), cc, t2);
                var pp = new byte[16];
                data.AsSpan(m + 16, partial).CopyTo(pp);
                cc.AsSpan(partial).CopyTo(pp.AsSpan(partial));
                cc.AsSpan(0, partial).CopyTo(output.AsSpan(m + 16));
                Process(pp, output.AsSpan(m, 16), t);
            }

            return output;
        }

        /// <summary>Multiplication by α in GF(2^128), little-endian byte order (IEEE 1619 §5.2).</summary>
        private static void MultiplyByAlpha(byte[] t)
        {
            var carry = 0;
            for (var i = 0; i < 16; i++)
            {
                var next = t[i] >> 7;
                t[i] = (byte)((t[i] << 1) | carry);
                carry = next;
            }

            if (carry != 0) t[0] ^= 0x87;
        }
    }
}

/// <summary>CKM_AES_MAC(_GENERAL) (CBC-MAC, zero-padded), CKM_AES_CMAC(_GENERAL) (SP 800-38B) and CKM_AES_GMAC (SP 800-38D).</summary>
internal static class AesMacs
{
    public static MacOperation Create(ulong mechanism, byte[]? parameter, byte[] key)
    {
        switch (mechanism)
        {
            case CKM.AES_MAC:
                Check.NoParameter(parameter);
                return new MacOperation(Init(new CbcBlockCipherMac(new AesEngine(), 128), key), 8);
            case CKM.AES_MAC_GENERAL:
                return new MacOperation(Init(new CbcBlockCipherMac(new AesEngine(), 128), key), GeneralLength(parameter, 16));
            case CKM.AES_CMAC:
                Check.NoParameter(parameter);
                return new MacOperation(Init(new CMac(new AesEngine()), key), 16);
            case CKM.AES_CMAC_GENERAL:
                return new MacOperation(Init(new CMac(new AesEngine()), key), GeneralLength(parameter, 16));
            case CKM.AES_GMAC:
            {
                if (parameter is not { Length: > 0 and <= 256 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "an IV is required");
                var gmac = new GMac(new GcmBlockCipher(new AesEngine()), 128);
                gmac.Init(new ParametersWithIV(new KeyParameter(key), parameter));
                return new MacOperation(gmac, 16);
            }

            default:
                throw new CkException(CKR.MECHANISM_INVALID);
        }
    }

    /// <summary>CK_MAC_GENERAL_PARAMS: one CK_ULONG output length, 1..<paramref name="max"/>.</summary>
    public static int GeneralLength(byte[]? parameter, int max)
    {
        var l = Params.ULong(parameter, "CK_MAC_GENERAL_PARAMS");
        if (l < 1 || l > (ulong)max) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "MAC length out of range");
        return (int)l;
    }

    private static IMac Init(IMac mac, byte[] key)
    {
        mac.Init(new KeyParameter(key));
        return mac;
    }
}

/// <summary>A MAC sign/verify operation over a BouncyCastle IMac, truncated to <c>length</c> bytes.</summary>
internal sealed class MacOperation(IMac mac, int length) : ISignOperation, IVerifyOperation
{
    public byte[] OneShot(ReadOnlySpan<byte> data)
    {
        mac.BlockUpdate(data);
        return Final();
    }

    public void Update(ReadOnlySpan<byte> data) => mac.BlockUpdate(data);

    public byte[] Final()
    {
        var r = new byte[mac.GetMacSize()];
        mac.DoFinal(r, 0);
        return r[..length];
    }

    public bool OneShot(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        mac.BlockUpdate(data);
        return Final(signature);
    }

    public bool Final(ReadOnlySpan<byte> signature)
    {
        if (signature.Length != length) throw new CkException(CKR.SIGNATURE_LEN_RANGE);
        return Check.Equal(Final(), signature);
    }
}
