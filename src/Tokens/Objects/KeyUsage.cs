using OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Tokens.Objects;

/// <summary>
/// Key rules that need no mechanism: wrapping permissions, the templates a key imposes, its size in mechanism-info units.
/// The pre-init checks against a mechanism are Mechanisms.KeyCheck, beside the registry that states the mechanism's facts.
/// </summary>
public static class KeyUsage
{
    /// <summary>
    /// C_WrapKey: the key to wrap must be extractable (CKR_KEY_UNEXTRACTABLE); a CKA_WRAP_WITH_TRUSTED key can only be
    /// wrapped by a CKA_TRUSTED wrapping key (CKR_KEY_NOT_WRAPPABLE).
    /// </summary>
    public static void CheckWrap(AttributeSet wrappingKey, AttributeSet keyToWrap)
    {
        if (keyToWrap.GetBool(CKA.EXTRACTABLE) != true) throw new CkException(CKR.KEY_UNEXTRACTABLE, "key is not extractable");
        if (keyToWrap.IsTrue(CKA.WRAP_WITH_TRUSTED) && !wrappingKey.IsTrue(CKA.TRUSTED))
            throw new CkException(CKR.KEY_NOT_WRAPPABLE, "key can only be wrapped with a trusted key");
        // CKA_WRAP_TEMPLATE: the key to wrap must have every attribute of the template with the same value.
        if (NestedTemplate(wrappingKey, CKA.WRAP_TEMPLATE) is not { } required) return;
        foreach (var (type, value) in required)
        {
            if (!keyToWrap.TryGet(type, out var actual) || !actual.AsSpan().SequenceEqual(value))
                throw new CkException(CKR.KEY_NOT_WRAPPABLE, $"key does not match attribute 0x{type:X} of the wrapping key's CKA_WRAP_TEMPLATE");
        }
    }

    /// <summary>
    /// C_UnwrapKey and C_DeriveKey: the CKA_UNWRAP_TEMPLATE of the unwrapping key or the CKA_DERIVE_TEMPLATE of the base
    /// key (<paramref name="templateType"/>) joins the caller's template; an attribute the caller gives another value is
    /// CKR_TEMPLATE_INCONSISTENT. Returns the caller's template when the key has none.
    /// </summary>
    public static AttributeSet ApplyKeyTemplate(AttributeSet callerTemplate, AttributeSet key, ulong templateType)
    {
        if (NestedTemplate(key, templateType) is not { } imposed) return callerTemplate;
        var result = callerTemplate.Clone();
        foreach (var (type, value) in imposed)
        {
            if (callerTemplate.TryGet(type, out var given) && !given.AsSpan().SequenceEqual(value))
                throw new CkException(CKR.TEMPLATE_INCONSISTENT, $"attribute 0x{type:X} conflicts with the key's template 0x{templateType:X}");
            result.Set(type, value);
        }

        return result;
    }

    /// <summary>The attributes of a key's CKA_WRAP_TEMPLATE / CKA_UNWRAP_TEMPLATE / CKA_DERIVE_TEMPLATE (stored as a wire <c>template</c>), or null.</summary>
    public static AttributeSet? NestedTemplate(AttributeSet key, ulong templateType)
    {
        if (!key.TryGet(templateType, out var value) || value.Length == 0) return null;
        try
        {
            var r = new Cryptoki.Wire.WireReader(value);
            var template = AttributeSet.FromTemplate(r.ReadTemplate());
            r.ExpectEnd();
            return template;
        }
        catch (Cryptoki.Wire.WireFormatException)
        {
            throw new CkException(CKR.GENERAL_ERROR, $"stored attribute 0x{templateType:X} is malformed");
        }
    }

    /// <summary>
    /// The key size in the unit mechanism infos use for it: bits for RSA (modulus) and EC (curve order size),
    /// bytes for secret keys (CKA_VALUE_LEN or the value's length), the CKP_ parameter set for ML-DSA/ML-KEM/SLH-DSA (PKCS#11 3.2). 0 when unknown (e.g. an unsupported curve).
    /// </summary>
    public static ulong KeySize(AttributeSet key)
    {
        var cls = key.GetULong(CKA.CLASS);
        var kt = key.GetULong(CKA.KEY_TYPE);
        if (cls == CKO.SECRET_KEY)
            return key.GetULong(CKA.VALUE_LEN) ?? (ulong)(key.Get(CKA.VALUE)?.Length ?? 0);
        return kt switch
        {
            CKK.RSA => (ulong)ObjectTypes.BitLength(key.Get(CKA.MODULUS) ?? []),
            CKK.EC => (ulong)(key.Get(CKA.EC_PARAMS) is { } p && EcCurves.TryFromParams(p) is { } c ? c.Bits : 0),
            CKK.DSA or CKK.DH => (ulong)ObjectTypes.BitLength(key.Get(CKA.PRIME) ?? []),
            CKK.ML_DSA or CKK.ML_KEM or CKK.SLH_DSA => key.GetULong(CKA.PARAMETER_SET) ?? 0,
            CKK.EC_EDWARDS or CKK.EC_MONTGOMERY =>
                (ulong)(key.Get(CKA.EC_PARAMS) is { } p && CfrgCurves.TryFromParams(p) is { } c ? c.Bits : 0),
            _ => 0,
        };
    }
}
