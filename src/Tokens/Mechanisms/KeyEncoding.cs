using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Mechanisms.Ec;
using OpenCryptokiActors.Tokens.Mechanisms.Rsa;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.Mechanisms;

/// <summary>
/// The byte encoding of a key that C_WrapKey encrypts and C_UnwrapKey decrypts: a secret key's CKA_VALUE, or an
/// RSA/EC private key as PKCS#8 PrivateKeyInfo DER.
/// </summary>
public static class KeyEncoding
{
    public static byte[] Encode(AttributeSet key)
    {
        var cls = key.GetULong(CKA.CLASS);
        var kt = key.GetULong(CKA.KEY_TYPE);
        switch (cls, kt)
        {
            case (CKO.SECRET_KEY, _):
                return (byte[])(key.Get(CKA.VALUE) ?? throw new CkException(CKR.KEY_NOT_WRAPPABLE, "secret key without value")).Clone();
            case (CKO.PRIVATE_KEY, CKK.RSA):
            {
                using var rsa = RsaKeys.ToRsa(key);
                return rsa.ExportPkcs8PrivateKey();
            }

            case (CKO.PRIVATE_KEY, CKK.EC):
            {
                using var ec = EcKeys.ToEcdsa(key);
                return ec.ExportPkcs8PrivateKey();
            }

            default:
                throw new CkException(CKR.KEY_NOT_WRAPPABLE, $"keys of class 0x{cls:X} type 0x{kt:X} cannot be wrapped");
        }
    }

    /// <summary>
    /// The attributes an unwrapped <paramref name="encoding"/> produces for a key of class <paramref name="cls"/> and
    /// type <paramref name="keyType"/> (CKR_WRAPPED_KEY_INVALID when it is not such a key). For secret keys a
    /// CKA_VALUE_LEN in <paramref name="template"/> selects the leading bytes (a padded encoding), or with
    /// <paramref name="fromEnd"/> (raw RSA, whose block is the key preceded by zeros) the trailing bytes; there a key type
    /// of one length (DES 8, DES2 16, DES3 24, ChaCha20/Poly1305 32 bytes: PKCS#11 3.0 §6) fixes it without CKA_VALUE_LEN.
    /// </summary>
    public static AttributeSet Decode(ulong cls, ulong keyType, byte[] encoding, AttributeSet template, bool fromEnd = false)
    {
        switch (cls, keyType)
        {
            case (CKO.SECRET_KEY, _):
            {
                if (!ObjectTypes.SecretKeyTypes.Contains(keyType)) throw new CkException(CKR.TEMPLATE_INCONSISTENT, $"unsupported secret key type 0x{keyType:X}");
                var value = encoding;
                ulong? len = template.GetULong(CKA.VALUE_LEN);
                if (len is null && fromEnd && ObjectTypes.SecretLengths(keyType) is [var only]) len = (ulong)only;
                if (len is { } l)
                {
                    if (l == 0 || l > (ulong)encoding.Length) throw new CkException(CKR.WRAPPED_KEY_INVALID, "wrapped key shorter than CKA_VALUE_LEN");
                    value = fromEnd ? encoding[^(int)l..] : encoding[..(int)l];
                }

                if (value.Length == 0 || (ObjectTypes.SecretLengths(keyType) is { } lengths && !lengths.Contains(value.Length)))
                    throw new CkException(CKR.WRAPPED_KEY_INVALID, "wrapped key has the wrong length");
                var a = new AttributeSet();
                a.SetULong(CKA.CLASS, cls);
                a.SetULong(CKA.KEY_TYPE, keyType);
                a.Set(CKA.VALUE, (byte[])value.Clone());
                return a;
            }

            case (CKO.PRIVATE_KEY, CKK.RSA):
            {
                using var rsa = RSA.Create();
                try
                {
                    rsa.ImportPkcs8PrivateKey(encoding, out var read);
                    if (read != encoding.Length) throw new CkException(CKR.WRAPPED_KEY_INVALID, "trailing data after the key");
                    return RsaKeys.PrivateAttributes(rsa.ExportParameters(true));
                }
                catch (CryptographicException)
                {
                    throw new CkException(CKR.WRAPPED_KEY_INVALID, "not an RSA PKCS#8 private key");
                }
            }

            case (CKO.PRIVATE_KEY, CKK.EC):
            {
                ECParameters p;
                using (var ec = ECDsa.Create())
                {
                    try
                    {
                        ec.ImportPkcs8PrivateKey(encoding, out var read);
                        if (read != encoding.Length) throw new CkException(CKR.WRAPPED_KEY_INVALID, "trailing data after the key");
                        p = ec.ExportParameters(true);
                    }
                    catch (CryptographicException)
                    {
                        throw new CkException(CKR.WRAPPED_KEY_INVALID, "not an EC PKCS#8 private key");
                    }
                }

                var curve = EcCurves.FromCurve(p.Curve) ?? throw new CkException(CKR.CURVE_NOT_SUPPORTED);
                var a = new AttributeSet();
                a.SetULong(CKA.CLASS, cls);
                a.SetULong(CKA.KEY_TYPE, CKK.EC);
                a.Set(CKA.EC_PARAMS, curve.EcParams);
                a.Set(CKA.VALUE, EcCurves.LeftPad(p.D!, curve.FieldBytes));
                return a;
            }

            default:
                throw new CkException(CKR.TEMPLATE_INCONSISTENT, $"cannot unwrap keys of class 0x{cls:X} type 0x{keyType:X}");
        }
    }
}
