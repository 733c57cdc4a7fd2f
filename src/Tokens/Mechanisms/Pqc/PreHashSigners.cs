using System.Collections.Concurrent;
using System.Reflection;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace OpenCryptokiActors.Tokens.Mechanisms.Pqc;

/// <summary>
/// HashML-DSA and HashSLH-DSA signers for every pre-hash of PKCS#11 3.2. BouncyCastle 2.7 implements both
/// (HashMLDsaSigner, HashSlhDsaSigner: M' = 1 || |ctx| || ctx || OID || PH(M)) but names parameter sets only for the
/// pre-hashes its provider uses (ML-DSA with SHA-512; SLH-DSA with SHA-256, SHA-512, SHAKE128, SHAKE256). Its parameter
/// classes take any pre-hash OID through their internal constructor, which is reached here by reflection; the signer
/// then gets a pass-through digest (NullDigest), as the operation has already hashed the message (or the caller has).
/// Tests/Tokens.Tests (PqcContextSpec) check the result against NIST ACVP vectors, so a change of these internals fails
/// there.
/// </summary>
internal static class PreHashSigners
{
    private static readonly ConcurrentDictionary<(MLDsaParameters, DerObjectIdentifier), MLDsaParameters> MlDsaSets = new();
    private static readonly ConcurrentDictionary<(SlhDsaParameters, DerObjectIdentifier), SlhDsaParameters> SlhDsaSets = new();

    private static readonly ConstructorInfo MlDsaCtor = InternalCtor<MLDsaParameters>(typeof(MLDsaParameterSet));
    private static readonly ConstructorInfo SlhDsaCtor = InternalCtor<SlhDsaParameters>(typeof(SlhDsaParameterSet));
    private static readonly PropertyInfo MlDsaOid = InternalProperty<MLDsaParameters>("Oid");
    private static readonly PropertyInfo SlhDsaOid = InternalProperty<SlhDsaParameters>("Oid");
    private static readonly FieldInfo MlDsaDigest = InternalField<HashMLDsaSigner>("m_preHashDigest");
    private static readonly FieldInfo SlhDsaDigest = InternalField<HashSlhDsaSigner>("m_preHashDigest");

    /// <summary>A HashML-DSA signer of <paramref name="p"/>'s parameter set signing a ready <paramref name="preHash"/> digest.</summary>
    public static ISigner MlDsa(MLDsaParameters p, DerObjectIdentifier preHash, bool deterministic)
    {
        var withHash = MlDsaSets.GetOrAdd((p, preHash), k =>
            (MLDsaParameters)MlDsaCtor.Invoke([$"{k.Item1.Name}-WITH-{k.Item2.Id}", k.Item1.ParameterSet, MlDsaOid.GetValue(k.Item1), k.Item2]));
        var signer = new HashMLDsaSigner(withHash, deterministic);
        MlDsaDigest.SetValue(signer, new NullDigest());
        return signer;
    }

    /// <summary>A HashSLH-DSA signer of <paramref name="p"/>'s parameter set signing a ready <paramref name="preHash"/> digest.</summary>
    public static ISigner SlhDsa(SlhDsaParameters p, DerObjectIdentifier preHash, bool deterministic)
    {
        var withHash = SlhDsaSets.GetOrAdd((p, preHash), k =>
            (SlhDsaParameters)SlhDsaCtor.Invoke([$"{k.Item1.Name}-WITH-{k.Item2.Id}", k.Item1.ParameterSet, SlhDsaOid.GetValue(k.Item1), k.Item2]));
        var signer = new HashSlhDsaSigner(withHash, deterministic);
        SlhDsaDigest.SetValue(signer, new NullDigest());
        return signer;
    }

    private static ConstructorInfo InternalCtor<T>(Type parameterSet) =>
        typeof(T).GetConstructor(BindingFlags.NonPublic | BindingFlags.Instance, null,
            [typeof(string), parameterSet, typeof(DerObjectIdentifier), typeof(DerObjectIdentifier)], null)
        ?? throw new MissingMemberException(typeof(T).FullName, ".ctor(name, parameterSet, oid, preHashOid)");

    private static PropertyInfo InternalProperty<T>(string name) =>
        typeof(T).GetProperty(name, BindingFlags.NonPublic | BindingFlags.Instance) ?? throw new MissingMemberException(typeof(T).FullName, name);

    private static FieldInfo InternalField<T>(string name) =>
        typeof(T).GetField(name, BindingFlags.NonPublic | BindingFlags.Instance) ?? throw new MissingMemberException(typeof(T).FullName, name);
}
