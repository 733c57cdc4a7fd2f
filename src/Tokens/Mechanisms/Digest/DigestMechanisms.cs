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

    private sealed class Operation(IHasher hasher) : IDigestOperation
    {
        public byte[] OneShot(ReadOnlySpan<byte> data)
        {
            hasher.Append(data);
            return hasher.Finish();
        }

        public void Update(ReadOnlySpan<byte> data) => hasher.Append(data);

        public byte[] Final() => hasher.Finish();
    }
}
