using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Signers;

namespace OpenCryptokiActors.Tokens.Mechanisms.Rsa;

/// <summary>
/// CKM_SHA1_RSA_X9_31 (PKCS#11 v2.40 §2.1.12, ANSI X9.31): SHA-1 with X9.31 formatting (header 0x6B, trailer 0x33CC) and
/// the min(s, n − s) signature, BouncyCastle's X931Signer. Keys are ordinary CKK_RSA keys of 1024 bits or more.
/// CKM_RSA_X9_31_KEY_PAIR_GEN is in <see cref="RsaMechanisms"/> (X9.31 sizes and exponents, standard prime generation).
/// Not yet: CKM_RSA_X9_31 (raw).
/// </summary>
public sealed class RsaX931Mechanisms : IMechanism
{
    private static readonly RsaX931Mechanisms Instance = new();

    public static void Register(MechanismRegistry r) =>
        r.Add(CKM.SHA1_RSA_X9_31, new MechanismInfo(RsaMechanisms.MinBits, RsaMechanisms.MaxBits, CKF.SIGN | CKF.VERIFY), Instance, MechanismFacts.Keys(CKK.RSA));

    public ISignOperation CreateSign(ulong mechanism, byte[]? parameter, AttributeSet key) => Create(mechanism, parameter, key, CKO.PRIVATE_KEY);

    public IVerifyOperation CreateVerify(ulong mechanism, byte[]? parameter, AttributeSet key) => Create(mechanism, parameter, key, CKO.PUBLIC_KEY);

    private static X931Operation Create(ulong mechanism, byte[]? parameter, AttributeSet key, ulong cls)
    {
        if (mechanism != CKM.SHA1_RSA_X9_31) throw new CkException(CKR.MECHANISM_INVALID);
        if (key.GetULong(CKA.CLASS) != cls || key.GetULong(CKA.KEY_TYPE) != CKK.RSA) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "RSA key expected");
        Check.NoParameter(parameter);
        var signer = new X931Signer(new RsaBlindedEngine(), new Sha1Digest());
        signer.Init(cls == CKO.PRIVATE_KEY, RsaKeys.ToBouncy(key));
        return new X931Operation(signer, RsaKeys.ModulusBytes(key));
    }

    private sealed class X931Operation(ISigner signer, int length) : ISignOperation, IVerifyOperation
    {
        public byte[] OneShot(ReadOnlySpan<byte> data)
        {
            signer.BlockUpdate(data);
            return Final();
        }

        public void Update(ReadOnlySpan<byte> data) => signer.BlockUpdate(data);

        public byte[] Final()
        {
            var s = signer.GenerateSignature();
            if (s.Length == length) return s;
            var padded = new byte[length];
            s.CopyTo(padded, length - s.Length);
            return padded;
        }

        public bool OneShot(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        {
            signer.BlockUpdate(data);
            return Final(signature);
        }

        public bool Final(ReadOnlySpan<byte> signature)
        {
            if (signature.Length != length) throw new CkException(CKR.SIGNATURE_LEN_RANGE);
            return signer.VerifySignature(signature.ToArray());
        }
    }
}
