using System.Numerics;
using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Mechanisms.Rsa;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto.Engines;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace OpenCryptokiActors.Tokens.Zcrypt;

/// <summary>
/// One RSA private-key operation of a zcrypt token, ready for the device pool: the blinded driver request, how its
/// answer becomes the PKCS#11 output, and the same in software (the fallback). Blinding as openCryptoki's ICA path
/// (openssl-ibmca, OpenSSL's BN_BLINDING before libica): the card sees x·r^e mod n, never x; the result is multiplied
/// by r^-1. A fresh r for every operation. A signature is checked with the public key before it leaves the token (a
/// faulty card must not leak the key through a wrong CRT result).
/// </summary>
public sealed class DeviceRsaCall
{
    // BouncyCastle's integers (Montgomery exponentiation, fast inverse): System.Numerics' cost milliseconds here.
    private readonly BcBigInteger _n, _e, _rInverse;
    private readonly byte[] _input;
    private readonly Func<byte[], byte[]> _finish;
    private readonly bool _verify;
    private readonly RSAParameters _key;

    internal DeviceRsaCall(RSAParameters key, byte[] input, bool verify, Func<byte[], byte[]> finish)
    {
        _key = key;
        _input = input;
        _verify = verify;
        _finish = finish;
        _n = new BcBigInteger(1, key.Modulus);
        _e = new BcBigInteger(1, key.Exponent);
        BcBigInteger r;
        do
        {
            r = new BcBigInteger(1, RandomNumberGenerator.GetBytes(key.Modulus!.Length)).Mod(_n);
        }
        while (r.BitLength < 2 || !r.Gcd(_n).Equals(BcBigInteger.One));

        _rInverse = r.ModInverse(_n);
        var blinded = new BcBigInteger(1, input).Multiply(r.ModPow(_e, _n)).Mod(_n);
        Request = ZcryptRequests.Crt(key, RsaKeys.Pad(blinded.ToByteArrayUnsigned(), key.Modulus!.Length));
    }

    /// <summary>The driver request (blinded).</summary>
    public ZcryptRequest Request { get; }

    /// <summary>The PKCS#11 output from the card's answer (CkException: bad padding, or CKR_DEVICE_ERROR for a wrong result).</summary>
    public byte[] Complete(ReadOnlySpan<byte> output)
    {
        var k = _key.Modulus!.Length;
        var y = new BcBigInteger(1, output.ToArray()).Multiply(_rInverse).Mod(_n);
        if (_verify && !y.ModPow(_e, _n).Equals(new BcBigInteger(1, _input))) throw new CkException(CKR.DEVICE_ERROR, "the card's RSA result does not verify");
        return _finish(RsaKeys.Pad(y.ToByteArrayUnsigned(), k));
    }

    /// <summary>The same operation in software (the soft token's RSA engine, blinded by itself).</summary>
    public byte[] Software()
    {
        var engine = new RsaBlindedEngine();
        engine.Init(false, RsaKeys.ToBouncy(_key));
        var y = engine.ProcessBlock(_input, 0, _input.Length);
        return _finish(RsaKeys.Pad(y, _key.Modulus!.Length));
    }
}

/// <summary>
/// An operation of a zcrypt token whose last step is an RSA private-key operation. The session hands
/// <see cref="Finish"/>'s call to the device pool and completes asynchronously; any synchronous path (OneShot, Final,
/// used where no hand-off exists, e.g. message-based signing) computes in software with the same result.
/// </summary>
public interface IDeviceRsaOperation
{
    /// <summary>Appends the last input and prepares the private-key operation.</summary>
    DeviceRsaCall Finish(byte[] lastInput);

    /// <summary>When the pool cannot serve the call: compute in software (true) or answer CKR_DEVICE_ERROR (false).</summary>
    bool SoftwareFallback { get; }
}

/// <summary>
/// The RSA mechanisms of a zcrypt token: private-key signing (PKCS#1 v1.5, PSS, X.509 raw, and their hash-and-sign
/// forms) and decryption (PKCS#1 v1.5, OAEP, X.509 raw) become <see cref="IDeviceRsaOperation"/>s; everything else is
/// the soft token's (same checks, same codes: the soft operation is created first, to validate key and parameters).
/// </summary>
public sealed class DeviceRsaMechanisms(bool softwareFallback) : IMechanism
{
    private static readonly IMechanism Soft = RsaMechanisms.Instance;

    /// <summary>The soft token's registry with its RSA entries served by the pool.</summary>
    public static MechanismRegistry Registry(MechanismRegistry soft, bool softwareFallback)
    {
        var device = new DeviceRsaMechanisms(softwareFallback);
        var r = soft.Filter(_ => true);
        foreach (var e in soft.Entries.ToList())
        {
            if (ReferenceEquals(e.Implementation, Soft)) r.Add(e.Type, e.Info, device, e.Facts);
        }

        return r;
    }

    public ICipherOperation CreateEncrypt(ulong mechanism, byte[]? parameter, AttributeSet key) => Soft.CreateEncrypt(mechanism, parameter, key);

    public IVerifyOperation CreateVerify(ulong mechanism, byte[]? parameter, AttributeSet key) => Soft.CreateVerify(mechanism, parameter, key);

    public IRecoverOperation CreateSignRecover(ulong mechanism, byte[]? parameter, AttributeSet key) => Soft.CreateSignRecover(mechanism, parameter, key);

    public IRecoverOperation CreateVerifyRecover(ulong mechanism, byte[]? parameter, AttributeSet key) => Soft.CreateVerifyRecover(mechanism, parameter, key);

    public (AttributeSet Public, AttributeSet Private) GenerateKeyPair(ulong mechanism, byte[]? parameter, AttributeSet publicTemplate, AttributeSet privateTemplate) =>
        Soft.GenerateKeyPair(mechanism, parameter, publicTemplate, privateTemplate);

    public byte[] Wrap(ulong mechanism, byte[]? parameter, AttributeSet wrappingKey, byte[] keyEncoding) => Soft.Wrap(mechanism, parameter, wrappingKey, keyEncoding);

    public byte[] Unwrap(ulong mechanism, byte[]? parameter, AttributeSet unwrappingKey, byte[] wrapped) => Soft.Unwrap(mechanism, parameter, unwrappingKey, wrapped);

    public (byte[] Ciphertext, AttributeSet Key) Encapsulate(ulong mechanism, byte[]? parameter, AttributeSet publicKey, AttributeSet template) =>
        Soft.Encapsulate(mechanism, parameter, publicKey, template);

    public AttributeSet Decapsulate(ulong mechanism, byte[]? parameter, AttributeSet privateKey, byte[] ciphertext, AttributeSet template) =>
        Soft.Decapsulate(mechanism, parameter, privateKey, ciphertext, template);

    public ISignOperation CreateSign(ulong mechanism, byte[]? parameter, AttributeSet key)
    {
        Soft.CreateSign(mechanism, parameter, key); // the soft token's checks and codes
        var rsa = RsaKeys.Prepare(key).Parameters;
        var k = RsaKeys.ModulusBytes(key);
        var bits = ObjectTypes.BitLength(rsa.Modulus!);
        switch (mechanism)
        {
            case CKM.RSA_PKCS:
                return new DeviceSign(new RawAccumulator(), data => RsaEncoding.Pkcs1Type1(data, k), rsa, softwareFallback);
            case CKM.RSA_X_509:
                return new DeviceSign(new RawAccumulator(), data => RawInput(data, rsa, CKR.DATA_LEN_RANGE), rsa, softwareFallback);
            case CKM.RSA_PKCS_PSS:
            {
                var (h, mgf, sLen) = RsaMechanisms.Pss(parameter, null, k);
                return new DeviceSign(new RawAccumulator(), hash => RsaEncoding.PssEncode(RsaMechanisms.RequireHashLength(hash, h), h, mgf, sLen, bits), rsa,
                    softwareFallback);
            }
        }

        if (RsaMechanisms.Pkcs1HashOf(mechanism) is { } ph)
            return new DeviceSign(Hashes.CreateHasher(ph), hash => RsaEncoding.Pkcs1Type1([.. ph.DigestInfoPrefix, .. hash], k), rsa, softwareFallback);
        if (RsaMechanisms.PssHashOf(mechanism) is { } sh)
        {
            var (_, mgf, sLen) = RsaMechanisms.Pss(parameter, sh, k);
            return new DeviceSign(Hashes.CreateHasher(sh), hash => RsaEncoding.PssEncode(hash, sh, mgf, sLen, bits), rsa, softwareFallback);
        }

        throw new CkException(CKR.MECHANISM_INVALID);
    }

    public ICipherOperation CreateDecrypt(ulong mechanism, byte[]? parameter, AttributeSet key)
    {
        Soft.CreateDecrypt(mechanism, parameter, key);
        var rsa = RsaKeys.Prepare(key).Parameters;
        var k = RsaKeys.ModulusBytes(key);
        switch (mechanism)
        {
            case CKM.RSA_PKCS:
                return new DeviceDecrypt(data => ExactInput(data, rsa, k), em => RsaEncoding.Pkcs1Type2Decode(em), rsa, softwareFallback);
            case CKM.RSA_X_509:
                return new DeviceDecrypt(data => RawInput(data, rsa, CKR.ENCRYPTED_DATA_LEN_RANGE), em => em, rsa, softwareFallback);
            case CKM.RSA_PKCS_OAEP:
            {
                var (h, mgf, label) = RsaMechanisms.Oaep(parameter);
                return new DeviceDecrypt(data => ExactInput(data, rsa, k), em => RsaEncoding.OaepDecode(em, h, mgf, label), rsa, softwareFallback);
            }

            default:
                throw new CkException(CKR.MECHANISM_INVALID);
        }
    }

    /// <summary>CKM_RSA_X_509 input: at most k bytes and below the modulus (the soft token's codes).</summary>
    private static byte[] RawInput(byte[] data, RSAParameters key, ulong rvTooLarge)
    {
        var k = key.Modulus!.Length;
        if (data.Length > k || ZcryptRequests.Big(data) >= ZcryptRequests.Big(key.Modulus)) throw new CkException(rvTooLarge);
        return RsaKeys.Pad(data, k);
    }

    /// <summary>A ciphertext of a padded scheme: exactly k bytes, below the modulus.</summary>
    private static byte[] ExactInput(byte[] data, RSAParameters key, int k)
    {
        if (data.Length != k) throw new CkException(CKR.ENCRYPTED_DATA_LEN_RANGE);
        if (ZcryptRequests.Big(data) >= ZcryptRequests.Big(key.Modulus)) throw new CkException(CKR.ENCRYPTED_DATA_INVALID);
        return RsaKeys.Pad(data, key.Modulus!.Length);
    }

    /// <summary>A private-key signature: the accumulator (hash or buffer), the encoding, and the raw operation.</summary>
    private sealed class DeviceSign(IHasher accumulator, Func<byte[], byte[]> encode, RSAParameters key, bool fallback) : ISignOperation, IDeviceRsaOperation
    {
        public bool SoftwareFallback => fallback;

        public DeviceRsaCall Finish(byte[] lastInput)
        {
            accumulator.Append(lastInput);
            return new DeviceRsaCall(key, encode(accumulator.Finish()), verify: true, static s => s);
        }

        public byte[] OneShot(ReadOnlySpan<byte> data) => Finish(data.ToArray()).Software();

        public void Update(ReadOnlySpan<byte> data) => accumulator.Append(data);

        public byte[] Final() => Finish([]).Software();
    }

    /// <summary>A private-key decryption: Update buffers (RSA decryption is one block), the last step decodes.</summary>
    private sealed class DeviceDecrypt(Func<byte[], byte[]> input, Func<byte[], byte[]> decode, RSAParameters key, bool fallback) : ICipherOperation, IDeviceRsaOperation
    {
        private readonly DataBuffer _data = new();

        public bool SoftwareFallback => fallback;

        public DeviceRsaCall Finish(byte[] lastInput)
        {
            _data.Append(lastInput);
            return new DeviceRsaCall(key, input(_data.Take()), verify: false, decode);
        }

        public byte[] OneShot(ReadOnlySpan<byte> data) => Finish(data.ToArray()).Software();

        public byte[] Update(ReadOnlySpan<byte> data)
        {
            _data.Append(data);
            return [];
        }

        public byte[] Final() => Finish([]).Software();
    }
}
