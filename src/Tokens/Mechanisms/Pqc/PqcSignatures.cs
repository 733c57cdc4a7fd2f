using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace OpenCryptokiActors.Tokens.Mechanisms.Pqc;

/// <summary>
/// A pre-hash of HashML-DSA / HashSLH-DSA (FIPS 204 §5.4, FIPS 205 §10.2): its digest mechanism (0 for SHAKE, which has
/// none in CK_HASH_SIGN_ADDITIONAL_CONTEXT), the OID signed with the digest and the digest itself (SHAKE128 and SHAKE256
/// give 256 and 512 bits).
/// </summary>
internal sealed record PreHash(ulong Digest, DerObjectIdentifier Oid, int Length, Func<IHasher> Hasher)
{
    /// <summary>In the order of the CKM_HASH_ML_DSA_SHA224 ... CKM_HASH_ML_DSA_SHAKE256 mechanisms (and their SLH-DSA twins).</summary>
    public static readonly IReadOnlyList<PreHash> All =
    [
        Of(Hashes.Sha224, NistObjectIdentifiers.IdSha224), Of(Hashes.Sha256, NistObjectIdentifiers.IdSha256),
        Of(Hashes.Sha384, NistObjectIdentifiers.IdSha384), Of(Hashes.Sha512, NistObjectIdentifiers.IdSha512),
        Of(Hashes.Sha3_224, NistObjectIdentifiers.IdSha3_224), Of(Hashes.Sha3_256, NistObjectIdentifiers.IdSha3_256),
        Of(Hashes.Sha3_384, NistObjectIdentifiers.IdSha3_384), Of(Hashes.Sha3_512, NistObjectIdentifiers.IdSha3_512),
        new(0, NistObjectIdentifiers.IdShake128, 32, () => new BouncyHasher(new ShakeDigest(128))),
        new(0, NistObjectIdentifiers.IdShake256, 64, () => new BouncyHasher(new ShakeDigest(256))),
    ];

    private static PreHash Of(HashAlg h, DerObjectIdentifier oid) => new(h.Digest, oid, h.Length, () => Hashes.CreateHasher(h));
}

/// <summary>
/// What a CK_SIGN_ADDITIONAL_CONTEXT / CK_HASH_SIGN_ADDITIONAL_CONTEXT asks of an ML-DSA or SLH-DSA signature: the
/// context string (at most 255 bytes), whether the signature must be deterministic (CKH_DETERMINISTIC_REQUIRED;
/// CKH_HEDGE_PREFERRED and CKH_HEDGE_REQUIRED are hedged, randomised), and for the pre-hash mechanisms the pre-hash and
/// whether the caller gives the digest (CKM_HASH_ML_DSA, CKM_HASH_SLH_DSA) or the message.
/// </summary>
internal sealed record SignRequest(byte[] Context, bool Deterministic, PreHash? PreHash, bool InputIsDigest)
{
    private const int MaxContext = 255;

    /// <summary>
    /// Decodes the parameter of <paramref name="mechanism"/>, one of <paramref name="pure"/>, <paramref name="generic"/> or
    /// the ten mechanisms from <paramref name="firstPreHashed"/> (SHA224 ... SHAKE256). No parameter means a hedged signature
    /// with an empty context; the generic mechanism needs one naming its hash.
    /// </summary>
    public static SignRequest Parse(ulong mechanism, byte[]? parameter, ulong pure, ulong generic, ulong firstPreHashed)
    {
        var p = parameter is { Length: > 0 }
            ? Params.Decode(parameter, b => SignContextParams.Decode(b), "CK_SIGN_ADDITIONAL_CONTEXT")
            : new SignContextParams(CKH.HEDGE_PREFERRED, [], CK.UNAVAILABLE_INFORMATION);
        if (p.Hedge is not (CKH.HEDGE_PREFERRED or CKH.HEDGE_REQUIRED or CKH.DETERMINISTIC_REQUIRED))
            throw new CkException(CKR.MECHANISM_PARAM_INVALID, "unknown hedge variant");
        if (p.Context.Length > MaxContext) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "context longer than 255 bytes");
        var deterministic = p.Hedge == CKH.DETERMINISTIC_REQUIRED;

        if (mechanism == generic)
        {
            var h = PreHash.All.FirstOrDefault(x => x.Digest != 0 && x.Digest == p.Hash)
                ?? throw new CkException(CKR.MECHANISM_PARAM_INVALID, "CK_HASH_SIGN_ADDITIONAL_CONTEXT naming a SHA-2 or SHA-3 hash expected");
            return new SignRequest(p.Context, deterministic, h, InputIsDigest: true);
        }

        if (p.Hash != CK.UNAVAILABLE_INFORMATION) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "CK_SIGN_ADDITIONAL_CONTEXT expected");
        if (mechanism == pure) return new SignRequest(p.Context, deterministic, null, InputIsDigest: false);
        var i = mechanism - firstPreHashed;
        if (mechanism < firstPreHashed || i >= (ulong)PreHash.All.Count) throw new CkException(CKR.MECHANISM_INVALID);
        return new SignRequest(p.Context, deterministic, PreHash.All[(int)i], InputIsDigest: false);
    }

    /// <summary>What collects the data: the message as given (pure; the generic pre-hash mechanisms) or its pre-hash.</summary>
    public IHasher Accumulator() => PreHash is { } h && !InputIsDigest ? h.Hasher() : new RawAccumulator();

    /// <summary>The key parameters a signer is initialised with: the context around the key (and randomness when signing).</summary>
    public ICipherParameters Wrap(AsymmetricKeyParameter key) =>
        new ParametersWithContext(key.IsPrivate ? new ParametersWithRandom(key, new SecureRandom()) : key, Context);

    /// <summary>The accumulated data, checked: a digest given by the caller must have its hash's length.</summary>
    public byte[] Checked(byte[] data) =>
        InputIsDigest && data.Length != PreHash!.Length ? throw new CkException(CKR.DATA_LEN_RANGE, "the data is not a digest of the named hash") : data;
}

/// <summary>
/// The sign and verify shape ML-DSA and SLH-DSA share (PKCS#11 3.2 §6.67–6.68): the key checks, the parameter and a
/// BouncyCastle signer over the message (pure) or over its pre-hash. One instance per family.
/// </summary>
/// <param name="Name">For messages ("ML-DSA").</param>
/// <param name="PrivateKey">Decodes a CKA_VALUE (ArgumentException when malformed).</param>
/// <param name="Signer">The signer for a parameter set, a pre-hash (null: pure) and determinism.</param>
internal sealed record PqcSignatureFamily<TParams>(
    string Name, ulong KeyType, ulong Pure, ulong Generic, ulong FirstPreHashed,
    Func<ulong, TParams?> ParametersOf, Func<TParams, int> SignatureLength,
    Func<TParams, byte[], AsymmetricKeyParameter> PrivateKey, Func<TParams, byte[], AsymmetricKeyParameter> PublicKey,
    Func<TParams, PreHash?, bool, ISigner> Signer)
    where TParams : class
{
    /// <summary>The mechanisms of the family: pure, generic pre-hash and the ten fixed pre-hashes.</summary>
    public IReadOnlyList<ulong> Mechanisms { get; } = [Pure, Generic, .. Enumerable.Range(0, PreHash.All.Count).Select(i => FirstPreHashed + (ulong)i)];

    public ISignOperation CreateSign(ulong mechanism, byte[]? parameter, AttributeSet key)
    {
        var (p, request, sk) = Prepare(mechanism, parameter, key, CKO.PRIVATE_KEY, PrivateKey);
        return new SignOperation(request.Accumulator(), data =>
        {
            var signer = Signer(p, request.PreHash, request.Deterministic);
            signer.Init(true, request.Wrap(sk));
            signer.BlockUpdate(request.Checked(data));
            return signer.GenerateSignature();
        }, null, SignatureLength(p));
    }

    public IVerifyOperation CreateVerify(ulong mechanism, byte[]? parameter, AttributeSet key)
    {
        var (p, request, pk) = Prepare(mechanism, parameter, key, CKO.PUBLIC_KEY, PublicKey);
        return new SignOperation(request.Accumulator(), null, (data, signature) =>
        {
            var signer = Signer(p, request.PreHash, false);
            signer.Init(false, request.Wrap(pk));
            signer.BlockUpdate(request.Checked(data));
            return signer.VerifySignature(signature);
        }, SignatureLength(p));
    }

    private (TParams Parameters, SignRequest Request, AsymmetricKeyParameter Key) Prepare(ulong mechanism, byte[]? parameter, AttributeSet key, ulong cls,
        Func<TParams, byte[], AsymmetricKeyParameter> decode)
    {
        if (!Mechanisms.Contains(mechanism)) throw new CkException(CKR.MECHANISM_INVALID);
        if (key.GetULong(CKA.CLASS) != cls || key.GetULong(CKA.KEY_TYPE) != KeyType) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, $"{Name} key expected");
        var request = SignRequest.Parse(mechanism, parameter, Pure, Generic, FirstPreHashed);
        var p = ParametersOf(key.GetULong(CKA.PARAMETER_SET) ?? 0) ?? throw new CkException(CKR.KEY_SIZE_RANGE, $"unknown {Name} parameter set");
        var value = key.Get(CKA.VALUE) ?? throw new CkException(CKR.KEY_TYPE_INCONSISTENT, $"{Name} key without value");
        try
        {
            return (p, request, decode(p, value));
        }
        catch (ArgumentException)
        {
            throw new CkException(CKR.KEY_TYPE_INCONSISTENT, $"malformed {Name} key");
        }
    }
}
