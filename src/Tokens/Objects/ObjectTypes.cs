using System.Numerics;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using static OpenCryptokiActors.Tokens.Objects.AttrFlags;
using K = OpenCryptokiActors.Tokens.Objects.AttrKind;

namespace OpenCryptokiActors.Tokens.Objects;

/// <summary>
/// One object type (class, and key or certificate type): its attribute table, the cross-attribute value
/// checks and the values the token computes. Declared as data in <see cref="ObjectTypes"/>; enforced by
/// the one <see cref="TemplateValidator"/>.
/// </summary>
public sealed class ObjectType
{
    public ObjectType(string name, ulong cls, ulong? subType, IEnumerable<AttrDef> attributes,
        Action<AttributeSet>? check = null, Action<AttributeSet>? complete = null)
    {
        Name = name;
        Class = cls;
        SubType = subType;
        Attributes = attributes.ToDictionary(a => a.Type);
        Check = check;
        Complete = complete;
    }

    public string Name { get; }

    public ulong Class { get; }

    /// <summary>CKA_KEY_TYPE for keys, CKA_CERTIFICATE_TYPE for certificates, null for data objects.</summary>
    public ulong? SubType { get; }

    public IReadOnlyDictionary<ulong, AttrDef> Attributes { get; }

    /// <summary>Value rules across attributes, run on the complete set (CKR_ATTRIBUTE_VALUE_INVALID / CKR_TEMPLATE_INCONSISTENT).</summary>
    public Action<AttributeSet>? Check { get; }

    /// <summary>Fills the values the token computes from the others (CKA_VALUE_LEN, CKA_MODULUS_BITS).</summary>
    public Action<AttributeSet>? Complete { get; }

    public bool IsKey => Class is CKO.PUBLIC_KEY or CKO.PRIVATE_KEY or CKO.SECRET_KEY;
}

/// <summary>
/// The object types of the soft token, composed from the spec's shared blocks (PKCS#11 v3.0 §4.3–§4.9 and the
/// key-type sections §6). Footnote numbers refer to Table 10 (see <see cref="AttrFlags"/>).
/// </summary>
public static partial class ObjectTypes
{
    private static readonly byte[] Empty = [];
    private static readonly byte[] True = [1];
    private static readonly byte[] False = [0];

    private static AttrDef B(ulong t, bool def, AttrFlags f = None) => new(t, K.Bool, f, def ? True : False);

    /// <summary>§4.3 Table 13: CKA_CLASS, required on create (footnote 1) and fixed for the object's life.</summary>
    private static IEnumerable<AttrDef> CommonObject() =>
    [
        new(CKA.CLASS, K.ULong, RequiredOnCreate | ReadOnlyAfterCreate),
    ];

    /// <summary>§4.4 Table 14: common storage attributes. CKA_PRIVATE's default depends on the class.</summary>
    private static IEnumerable<AttrDef> Storage(bool privateByDefault) =>
    [
        // CKA_TOKEN / CKA_PRIVATE: chosen at creation, changeable only while copying.
        B(CKA.TOKEN, false, ReadOnlyAfterCreate | ChangeOnCopy),
        B(CKA.PRIVATE, privateByDefault, ReadOnlyAfterCreate | ChangeOnCopy),
        // CKA_MODIFIABLE: "can be changed in the process of copying the object but not by C_SetAttributeValue" (only to FALSE here).
        B(CKA.MODIFIABLE, true, ReadOnlyAfterCreate | ChangeOnCopy | ChangeToFalseOnly),
        // CKA_LABEL: footnote 8, freely modifiable.
        new(CKA.LABEL, K.Bytes, None, Empty),
        // CKA_COPYABLE: once FALSE it stays FALSE (footnote 12), may be changed while copying.
        B(CKA.COPYABLE, true, ChangeOnCopy | ChangeToFalseOnly),
        B(CKA.DESTROYABLE, true, ChangeOnCopy),
        // CKA_UNIQUE_ID (3.0): assigned by the token (footnotes 2, 4, 6), read-only.
        new(CKA.UNIQUE_ID, K.Bytes, TokenSet),
    ];

    /// <summary>§4.2 Table 11 and §4.2.2–4.2.3: hardware features: their type and a read-only value.</summary>
    private static IEnumerable<AttrDef> HwFeature() =>
    [
        new(CKA.HW_FEATURE_TYPE, K.ULong, RequiredOnCreate | ReadOnlyAfterCreate),
        new(CKA.VALUE, K.Bytes, ReadOnlyAfterCreate),
    ];

    /// <summary>§4.5 Table 16: data objects.</summary>
    private static IEnumerable<AttrDef> Data() =>
    [
        new(CKA.APPLICATION, K.Bytes, None, Empty),
        new(CKA.OBJECT_ID, K.Bytes, None, Empty),
        new(CKA.VALUE, K.Bytes, None, Empty),
    ];

    /// <summary>§4.6 Table 17: common certificate attributes.</summary>
    private static IEnumerable<AttrDef> Certificate() =>
    [
        new(CKA.CERTIFICATE_TYPE, K.ULong, RequiredOnCreate | ReadOnlyAfterCreate),
        // CKA_TRUSTED: footnote 10, only the SO may set it to TRUE.
        B(CKA.TRUSTED, false, SoOnly),
        new(CKA.CERTIFICATE_CATEGORY, K.ULong, None, Attr.ULong(0)),
        new(CKA.CHECK_VALUE, K.Bytes),
        new(CKA.START_DATE, K.Date, None, Empty),
        new(CKA.END_DATE, K.Date, None, Empty),
        new(CKA.PUBLIC_KEY_INFO, K.Bytes, None, Empty),
    ];

    /// <summary>§4.6.3 Table 20: X.509 public-key certificates.</summary>
    private static IEnumerable<AttrDef> X509() =>
    [
        new(CKA.SUBJECT, K.Bytes, RequiredOnCreate),
        new(CKA.ID, K.Bytes, None, Empty),
        new(CKA.ISSUER, K.Bytes, None, Empty),
        new(CKA.SERIAL_NUMBER, K.Bytes, None, Empty),
        // The certificate itself (footnote 1) never changes: a new certificate is a new object.
        new(CKA.VALUE, K.Bytes, RequiredOnCreate | ReadOnlyAfterCreate),
        new(CKA.URL, K.Bytes, None, Empty),
        new(CKA.HASH_OF_SUBJECT_PUBLIC_KEY, K.Bytes, None, Empty),
        new(CKA.HASH_OF_ISSUER_PUBLIC_KEY, K.Bytes, None, Empty),
        new(CKA.JAVA_MIDP_SECURITY_DOMAIN, K.ULong, None, Attr.ULong(0)),
        new(CKA.NAME_HASH_ALGORITHM, K.ULong, None, Attr.ULong(CKM.SHA_1)),
    ];

    /// <summary>§4.7 Table 25: common key attributes.</summary>
    private static IEnumerable<AttrDef> Key() =>
    [
        // CKA_KEY_TYPE: footnotes 1 and 5, fixed.
        new(CKA.KEY_TYPE, K.ULong, RequiredOnCreate | ReadOnlyAfterCreate),
        new(CKA.ID, K.Bytes, None, Empty),
        new(CKA.START_DATE, K.Date, None, Empty),
        new(CKA.END_DATE, K.Date, None, Empty),
        B(CKA.DERIVE, false),
        // CKA_LOCAL, CKA_KEY_GEN_MECHANISM: footnotes 2, 4, 6: the token says how the key was made.
        new(CKA.LOCAL, K.Bool, TokenSet),
        new(CKA.KEY_GEN_MECHANISM, K.ULong, TokenSet),
        // CKA_ALLOWED_MECHANISMS: CK_MECHANISM_TYPE array; absent or empty = no restriction.
        new(CKA.ALLOWED_MECHANISMS, K.ULongArray),
        new(CKA.DERIVE_TEMPLATE, K.Template),
        .. IbmKey(),
    ];

    /// <summary>§4.8 Table 26: common public key attributes.</summary>
    private static IEnumerable<AttrDef> PublicKey() =>
    [
        new(CKA.SUBJECT, K.Bytes, None, Empty),
        B(CKA.ENCRYPT, true),
        B(CKA.VERIFY, true),
        B(CKA.VERIFY_RECOVER, true),
        B(CKA.WRAP, true),
        // footnote 10: only the SO can mark a key as trusted (it may then wrap CKA_WRAP_WITH_TRUSTED keys).
        B(CKA.TRUSTED, false, SoOnly),
        new(CKA.WRAP_TEMPLATE, K.Template),
        new(CKA.PUBLIC_KEY_INFO, K.Bytes, None, Empty),
    ];

    /// <summary>§4.9 Table 30: common private key attributes.</summary>
    private static IEnumerable<AttrDef> PrivateKey() =>
    [
        new(CKA.SUBJECT, K.Bytes, None, Empty),
        // footnote 11: CKA_SENSITIVE can only become TRUE.
        B(CKA.SENSITIVE, false, ChangeToTrueOnly),
        B(CKA.DECRYPT, true),
        B(CKA.SIGN, true),
        B(CKA.SIGN_RECOVER, true),
        B(CKA.UNWRAP, true),
        // footnote 12: CKA_EXTRACTABLE can only become FALSE.
        B(CKA.EXTRACTABLE, true, ChangeToFalseOnly),
        // footnotes 2, 4, 6: history kept by the token.
        new(CKA.ALWAYS_SENSITIVE, K.Bool, TokenSet),
        new(CKA.NEVER_EXTRACTABLE, K.Bool, TokenSet),
        // footnote 11.
        B(CKA.WRAP_WITH_TRUSTED, false, ChangeToTrueOnly),
        new(CKA.UNWRAP_TEMPLATE, K.Template),
        B(CKA.ALWAYS_AUTHENTICATE, false),
        new(CKA.PUBLIC_KEY_INFO, K.Bytes, None, Empty),
    ];

    /// <summary>§4.10 Table 32: common secret key attributes.</summary>
    private static IEnumerable<AttrDef> SecretKey() =>
    [
        B(CKA.SENSITIVE, false, ChangeToTrueOnly),
        B(CKA.ENCRYPT, true),
        B(CKA.DECRYPT, true),
        B(CKA.SIGN, true),
        B(CKA.VERIFY, true),
        B(CKA.WRAP, true),
        B(CKA.UNWRAP, true),
        B(CKA.EXTRACTABLE, true, ChangeToFalseOnly),
        new(CKA.ALWAYS_SENSITIVE, K.Bool, TokenSet),
        new(CKA.NEVER_EXTRACTABLE, K.Bool, TokenSet),
        new(CKA.CHECK_VALUE, K.Bytes),
        B(CKA.WRAP_WITH_TRUSTED, false, ChangeToTrueOnly),
        B(CKA.TRUSTED, false, SoOnly),
        new(CKA.WRAP_TEMPLATE, K.Template),
        new(CKA.UNWRAP_TEMPLATE, K.Template),
    ];

    /// <summary>
    /// PKCS#11 3.2 CKA_ENCAPSULATE (public keys) and CKA_DECAPSULATE (private keys) of the key types with an encapsulation
    /// mechanism (RSA: CKM_RSA_PKCS_OAEP, ML-KEM). TRUE by default, like CKA_ENCRYPT and CKA_DECRYPT here.
    /// </summary>
    private static IEnumerable<AttrDef> Kem(bool isPrivate) => [B(isPrivate ? CKA.DECAPSULATE : CKA.ENCAPSULATE, true)];

    /// <summary>§6.1.2 Table 34: RSA public keys. CKA_MODULUS_BITS is computed on create, required on generate (footnote 3).</summary>
    private static IEnumerable<AttrDef> RsaPublic() =>
    [
        new(CKA.MODULUS, K.Bytes, RequiredOnCreate | MustNotBeSpecifiedOnGenerate | ReadOnlyAfterCreate),
        new(CKA.MODULUS_BITS, K.ULong, Computed | RequiredOnGenerate | ReadOnlyAfterCreate),
        new(CKA.PUBLIC_EXPONENT, K.Bytes, RequiredOnCreate | ReadOnlyAfterCreate),
    ];

    /// <summary>§6.1.3 Table 35: RSA private keys: the private values are sensitive (footnote 7).</summary>
    private static IEnumerable<AttrDef> RsaPrivate() =>
    [
        new(CKA.MODULUS, K.Bytes, RequiredOnCreate | MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | ReadOnlyAfterCreate),
        new(CKA.PUBLIC_EXPONENT, K.Bytes, MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | ReadOnlyAfterCreate),
        new(CKA.PRIVATE_EXPONENT, K.Bytes, RequiredOnCreate | MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | Sensitive | ReadOnlyAfterCreate),
        new(CKA.PRIME_1, K.Bytes, MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | Sensitive | ReadOnlyAfterCreate),
        new(CKA.PRIME_2, K.Bytes, MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | Sensitive | ReadOnlyAfterCreate),
        new(CKA.EXPONENT_1, K.Bytes, MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | Sensitive | ReadOnlyAfterCreate),
        new(CKA.EXPONENT_2, K.Bytes, MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | Sensitive | ReadOnlyAfterCreate),
        new(CKA.COEFFICIENT, K.Bytes, MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | Sensitive | ReadOnlyAfterCreate),
    ];

    /// <summary>§6.3.3 Table 51: EC public keys (footnote 3 on CKA_EC_PARAMS: the curve of the pair).</summary>
    private static IEnumerable<AttrDef> EcPublic() =>
    [
        new(CKA.EC_PARAMS, K.Bytes, RequiredOnCreate | RequiredOnGenerate | ReadOnlyAfterCreate),
        new(CKA.EC_POINT, K.Bytes, RequiredOnCreate | MustNotBeSpecifiedOnGenerate | ReadOnlyAfterCreate),
    ];

    /// <summary>§6.3.4 Table 52: EC private keys.</summary>
    private static IEnumerable<AttrDef> EcPrivate() =>
    [
        new(CKA.EC_PARAMS, K.Bytes, RequiredOnCreate | MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | ReadOnlyAfterCreate),
        new(CKA.VALUE, K.Bytes, RequiredOnCreate | MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | Sensitive | ReadOnlyAfterCreate),
    ];

    /// <summary>PKCS#11 3.2 ML-DSA (and ML-KEM, SLH-DSA) public keys: CKA_PARAMETER_SET names the parameter set, CKA_VALUE the FIPS 204 (203, 205) encoding.</summary>
    private static IEnumerable<AttrDef> MlDsaPublic() =>
    [
        new(CKA.PARAMETER_SET, K.ULong, RequiredOnCreate | RequiredOnGenerate | ReadOnlyAfterCreate),
        new(CKA.VALUE, K.Bytes, RequiredOnCreate | MustNotBeSpecifiedOnGenerate | ReadOnlyAfterCreate),
    ];

    /// <summary>
    /// PKCS#11 3.2 ML-DSA (and ML-KEM, SLH-DSA) private keys: CKA_VALUE is the FIPS 204 (203, 205) private encoding. ML-DSA and
    /// ML-KEM keys also have CKA_SEED, from which a key may be created alone (<see cref="PqcSeeds"/>: then CKA_VALUE is expanded).
    /// </summary>
    private static IEnumerable<AttrDef> MlDsaPrivate(bool seed = false) => seed
        ?
        [
            new(CKA.PARAMETER_SET, K.ULong, RequiredOnCreate | MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | ReadOnlyAfterCreate),
            new(CKA.VALUE, K.Bytes, MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | Sensitive | ReadOnlyAfterCreate),
            new(CKA.SEED, K.Bytes, MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | Sensitive | ReadOnlyAfterCreate),
        ]
        :
        [
            new(CKA.PARAMETER_SET, K.ULong, RequiredOnCreate | MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | ReadOnlyAfterCreate),
            new(CKA.VALUE, K.Bytes, RequiredOnCreate | MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | Sensitive | ReadOnlyAfterCreate),
        ];

    /// <summary>§6.2.2/6.2.3 Tables 29–30: DSA public and private keys (the domain parameters and the key value).</summary>
    private static IEnumerable<AttrDef> DsaKey(bool isPrivate) =>
    [
        new(CKA.PRIME, K.Bytes, RequiredOnCreate | (isPrivate ? MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap : RequiredOnGenerate) | ReadOnlyAfterCreate),
        new(CKA.SUBPRIME, K.Bytes, RequiredOnCreate | (isPrivate ? MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap : RequiredOnGenerate) | ReadOnlyAfterCreate),
        new(CKA.BASE, K.Bytes, RequiredOnCreate | (isPrivate ? MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap : RequiredOnGenerate) | ReadOnlyAfterCreate),
        new(CKA.VALUE, K.Bytes, RequiredOnCreate | MustNotBeSpecifiedOnGenerate | (isPrivate ? MustNotBeSpecifiedOnUnwrap | Sensitive : None) | ReadOnlyAfterCreate),
    ];

    /// <summary>§6.5.2/6.5.3: PKCS #3 DH public and private keys (CKA_VALUE_BITS of the private value is set on generation).</summary>
    private static IEnumerable<AttrDef> DhKey(bool isPrivate) =>
    [
        new(CKA.PRIME, K.Bytes, RequiredOnCreate | (isPrivate ? MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap : RequiredOnGenerate) | ReadOnlyAfterCreate),
        new(CKA.BASE, K.Bytes, RequiredOnCreate | (isPrivate ? MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap : RequiredOnGenerate) | ReadOnlyAfterCreate),
        new(CKA.VALUE, K.Bytes, RequiredOnCreate | MustNotBeSpecifiedOnGenerate | (isPrivate ? MustNotBeSpecifiedOnUnwrap | Sensitive : None) | ReadOnlyAfterCreate),
        .. isPrivate ? [new AttrDef(CKA.VALUE_BITS, K.ULong, MustNotBeSpecifiedOnCreate | ReadOnlyAfterCreate)] : Array.Empty<AttrDef>(),
    ];

    /// <summary>§4.10 Table 40 (3.0): common domain parameter attributes (CKA_LOCAL: made by a parameter generation mechanism).</summary>
    private static IEnumerable<AttrDef> DomainParameters() =>
    [
        new(CKA.KEY_TYPE, K.ULong, RequiredOnCreate | ReadOnlyAfterCreate),
        new(CKA.LOCAL, K.Bool, TokenSet),
    ];

    /// <summary>§6.2.4 (DSA), §6.5.4 (DH) domain parameters: the group, CKA_PRIME_BITS computed on create and required to generate.</summary>
    private static IEnumerable<AttrDef> FiniteFieldDomain(bool subprime) =>
    [
        new(CKA.PRIME, K.Bytes, RequiredOnCreate | MustNotBeSpecifiedOnGenerate | ReadOnlyAfterCreate),
        .. subprime ? [new AttrDef(CKA.SUBPRIME, K.Bytes, RequiredOnCreate | MustNotBeSpecifiedOnGenerate | ReadOnlyAfterCreate)] : Array.Empty<AttrDef>(),
        new(CKA.BASE, K.Bytes, RequiredOnCreate | MustNotBeSpecifiedOnGenerate | ReadOnlyAfterCreate),
        new(CKA.PRIME_BITS, K.ULong, Computed | RequiredOnGenerate | ReadOnlyAfterCreate),
        // The size of q a DSA parameter generation should use (FIPS 186-4 N); computed from CKA_SUBPRIME once made.
        .. subprime ? [new AttrDef(CKA.SUB_PRIME_BITS, K.ULong, Computed | ReadOnlyAfterCreate)] : Array.Empty<AttrDef>(),
    ];

    /// <summary>§6.3.x EC domain parameters: CKA_EC_PARAMS (a named curve or explicit parameters).</summary>
    private static IEnumerable<AttrDef> EcDomain() =>
    [
        new(CKA.EC_PARAMS, K.Bytes, RequiredOnCreate | ReadOnlyAfterCreate),
    ];

    private static void CompleteDomain(AttributeSet a)
    {
        if (a.Get(CKA.PRIME) is { } p) a.SetULong(CKA.PRIME_BITS, (ulong)BitLength(p));
        if (a.Get(CKA.SUBPRIME) is { } q) a.SetULong(CKA.SUB_PRIME_BITS, (ulong)BitLength(q));
    }

    private static void CheckDomain(AttributeSet a)
    {
        if (a.Get(CKA.PRIME) is { } p && BitLength(p) == 0) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "empty prime");
        if (a.Get(CKA.BASE) is { } g && BitLength(g) == 0) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "empty base");
    }

    private static void CheckMlDsa(AttributeSet a)
    {
        var set = a.GetULong(CKA.PARAMETER_SET);
        if (set is not null && set.Value is < CKP.ML_DSA_44 or > CKP.ML_DSA_87)
            throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, $"unknown ML-DSA parameter set 0x{set:X}");
    }

    private static void CheckMlKem(AttributeSet a)
    {
        var set = a.GetULong(CKA.PARAMETER_SET);
        if (set is not null && set.Value is < CKP.ML_KEM_512 or > CKP.ML_KEM_1024)
            throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, $"unknown ML-KEM parameter set 0x{set:X}");
    }

    private static void CheckSlhDsa(AttributeSet a)
    {
        var set = a.GetULong(CKA.PARAMETER_SET);
        if (set is not null && set.Value is < CKP.SLH_DSA_SHA2_128S or > CKP.SLH_DSA_SHAKE_256F)
            throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, $"unknown SLH-DSA parameter set 0x{set:X}");
    }

    /// <summary>§6.7 (generic secret), §6.8 (AES), §6.x HMAC key types: CKA_VALUE sensitive, CKA_VALUE_LEN computed
    /// on create (footnote 2) and required on generate (footnote 3), allowed on unwrap/derive to size the key.</summary>
    private static IEnumerable<AttrDef> SecretValue() =>
    [
        new(CKA.VALUE, K.Bytes, RequiredOnCreate | MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | Sensitive | ReadOnlyAfterCreate),
        new(CKA.VALUE_LEN, K.ULong, Computed | RequiredOnGenerate | ReadOnlyAfterCreate),
    ];

    private static IEnumerable<AttrDef> Compose(params IEnumerable<AttrDef>[] blocks)
    {
        // Later blocks refine earlier ones (an attribute named twice keeps the last, more specific declaration).
        var d = new Dictionary<ulong, AttrDef>();
        foreach (var b in blocks)
            foreach (var a in b)
                d[a.Type] = a;
        return d.Values;
    }

    /// <summary>The HMAC key types (§6.20 ff.): they behave like generic secrets bound to one hash.</summary>
    public static readonly IReadOnlyList<ulong> HmacKeyTypes =
    [
        CKK.MD5_HMAC, CKK.SHA_1_HMAC, CKK.SHA224_HMAC, CKK.SHA256_HMAC, CKK.SHA384_HMAC, CKK.SHA512_HMAC, CKK.SHA512_224_HMAC,
        CKK.SHA512_256_HMAC, CKK.SHA3_224_HMAC, CKK.SHA3_256_HMAC, CKK.SHA3_384_HMAC, CKK.SHA3_512_HMAC,
    ];

    /// <summary>The key types of secret keys this token stores.</summary>
    public static readonly IReadOnlyList<ulong> SecretKeyTypes =
    [
        CKK.GENERIC_SECRET, CKK.AES, CKK.AES_XTS, CKK.HKDF, CKK.CHACHA20, CKK.POLY1305, CKK.DES, CKK.DES2, CKK.DES3, .. HmacKeyTypes,
    ];

    /// <summary>The value lengths (bytes) a secret key type admits, or null for any non-empty length.</summary>
    public static int[]? SecretLengths(ulong keyType) => keyType switch
    {
        CKK.AES => [16, 24, 32],
        CKK.AES_XTS => [32, 64],
        CKK.CHACHA20 or CKK.POLY1305 => [32],
        CKK.DES => [8],
        CKK.DES2 => [16],
        CKK.DES3 => [24],
        _ => null,
    };

    private static readonly IReadOnlyList<ObjectType> All = Build();

    private static List<ObjectType> Build()
    {
        var list = new List<ObjectType>
        {
            new("data", CKO.DATA, null, Compose(CommonObject(), Storage(false), Data())),
            new("X.509 certificate", CKO.CERTIFICATE, CKC.X_509, Compose(CommonObject(), Storage(false), Certificate(), X509())),
            new("RSA public key", CKO.PUBLIC_KEY, CKK.RSA, Compose(CommonObject(), Storage(false), Key(), PublicKey(), RsaPublic(), Kem(false)),
                CheckRsaPublic, a => { CompleteRsaPublic(a); CompleteRsaPublicKeyInfo(a); }),
            new("RSA private key", CKO.PRIVATE_KEY, CKK.RSA, Compose(CommonObject(), Storage(true), Key(), PrivateKey(), RsaPrivate(), Kem(true)),
                CheckRsaPrivate, CompleteRsaPublicKeyInfo),
            new("EC public key", CKO.PUBLIC_KEY, CKK.EC, Compose(CommonObject(), Storage(false), Key(), PublicKey(), EcPublic()),
                CheckEcParams, CompleteEcPublicKeyInfo),
            new("EC private key", CKO.PRIVATE_KEY, CKK.EC, Compose(CommonObject(), Storage(true), Key(), PrivateKey(), EcPrivate()),
                CheckEcParams),
            // §6.3.5–6.3.8: Edwards and Montgomery keys have the EC attribute tables (CKA_EC_PARAMS names the curve).
            new("Edwards public key", CKO.PUBLIC_KEY, CKK.EC_EDWARDS, Compose(CommonObject(), Storage(false), Key(), PublicKey(), EcPublic()),
                CheckEcParams),
            new("Edwards private key", CKO.PRIVATE_KEY, CKK.EC_EDWARDS, Compose(CommonObject(), Storage(true), Key(), PrivateKey(), EcPrivate()),
                CheckEcParams),
            new("Montgomery public key", CKO.PUBLIC_KEY, CKK.EC_MONTGOMERY, Compose(CommonObject(), Storage(false), Key(), PublicKey(), EcPublic()),
                CheckEcParams),
            new("Montgomery private key", CKO.PRIVATE_KEY, CKK.EC_MONTGOMERY, Compose(CommonObject(), Storage(true), Key(), PrivateKey(), EcPrivate()),
                CheckEcParams),
        };
        // §4.13 profile objects and §4.2 hardware feature objects: provided by the token (TokenProvidedObjects), never created.
        list.Add(new("profile", CKO.PROFILE, null, Compose(CommonObject(), Storage(false), [new(CKA.PROFILE_ID, K.ULong, ReadOnlyAfterCreate)])));
        list.Add(new("clock", CKO.HW_FEATURE, CKH.CLOCK, Compose(CommonObject(), HwFeature())));
        list.Add(new("monotonic counter", CKO.HW_FEATURE, CKH.MONOTONIC_COUNTER, Compose(CommonObject(), HwFeature(),
            [B(CKA.RESET_ON_INIT, false, ReadOnlyAfterCreate), B(CKA.HAS_RESET, false, ReadOnlyAfterCreate)])));
        list.Add(new("DSA public key", CKO.PUBLIC_KEY, CKK.DSA, Compose(CommonObject(), Storage(false), Key(), PublicKey(), DsaKey(false))));
        list.Add(new("DSA private key", CKO.PRIVATE_KEY, CKK.DSA, Compose(CommonObject(), Storage(true), Key(), PrivateKey(), DsaKey(true))));
        list.Add(new("DH public key", CKO.PUBLIC_KEY, CKK.DH, Compose(CommonObject(), Storage(false), Key(), PublicKey(), DhKey(false))));
        list.Add(new("DH private key", CKO.PRIVATE_KEY, CKK.DH, Compose(CommonObject(), Storage(true), Key(), PrivateKey(), DhKey(true))));
        list.Add(new("ML-DSA public key", CKO.PUBLIC_KEY, CKK.ML_DSA, Compose(CommonObject(), Storage(false), Key(), PublicKey(), MlDsaPublic()), CheckMlDsa));
        list.Add(new("ML-DSA private key", CKO.PRIVATE_KEY, CKK.ML_DSA, Compose(CommonObject(), Storage(true), Key(), PrivateKey(), MlDsaPrivate(seed: true)), CheckMlDsa,
            PqcSeeds.CompleteMlDsa));
        list.Add(new("ML-KEM public key", CKO.PUBLIC_KEY, CKK.ML_KEM, Compose(CommonObject(), Storage(false), Key(), PublicKey(), MlDsaPublic(), Kem(false)), CheckMlKem));
        list.Add(new("ML-KEM private key", CKO.PRIVATE_KEY, CKK.ML_KEM, Compose(CommonObject(), Storage(true), Key(), PrivateKey(), MlDsaPrivate(seed: true), Kem(true)), CheckMlKem,
            PqcSeeds.CompleteMlKem));
        list.Add(new("SLH-DSA public key", CKO.PUBLIC_KEY, CKK.SLH_DSA, Compose(CommonObject(), Storage(false), Key(), PublicKey(), MlDsaPublic()), CheckSlhDsa));
        list.Add(new("SLH-DSA private key", CKO.PRIVATE_KEY, CKK.SLH_DSA, Compose(CommonObject(), Storage(true), Key(), PrivateKey(), MlDsaPrivate()), CheckSlhDsa));
        list.Add(new("DSA domain parameters", CKO.DOMAIN_PARAMETERS, CKK.DSA, Compose(CommonObject(), Storage(false), DomainParameters(), FiniteFieldDomain(true)),
            CheckDomain, CompleteDomain));
        list.Add(new("DH domain parameters", CKO.DOMAIN_PARAMETERS, CKK.DH, Compose(CommonObject(), Storage(false), DomainParameters(), FiniteFieldDomain(false)),
            CheckDomain, CompleteDomain));
        list.Add(new("EC domain parameters", CKO.DOMAIN_PARAMETERS, CKK.EC, Compose(CommonObject(), Storage(false), DomainParameters(), EcDomain()), CheckEcParams));
        foreach (var kt in SecretKeyTypes)
        {
            list.Add(new($"secret key 0x{kt:X}", CKO.SECRET_KEY, kt, Compose(CommonObject(), Storage(true), Key(), SecretKey(), SecretValue()),
                CheckSecretValue, CompleteSecret));
        }

        return list;
    }

    /// <summary>The object type of a class and key/certificate type, or null when this token does not support it.</summary>
    public static ObjectType? Find(ulong cls, ulong? subType) =>
        All.FirstOrDefault(t => t.Class == cls && (t.SubType is null || t.SubType == subType));

    /// <summary>The type of a stored (or complete) object, from its CKA_CLASS and CKA_KEY_TYPE / CKA_CERTIFICATE_TYPE.</summary>
    public static ObjectType Of(AttributeSet obj)
    {
        var cls = obj.GetULong(CKA.CLASS) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_CLASS missing");
        var sub = SubTypeOf(cls, obj);
        return Find(cls, sub) ?? throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, $"unsupported object class 0x{cls:X} / type 0x{sub:X}");
    }

    internal static ulong? SubTypeOf(ulong cls, AttributeSet obj) => cls switch
    {
        CKO.CERTIFICATE => obj.GetULong(CKA.CERTIFICATE_TYPE),
        CKO.HW_FEATURE => obj.GetULong(CKA.HW_FEATURE_TYPE),
        CKO.PUBLIC_KEY or CKO.PRIVATE_KEY or CKO.SECRET_KEY or CKO.DOMAIN_PARAMETERS => obj.GetULong(CKA.KEY_TYPE),
        _ => null,
    };

    internal static ulong SubTypeAttribute(ulong cls) => cls switch
    {
        CKO.CERTIFICATE => CKA.CERTIFICATE_TYPE,
        CKO.HW_FEATURE => CKA.HW_FEATURE_TYPE,
        _ => CKA.KEY_TYPE,
    };

    private static void CheckSecretValue(AttributeSet a)
    {
        if (a.Get(CKA.VALUE) is { } v)
        {
            if (v.Length == 0) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "empty secret key value");
            if (a.GetULong(CKA.VALUE_LEN) is { } len && len != (ulong)v.Length)
                throw new CkException(CKR.TEMPLATE_INCONSISTENT, "CKA_VALUE_LEN does not match CKA_VALUE");
            var kt = a.GetULong(CKA.KEY_TYPE) ?? CKK.GENERIC_SECRET;
            if (SecretLengths(kt) is { } lengths && !lengths.Contains(v.Length))
                throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, $"a key of type 0x{kt:X} must be {string.Join(" or ", lengths)} bytes long");
            // IEEE 1619 §5.1 / SP 800-38E: the two halves of an XTS key must differ.
            if (kt == CKK.AES_XTS && v.AsSpan(0, v.Length / 2).SequenceEqual(v.AsSpan(v.Length / 2)))
                throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "the halves of an AES-XTS key must differ");
        }
    }

    private static void CompleteSecret(AttributeSet a)
    {
        if (a.Get(CKA.VALUE) is { } v) a.SetULong(CKA.VALUE_LEN, (ulong)v.Length);
    }

    private static void CheckRsaPublic(AttributeSet a)
    {
        if (a.Get(CKA.MODULUS) is { } n)
        {
            if (BitLength(n) == 0) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "empty RSA modulus");
            if (a.GetULong(CKA.MODULUS_BITS) is { } bits && bits != (ulong)BitLength(n))
                throw new CkException(CKR.TEMPLATE_INCONSISTENT, "CKA_MODULUS_BITS does not match CKA_MODULUS");
        }

        if (a.Get(CKA.PUBLIC_EXPONENT) is { } e && BitLength(e) == 0)
            throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "empty RSA public exponent");
    }

    private static void CheckRsaPrivate(AttributeSet a)
    {
        if (a.Get(CKA.MODULUS) is { } n && BitLength(n) == 0) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "empty RSA modulus");
        if (a.Get(CKA.PRIVATE_EXPONENT) is { } d && BitLength(d) == 0) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "empty RSA private exponent");
    }

    private static void CompleteRsaPublic(AttributeSet a)
    {
        if (a.Get(CKA.MODULUS) is { } n) a.SetULong(CKA.MODULUS_BITS, (ulong)BitLength(n));
    }

    /// <summary>CKA_PUBLIC_KEY_INFO (§4.8): the DER SubjectPublicKeyInfo of an RSA key, unless the creator gave one.</summary>
    private static void CompleteRsaPublicKeyInfo(AttributeSet a)
    {
        if (a.Get(CKA.PUBLIC_KEY_INFO) is { Length: > 0 } || a.Get(CKA.MODULUS) is not { Length: > 0 } n
            || a.Get(CKA.PUBLIC_EXPONENT) is not { Length: > 0 } e) return;
        using var rsa = System.Security.Cryptography.RSA.Create(new System.Security.Cryptography.RSAParameters { Modulus = n, Exponent = e });
        a.Set(CKA.PUBLIC_KEY_INFO, rsa.ExportSubjectPublicKeyInfo());
    }

    /// <summary>
    /// CKA_PUBLIC_KEY_INFO of an EC public key: SEQUENCE { SEQUENCE { id-ecPublicKey, CKA_EC_PARAMS }, BIT STRING point },
    /// the point taken from the DER OCTET STRING of CKA_EC_POINT (or the raw point), unless the creator gave one.
    /// </summary>
    private static void CompleteEcPublicKeyInfo(AttributeSet a)
    {
        if (a.Get(CKA.PUBLIC_KEY_INFO) is { Length: > 0 } || a.Get(CKA.EC_PARAMS) is not { Length: > 1 } parameters
            || a.Get(CKA.EC_POINT) is not { Length: > 0 } encoded) return;
        var point = encoded;
        try
        {
            if (System.Formats.Asn1.AsnDecoder.TryReadPrimitiveOctetString(encoded, System.Formats.Asn1.AsnEncodingRules.DER, out var inner, out var consumed)
                && consumed == encoded.Length) point = inner.ToArray();
        }
        catch (System.Formats.Asn1.AsnContentException)
        {
            // A raw point (04 || X || Y) whose first bytes do not make a DER OCTET STRING.
        }

        try
        {
            var w = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
            using (w.PushSequence())
            {
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier("1.2.840.10045.2.1");
                    w.WriteEncodedValue(parameters);
                }

                w.WriteBitString(point);
            }

            a.Set(CKA.PUBLIC_KEY_INFO, w.Encode());
        }
        catch (ArgumentException)
        {
            // CKA_EC_PARAMS that is not one DER value: no CKA_PUBLIC_KEY_INFO (CheckEcParams keeps such keys storable).
        }
    }

    private static void CheckEcParams(AttributeSet a)
    {
        // Any well-formed ECParameters may be stored; only the operations need a supported curve.
        if (a.Get(CKA.EC_PARAMS) is { } p && p.Length < 2) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "CKA_EC_PARAMS is not DER");
    }

    /// <summary>Bit length of an unsigned big-endian integer.</summary>
    public static int BitLength(ReadOnlySpan<byte> bigEndian)
    {
        var i = 0;
        while (i < bigEndian.Length && bigEndian[i] == 0) i++;
        if (i == bigEndian.Length) return 0;
        return (bigEndian.Length - i - 1) * 8 + (32 - BitOperations.LeadingZeroCount((uint)bigEndian[i]));
    }
}
