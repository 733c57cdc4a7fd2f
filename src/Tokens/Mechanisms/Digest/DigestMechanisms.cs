using OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Tokens.Mechanisms.Digest;

/// <summary>
/// CKM_MD5, CKM_SHA_1, CKM_SHA224/256/384/512, CKM_SHA512_224/256, CKM_SHA3_224/256/384/512 (PKCS#11 v3.0 §6.19 ff.),
/// openCryptoki's CKM_IBM_SHA3_224 ... 512 (SHA-3 under IBM's numbers) and, under policy.legacy, CKM_MD2,
/// CKM_RIPEMD128 and CKM_RIPEMD160: C_Digest*.
/// </summary>
public sealed class DigestMechanisms : IMechanism
{
    private static readonly DigestMechanisms Instance = new();

    public static void Register(MechanismRegistry r)
    {
        var info = new MechanismInfo(0, 0, CKF.DIGEST);
        foreach (var h in Hashes.All) r.Add(h.Digest, info, Instance, MechanismFacts.AnyKey);
        foreach (var (ibm, _) in Hashes.IbmSha3) r.Add(ibm, info, Instance, MechanismFacts.AnyKey);
        foreach (var h in Hashes.Legacy) r.Add(h.Digest, info, Instance, MechanismFacts.AnyKey.AsLegacy());
    }

    public IDigestOperation CreateDigest(ulong mechanism, byte[]? parameter)
    {
        Check.NoParameter(parameter);
        var h = Hashes.ForDigestMechanism(mechanism) ?? throw new CkException(CKR.MECHANISM_INVALID);
        return new Operation(Hashes.CreateHasher(h));
    }

    /// <summary>
    /// One digest. Once computed (C_Digest, also when it answered CKR_BUFFER_TOO_SMALL and keeps the result for the
    /// repeated call, or C_DigestFinal) its hasher is gone: a C_DigestUpdate or C_DigestFinal then is refused
    /// (CKR_FUNCTION_FAILED, which ends the operation) instead of touching a disposed hash.
    /// </summary>
    private sealed class Operation(IHasher hasher) : IDigestOperation
    {
        private bool _computed;

        public byte[] OneShot(ReadOnlySpan<byte> data)
        {
            NotComputed();
            hasher.Append(data);
            _computed = true;
            return hasher.Finish();
        }

        public void Update(ReadOnlySpan<byte> data)
        {
            NotComputed();
            hasher.Append(data);
        }

        public byte[] Final()
        {
            NotComputed();
            _computed = true;
            return hasher.Finish();
        }

        private void NotComputed()
        {
            if (_computed) throw new CkException(CKR.FUNCTION_FAILED, "the digest was already computed by C_Digest");
        }
    }
}
