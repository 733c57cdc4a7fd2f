using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.Policy;

/// <summary>A slot's key-management policy (HOCON <c>key-management</c> of a slot).</summary>
public enum KeyManagement
{
    /// <summary>The default: the key-management attacks on PKCS#11 tokens (Tookan set) are refused.</summary>
    Strict,

    /// <summary>The bare PKCS#11 rules: dual-use and imported keys wrap anything extractable.</summary>
    Permissive,
}

/// <summary>
/// The rules of <see cref="KeyManagement.Strict"/>, against the key-management attacks of Bortolozzo, Centenaro,
/// Focardi and Steel ("Attacking and fixing PKCS#11 security tokens", CCS 2010) and Clulow (2003). They guard
/// sensitive keys (CKA_SENSITIVE TRUE): a key that is not sensitive can be read with C_GetAttributeValue anyway, so
/// wrapping it gives nothing away and is left to the plain PKCS#11 rules.
/// <list type="bullet">
/// <item>C_WrapKey of a sensitive key (<see cref="CheckWrap"/>): the wrapping key must be CKA_TRUSTED (the SO vouches
/// for it) or a secret key that nobody knows and that cannot read what it wraps: generated on the token (CKA_LOCAL),
/// CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE (no imported "trojan" key, no copy of it outside the token that
/// could come back with other attributes), without CKA_DECRYPT (wrap/decrypt), and with CKA_UNWRAP only when its
/// CKA_UNWRAP_TEMPLATE makes every unwrapped key CKA_SENSITIVE (wrap/unwrap into a readable key). A public wrapping
/// key must be trusted: whoever holds its private key decrypts the result (on or off this token). The wrapping key
/// must be at least as strong as the key it wraps (<see cref="KeyStrength"/>, SP 800-57: no re-import under a
/// weaker key). CKR_KEY_NOT_WRAPPABLE.</item>
/// <item>C_SetAttributeValue and C_CopyObject (<see cref="CheckChange"/>): a key cannot become both a wrapping and a
/// decrypting key, nor both an unwrapping and an encrypting key (CKR_TEMPLATE_INCONSISTENT); a key that may wrap
/// sensitive keys (generated, always sensitive, never extractable) never gains CKA_DECRYPT or CKA_UNWRAP and keeps
/// its CKA_UNWRAP_TEMPLATE (CKR_ATTRIBUTE_READ_ONLY), so that what it wrapped while it had one set of roles cannot
/// be read back after a change. CKA_SENSITIVE (only to TRUE), CKA_EXTRACTABLE (only to FALSE),
/// CKA_WRAP_WITH_TRUSTED (only to TRUE) and CKA_TRUSTED (SO only) are sticky in either mode (PKCS#11 footnotes).</item>
/// </list>
/// Not covered: a private key whose public half the SO trusted can unwrap what that public key wrapped into a readable
/// key; give such private keys a CKA_UNWRAP_TEMPLATE with CKA_SENSITIVE TRUE or no CKA_UNWRAP.
/// </summary>
public static class KeyManagementPolicy
{
    /// <summary>The HOCON value: <c>strict</c> or <c>permissive</c>; null for anything else.</summary>
    public static KeyManagement? Parse(string value) => value.Trim().ToLowerInvariant() switch
    {
        "strict" => KeyManagement.Strict,
        "permissive" => KeyManagement.Permissive,
        _ => null,
    };

    /// <summary>C_WrapKey under <see cref="KeyManagement.Strict"/>: throws CKR_KEY_NOT_WRAPPABLE when <paramref name="wrappingKey"/> may not wrap <paramref name="keyToWrap"/>.</summary>
    public static void CheckWrap(KeyManagement mode, AttributeSet wrappingKey, AttributeSet keyToWrap)
    {
        if (mode == KeyManagement.Permissive || !keyToWrap.IsTrue(CKA.SENSITIVE)) return;
        if (WrapRefusal(wrappingKey, keyToWrap) is { } reason)
            throw new CkException(CKR.KEY_NOT_WRAPPABLE, $"key-management = strict: {reason}");
    }

    /// <summary>Why <paramref name="wrappingKey"/> may not wrap the sensitive <paramref name="keyToWrap"/>, or null when it may.</summary>
    public static string? WrapRefusal(AttributeSet wrappingKey, AttributeSet keyToWrap)
    {
        var wrapping = KeyStrength.Class(wrappingKey);
        var wrapped = KeyStrength.Class(keyToWrap);
        if (wrapped > 0 && wrapping < wrapped)
            return $"the wrapping key (strength {wrapping}) is weaker than the key to wrap (strength {wrapped})";
        if (wrappingKey.IsTrue(CKA.TRUSTED)) return null;
        if (wrappingKey.GetULong(CKA.CLASS) != CKO.SECRET_KEY)
            return "a sensitive key is wrapped under a public key only when that key is CKA_TRUSTED (its private key decrypts the result)";
        if (wrappingKey.IsTrue(CKA.DECRYPT))
            return "the wrapping key can also decrypt (CKA_DECRYPT), which would reveal the wrapped key";
        if (!NeverKnown(wrappingKey))
            return "the wrapping key was not generated on the token as always sensitive and never extractable (CKA_LOCAL, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE)";
        if (wrappingKey.IsTrue(CKA.UNWRAP) && !UnwrapsOnlySensitive(wrappingKey))
            return "the wrapping key can also unwrap into a readable key (CKA_UNWRAP without a CKA_UNWRAP_TEMPLATE holding CKA_SENSITIVE TRUE)";
        return null;
    }

    /// <summary>
    /// C_SetAttributeValue (<paramref name="before"/> = the object, <paramref name="after"/> = the result) and
    /// C_CopyObject (the source and the copy) under <see cref="KeyManagement.Strict"/>.
    /// </summary>
    public static void CheckChange(KeyManagement mode, AttributeSet before, AttributeSet after)
    {
        if (mode == KeyManagement.Permissive) return;
        var cls = after.GetULong(CKA.CLASS);
        if (cls is not (CKO.SECRET_KEY or CKO.PRIVATE_KEY or CKO.PUBLIC_KEY)) return;
        if (Both(after, CKA.WRAP, CKA.DECRYPT) && !Both(before, CKA.WRAP, CKA.DECRYPT))
            throw new CkException(CKR.TEMPLATE_INCONSISTENT, "key-management = strict: a key cannot be made both a wrapping and a decrypting key");
        if (Both(after, CKA.UNWRAP, CKA.ENCRYPT) && !Both(before, CKA.UNWRAP, CKA.ENCRYPT))
            throw new CkException(CKR.TEMPLATE_INCONSISTENT, "key-management = strict: a key cannot be made both an unwrapping and an encrypting key");
        if (cls != CKO.SECRET_KEY || !NeverKnown(before)) return;
        foreach (var role in (ulong[])[CKA.DECRYPT, CKA.UNWRAP])
            if (after.IsTrue(role) && !before.IsTrue(role))
                throw new CkException(CKR.ATTRIBUTE_READ_ONLY, $"key-management = strict: a key that may wrap sensitive keys cannot gain attribute 0x{role:X}");
        if (!Same(before, after, CKA.UNWRAP_TEMPLATE))
            throw new CkException(CKR.ATTRIBUTE_READ_ONLY, "key-management = strict: the CKA_UNWRAP_TEMPLATE of a key that may wrap sensitive keys cannot change");
    }

    /// <summary>A key whose value no one outside the token ever had: generated here, always sensitive, never extractable.</summary>
    public static bool NeverKnown(AttributeSet key) =>
        key.IsTrue(CKA.LOCAL) && key.IsTrue(CKA.ALWAYS_SENSITIVE) && key.IsTrue(CKA.NEVER_EXTRACTABLE);

    /// <summary>True when the key's CKA_UNWRAP_TEMPLATE gives every key it unwraps CKA_SENSITIVE TRUE.</summary>
    public static bool UnwrapsOnlySensitive(AttributeSet key) =>
        KeyUsage.NestedTemplate(key, CKA.UNWRAP_TEMPLATE) is { } t && t.IsTrue(CKA.SENSITIVE);

    private static bool Both(AttributeSet key, ulong a, ulong b) => key.IsTrue(a) && key.IsTrue(b);

    private static bool Same(AttributeSet a, AttributeSet b, ulong type)
    {
        var hasA = a.TryGet(type, out var va);
        var hasB = b.TryGet(type, out var vb);
        return hasA == hasB && (!hasA || va.AsSpan().SequenceEqual(vb));
    }
}
