using System.Buffers.Binary;
using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms.Aes;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace OpenCryptokiActors.Tokens.Mechanisms.ChaCha;

/// <summary>
/// ChaCha20 and Poly1305 (PKCS#11 v3.0 §2.4x, RFC 8439): CKM_CHACHA20_KEY_GEN, CKM_CHACHA20 (CK_CHACHA20_PARAMS: a 32-bit
/// block counter with a 96-bit nonce, or a 64-bit counter with a 64-bit nonce; the counter bytes are the state words as
/// they are, little-endian, like OpenSSL's 16-byte ChaCha20 IV), CKM_CHACHA20_POLY1305 (AEAD, 96-bit nonce, output
/// ciphertext || 16-byte tag, through .NET/OpenSSL), CKM_POLY1305_KEY_GEN and CKM_POLY1305 (one-time authenticator, 16-byte
/// tag, BouncyCastle). Keys are 32 bytes (CKK_CHACHA20, CKK_POLY1305).
/// </summary>
public sealed class ChaChaMechanisms : IMechanism
{
    private static readonly ChaChaMechanisms Instance = new();

    public static void Register(MechanismRegistry r)
    {
        const ulong cipher = CKF.ENCRYPT | CKF.DECRYPT;
        r.Add(CKM.CHACHA20_KEY_GEN, new MechanismInfo(32, 32, CKF.GENERATE), Instance, MechanismFacts.Keys(CKK.CHACHA20));
        r.Add(CKM.CHACHA20, new MechanismInfo(32, 32, cipher), Instance, MechanismFacts.Keys(CKK.CHACHA20).Taking(ParamKind.ChaCha20));
        r.Add(CKM.CHACHA20_POLY1305, new MechanismInfo(32, 32, cipher), Instance, MechanismFacts.Keys(CKK.CHACHA20).Taking(ParamKind.ChaCha20Poly1305).AsMessageAead());
        r.Add(CKM.POLY1305_KEY_GEN, new MechanismInfo(32, 32, CKF.GENERATE), Instance, MechanismFacts.Keys(CKK.POLY1305));
        r.Add(CKM.POLY1305, new MechanismInfo(32, 32, CKF.SIGN | CKF.VERIFY), Instance, MechanismFacts.Keys(CKK.POLY1305));
    }

    public AttributeSet GenerateKey(ulong mechanism, byte[]? parameter, AttributeSet template)
    {
        var keyType = mechanism switch
        {
            CKM.CHACHA20_KEY_GEN => CKK.CHACHA20,
            CKM.POLY1305_KEY_GEN => CKK.POLY1305,
            _ => throw new CkException(CKR.MECHANISM_INVALID),
        };
        Check.NoParameter(parameter);
        if (template.GetULong(CKA.VALUE_LEN) is { } l && l != 32) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "the key is 32 bytes long");
        return Generic.GenericSecretMechanisms.Secret(keyType, RandomNumberGenerator.GetBytes(32));
    }

    public ICipherOperation CreateEncrypt(ulong mechanism, byte[]? parameter, AttributeSet key) => Create(mechanism, parameter, key, encrypt: true);

    public ICipherOperation CreateDecrypt(ulong mechanism, byte[]? parameter, AttributeSet key) => Create(mechanism, parameter, key, encrypt: false);

    public ISignOperation CreateSign(ulong mechanism, byte[]? parameter, AttributeSet key) => CreateMac(mechanism, parameter, key);

    public IVerifyOperation CreateVerify(ulong mechanism, byte[]? parameter, AttributeSet key) => CreateMac(mechanism, parameter, key);

    private static MacOperation CreateMac(ulong mechanism, byte[]? parameter, AttributeSet key)
    {
        if (mechanism != CKM.POLY1305) throw new CkException(CKR.MECHANISM_INVALID);
        Check.NoParameter(parameter);
        var mac = new Poly1305();
        mac.Init(new KeyParameter(KeyValue(key, CKK.POLY1305)));
        return new MacOperation(mac, 16);
    }

    private static byte[] KeyValue(AttributeSet key, ulong keyType)
    {
        if (key.GetULong(CKA.CLASS) != CKO.SECRET_KEY || key.GetULong(CKA.KEY_TYPE) != keyType)
            throw new CkException(CKR.KEY_TYPE_INCONSISTENT, $"a key of type 0x{keyType:X} is expected");
        var v = key.Get(CKA.VALUE) ?? throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "key without value");
        if (v.Length != 32) throw new CkException(CKR.KEY_SIZE_RANGE, "the key must be 32 bytes long");
        return v;
    }

    private static ICipherOperation Create(ulong mechanism, byte[]? parameter, AttributeSet key, bool encrypt)
    {
        switch (mechanism)
        {
            case CKM.CHACHA20:
            {
                var k = KeyValue(key, CKK.CHACHA20);
                var p = Params.Decode(parameter, b => ChaCha20Params.Decode(b), "CK_CHACHA20_PARAMS");
                if (!((p.CounterBits == 32 && p.BlockCounter.Length == 4 && p.Nonce.Length == 12)
                      || (p.CounterBits == 64 && p.BlockCounter.Length == 8 && p.Nonce.Length == 8)))
                    throw new CkException(CKR.MECHANISM_PARAM_INVALID, "a 32-bit counter with a 96-bit nonce or a 64-bit counter with a 64-bit nonce is required");
                return new StreamOperation(k, [.. p.BlockCounter, .. p.Nonce]);
            }

            case CKM.CHACHA20_POLY1305:
            {
                var k = KeyValue(key, CKK.CHACHA20);
                var p = Params.Decode(parameter, b => ChaCha20Poly1305Params.Decode(b), "CK_SALSA20_CHACHA20_POLY1305_PARAMS");
                if (p.Nonce.Length != 12) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "a 96-bit nonce is required");
                return new AeadOperation(k, encrypt, p.Nonce, p.Aad);
            }

            default:
                throw new CkException(CKR.MECHANISM_INVALID);
        }
    }

    /// <summary>
    /// BouncyCastle's ChaCha20 whose state words 12..15 are set from a 16-byte block (counter || nonce). BouncyCastle keeps
    /// the state array internal, so it is reached by reflection (checked by the RFC 8439 tests). Past 2^32 blocks a 32-bit
    /// counter carries into the first nonce word (the original ChaCha layout) instead of failing.
    /// </summary>
    private sealed class StateChaCha(byte[] state) : ChaChaEngine
    {
        private static readonly System.Reflection.FieldInfo StateField =
            typeof(Salsa20Engine).GetField("engineState", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)
            ?? throw new MissingFieldException(nameof(Salsa20Engine), "engineState");

        protected override void ResetCounter()
        {
            var words = (uint[])StateField.GetValue(this)!;
            words[12] = BinaryPrimitives.ReadUInt32LittleEndian(state.AsSpan(0, 4));
            words[13] = BinaryPrimitives.ReadUInt32LittleEndian(state.AsSpan(4, 4));
        }
    }

    private sealed class StreamOperation : ICipherOperation
    {
        private readonly StateChaCha _engine;

        public StreamOperation(byte[] key, byte[] state)
        {
            _engine = new StateChaCha(state);
            _engine.Init(true, new ParametersWithIV(new KeyParameter(key), state[8..16]));
        }

        public byte[] OneShot(ReadOnlySpan<byte> input) => Update(input);

        public byte[] Update(ReadOnlySpan<byte> input)
        {
            var output = new byte[input.Length];
            _engine.ProcessBytes(input, output);
            return output;
        }

        public byte[] Final() => [];
    }

    /// <summary>RFC 8439 §2.8 AEAD through .NET (OpenSSL); buffers until Final. Encryption outputs ciphertext || tag.</summary>
    private sealed class AeadOperation(byte[] key, bool encrypt, byte[] nonce, byte[] aad) : AesModes.BufferedOperation
    {
        protected override byte[] Run(byte[] data)
        {
            using var aead = new ChaCha20Poly1305(key);
            if (encrypt)
            {
                var output = new byte[data.Length + 16];
                aead.Encrypt(nonce, data, output.AsSpan(0, data.Length), output.AsSpan(data.Length), aad);
                return output;
            }

            if (data.Length < 16) throw new CkException(CKR.ENCRYPTED_DATA_LEN_RANGE);
            var plain = new byte[data.Length - 16];
            try
            {
                aead.Decrypt(nonce, data.AsSpan(0, plain.Length), data.AsSpan(plain.Length), plain, aad);
            }
            catch (AuthenticationTagMismatchException)
            {
                throw new CkException(CKR.ENCRYPTED_DATA_INVALID, "Poly1305 tag mismatch");
            }

            return plain;
        }
    }
}
