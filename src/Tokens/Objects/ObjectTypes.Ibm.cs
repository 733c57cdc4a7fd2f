using OpenCryptokiActors.Cryptoki.Pkcs11;
using static OpenCryptokiActors.Tokens.Objects.AttrFlags;
using K = OpenCryptokiActors.Tokens.Objects.AttrKind;

namespace OpenCryptokiActors.Tokens.Objects;

public static partial class ObjectTypes
{
    /// <summary>
    /// openCryptoki's IBM vendor attributes that its soft token accepts on every key (usr/lib/common/key.c,
    /// key_object_set_default_attributes / key_object_validate_attribute), so that templates written for openCryptoki work
    /// unchanged. The EP11-only ones (CKA_IBM_NEVER_MODIFIABLE, CKA_IBM_STD_COMPLIANCE1, CKA_IBM_RESTRICTABLE ...) stay
    /// CKR_ATTRIBUTE_TYPE_INVALID, as in openCryptoki's soft token.
    /// </summary>
    private static IEnumerable<AttrDef> IbmKey() =>
    [
        // Any value when the key is made; afterwards (set, copy) only FALSE. Default FALSE.
        B(CKA.IBM_PROTKEY_EXTRACTABLE, false, ChangeToFalseOnly),
        // Kept by the token like CKA_NEVER_EXTRACTABLE: TRUE while CKA_IBM_PROTKEY_EXTRACTABLE has never been TRUE.
        new(CKA.IBM_PROTKEY_NEVER_EXTRACTABLE, K.Bool, TokenSet),
        // Chosen when the key is made, fixed afterwards. openCryptoki sets no default; here FALSE, so that reading them answers.
        B(CKA.IBM_ATTRBOUND, false, ReadOnlyAfterCreate),
        B(CKA.IBM_USE_AS_DATA, false, ReadOnlyAfterCreate),
    ];

    /// <summary>
    /// CKA_IBM_PROTKEY_NEVER_EXTRACTABLE of a new key: FALSE once CKA_IBM_PROTKEY_EXTRACTABLE is TRUE; a derived key keeps it
    /// only if its base key had it (the rule of CKA_NEVER_EXTRACTABLE, PKCS#11 3.0 §5.18.6).
    /// </summary>
    internal static void SetProtectedKeyHistory(AttributeSet key, AttributeSet? baseKey)
    {
        if (!Of(key).Attributes.ContainsKey(CKA.IBM_PROTKEY_NEVER_EXTRACTABLE)) return;
        var never = !key.IsTrue(CKA.IBM_PROTKEY_EXTRACTABLE) && (baseKey is null || baseKey.GetBool(CKA.IBM_PROTKEY_NEVER_EXTRACTABLE) != false);
        key.SetBool(CKA.IBM_PROTKEY_NEVER_EXTRACTABLE, never);
    }
}
