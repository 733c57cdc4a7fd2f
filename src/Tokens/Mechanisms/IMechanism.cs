using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.Mechanisms;

/// <summary>CK_MECHANISM_INFO: key size range (bits or bytes, as the spec says per mechanism) and CKF_ flags.</summary>
public readonly record struct MechanismInfo(ulong MinKeySize, ulong MaxKeySize, ulong Flags);

/// <summary>
/// One mechanism family. Every operation defaults to CKR_MECHANISM_INVALID, so a family implements only
/// what it supports. <paramref name="parameter"/> is the canonical wire form (Cryptoki.Wire.MechanismParams).
/// Keys are the full decrypted attribute set of the key object; the session has already checked the usage
/// flag (CKA_SIGN ...), CKA_ALLOWED_MECHANISMS and the CKF_ flag of the mechanism. The mechanism checks key
/// type (CKR_KEY_TYPE_INCONSISTENT), key size (CKR_KEY_SIZE_RANGE) and parameters (CKR_MECHANISM_PARAM_INVALID).
/// Failures are thrown as CkException.
/// </summary>
public interface IMechanism
{
    ICipherOperation CreateEncrypt(ulong mechanism, byte[]? parameter, AttributeSet key) => throw Invalid();

    ICipherOperation CreateDecrypt(ulong mechanism, byte[]? parameter, AttributeSet key) => throw Invalid();

    ISignOperation CreateSign(ulong mechanism, byte[]? parameter, AttributeSet key) => throw Invalid();

    IVerifyOperation CreateVerify(ulong mechanism, byte[]? parameter, AttributeSet key) => throw Invalid();

    /// <summary>C_SignRecover: single-part, returns the signature.</summary>
    IRecoverOperation CreateSignRecover(ulong mechanism, byte[]? parameter, AttributeSet key) => throw Invalid();

    /// <summary>C_VerifyRecover: single-part, takes the signature and returns the recovered data.</summary>
    IRecoverOperation CreateVerifyRecover(ulong mechanism, byte[]? parameter, AttributeSet key) => throw Invalid();

    IDigestOperation CreateDigest(ulong mechanism, byte[]? parameter) => throw Invalid();

    /// <summary>
    /// C_GenerateKey: returns the attributes the mechanism produces (CKA_CLASS, CKA_KEY_TYPE, CKA_VALUE,
    /// CKA_VALUE_LEN ...). <paramref name="template"/> is the caller's template (e.g. CKA_VALUE_LEN).
    /// </summary>
    AttributeSet GenerateKey(ulong mechanism, byte[]? parameter, AttributeSet template) => throw Invalid();

    /// <summary>C_GenerateKeyPair: the produced public and private attributes (modulus, EC point, CKA_VALUE ...).</summary>
    (AttributeSet Public, AttributeSet Private) GenerateKeyPair(ulong mechanism, byte[]? parameter, AttributeSet publicTemplate, AttributeSet privateTemplate) => throw Invalid();

    /// <summary>C_WrapKey: encrypts <paramref name="keyEncoding"/> (KeyEncoding.Encode of the key to wrap).</summary>
    byte[] Wrap(ulong mechanism, byte[]? parameter, AttributeSet wrappingKey, byte[] keyEncoding) => throw Invalid();

    /// <summary>C_UnwrapKey: decrypts a wrapped key to its encoding (turned into attributes by KeyEncoding.Decode).</summary>
    byte[] Unwrap(ulong mechanism, byte[]? parameter, AttributeSet unwrappingKey, byte[] wrapped) => throw Invalid();

    /// <summary>
    /// Whether an unwrapped secret key is the end of <see cref="Unwrap"/>'s output rather than its beginning: raw RSA
    /// (CKM_RSA_X_509) decrypts to a block of modulus length whose leading bytes are zeros.
    /// </summary>
    bool UnwrapsFromEnd(ulong mechanism) => false;

    /// <summary>C_DeriveKey: the produced attributes of the new key (CKA_VALUE, CKA_CLASS, CKA_KEY_TYPE ...).</summary>
    AttributeSet Derive(ulong mechanism, byte[]? parameter, AttributeSet baseKey, AttributeSet template) => throw Invalid();

    /// <summary>C_DeriveKey of a mechanism whose parameter names a second key (CKM_CONCATENATE_BASE_AND_KEY), resolved by the token.</summary>
    AttributeSet DeriveWithKey(ulong mechanism, byte[]? parameter, AttributeSet baseKey, AttributeSet otherKey, AttributeSet template) => throw Invalid();

    /// <summary>
    /// C_DeriveKey in full: the objects to store (each with the caller's template it is validated against; their handles
    /// are answered in this order) and bytes the module writes back into the caller's parameter (a CK_VERSION, IVs).
    /// Mechanisms that make one key implement <see cref="Derive"/> only.
    /// </summary>
    DerivedObjects DeriveAll(ulong mechanism, byte[]? parameter, AttributeSet baseKey, AttributeSet template) =>
        new([new DerivedObject(template, Derive(mechanism, parameter, baseKey, template))], null);

    /// <summary>
    /// C_EncapsulateKey (PKCS#11 3.2): a fresh shared secret, made a secret key as <paramref name="template"/> asks
    /// (class, type, CKA_VALUE_LEN as for a derived key), and the ciphertext that carries it to the private key's holder.
    /// </summary>
    (byte[] Ciphertext, AttributeSet Key) Encapsulate(ulong mechanism, byte[]? parameter, AttributeSet publicKey, AttributeSet template) => throw Invalid();

    /// <summary>C_DecapsulateKey (PKCS#11 3.2): the shared secret a ciphertext carries, as a secret key shaped by <paramref name="template"/>.</summary>
    AttributeSet Decapsulate(ulong mechanism, byte[]? parameter, AttributeSet privateKey, byte[] ciphertext, AttributeSet template) => throw Invalid();

    private static CkException Invalid() => new(CKR.MECHANISM_INVALID);
}

/// <summary>One object a derivation makes: the caller's template for it and the attributes the mechanism produced.</summary>
public sealed record DerivedObject(AttributeSet Template, AttributeSet Produced);

/// <summary>What C_DeriveKey makes: the objects in handle order, and output bytes for the caller's parameter (or null).</summary>
public sealed record DerivedObjects(IReadOnlyList<DerivedObject> Objects, byte[]? Output);

/// <summary>Encryption or decryption in progress. Outputs may be empty (data is buffered until a block or Final).</summary>
public interface ICipherOperation
{
    byte[] OneShot(ReadOnlySpan<byte> input);

    byte[] Update(ReadOnlySpan<byte> input);

    byte[] Final();
}

public interface ISignOperation
{
    byte[] OneShot(ReadOnlySpan<byte> data);

    void Update(ReadOnlySpan<byte> data);

    byte[] Final();
}

/// <summary>Verification: returns false for a wrong signature (CKR_SIGNATURE_INVALID); throws CKR_SIGNATURE_LEN_RANGE for a wrong length.</summary>
public interface IVerifyOperation
{
    bool OneShot(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);

    void Update(ReadOnlySpan<byte> data);

    bool Final(ReadOnlySpan<byte> signature);
}

public interface IRecoverOperation
{
    byte[] OneShot(ReadOnlySpan<byte> input);
}

public interface IDigestOperation
{
    byte[] OneShot(ReadOnlySpan<byte> data);

    void Update(ReadOnlySpan<byte> data);

    byte[] Final();
}
