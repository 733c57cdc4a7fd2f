namespace OpenCryptokiActors.Tokens.Objects;

/// <summary>
/// What the specification says about one attribute of one object class. The numbers in the comments are the
/// footnotes of PKCS#11 v3.0 §4.2 "Common footnotes for object attribute tables" (Table 10), which every
/// object table refers to (SoftHSM names them ck1..ck17, kryoptic has OAFlags).
/// </summary>
[Flags]
public enum AttrFlags
{
    None = 0,

    /// <summary>Footnote 1: must be specified when the object is created with C_CreateObject (CKR_TEMPLATE_INCOMPLETE).</summary>
    RequiredOnCreate = 1 << 0,

    /// <summary>Footnote 2: must not be specified with C_CreateObject (CKR_ATTRIBUTE_READ_ONLY): set by the token.</summary>
    MustNotBeSpecifiedOnCreate = 1 << 1,

    /// <summary>Footnote 3: must be specified when generated with C_GenerateKey/C_GenerateKeyPair (CKR_TEMPLATE_INCOMPLETE).</summary>
    RequiredOnGenerate = 1 << 2,

    /// <summary>Footnote 4: must not be specified when generated (or derived): produced by the mechanism or the token.</summary>
    MustNotBeSpecifiedOnGenerate = 1 << 3,

    /// <summary>Footnote 6: must not be specified when unwrapped with C_UnwrapKey: comes from the wrapped encoding or the token.</summary>
    MustNotBeSpecifiedOnUnwrap = 1 << 4,

    /// <summary>Footnote 7: cannot be revealed when the object has CKA_SENSITIVE TRUE or CKA_EXTRACTABLE FALSE
    /// (CKR_ATTRIBUTE_SENSITIVE); also encrypted at rest whatever CKA_SENSITIVE says.</summary>
    Sensitive = 1 << 5,

    /// <summary>No footnote 8: cannot be changed by C_SetAttributeValue once the object exists (CKR_ATTRIBUTE_READ_ONLY).</summary>
    ReadOnlyAfterCreate = 1 << 6,

    /// <summary>§4.4 Table 14 / §4.6: may be changed while copying (C_CopyObject) even though C_SetAttributeValue cannot change it
    /// (CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE, CKA_COPYABLE, CKA_DESTROYABLE).</summary>
    ChangeOnCopy = 1 << 7,

    /// <summary>Footnote 11: once TRUE it cannot be changed back to FALSE (CKA_SENSITIVE, CKA_WRAP_WITH_TRUSTED).</summary>
    ChangeToTrueOnly = 1 << 8,

    /// <summary>Footnote 12: once FALSE it cannot be changed back to TRUE (CKA_EXTRACTABLE; CKA_MODIFIABLE/CKA_COPYABLE on copy).</summary>
    ChangeToFalseOnly = 1 << 9,

    /// <summary>Footnote 10: can only be set to TRUE by the SO user (CKA_TRUSTED).</summary>
    SoOnly = 1 << 10,

    /// <summary>Footnote 2 for values the token computes from others on create (CKA_VALUE_LEN, CKA_MODULUS_BITS): a template
    /// may restate it, but it must agree with the computed value (CKR_TEMPLATE_INCONSISTENT).</summary>
    Computed = 1 << 11,

    /// <summary>Set by the token, never by a template: footnotes 2, 4 and 6 together, and read-only
    /// (CKA_LOCAL, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, CKA_KEY_GEN_MECHANISM, CKA_UNIQUE_ID).</summary>
    TokenSet = MustNotBeSpecifiedOnCreate | MustNotBeSpecifiedOnGenerate | MustNotBeSpecifiedOnUnwrap | ReadOnlyAfterCreate,
}

/// <summary>How an attribute's value is encoded (checked with CKR_ATTRIBUTE_VALUE_INVALID).</summary>
public enum AttrKind
{
    /// <summary>Byte string of any length (labels are UTF-8 but not checked).</summary>
    Bytes,

    /// <summary>CK_BBOOL: exactly one byte.</summary>
    Bool,

    /// <summary>CK_ULONG: exactly eight bytes (LP64).</summary>
    ULong,

    /// <summary>CK_DATE: empty or eight ASCII digits YYYYMMDD.</summary>
    Date,

    /// <summary>Array of CK_ULONG (CKA_ALLOWED_MECHANISMS): a multiple of eight bytes.</summary>
    ULongArray,

    /// <summary>Attribute array (CKA_WRAP_TEMPLATE ...): kept as the flattened wire bytes.</summary>
    Template,
}

/// <summary>One attribute in an object type's table.</summary>
public sealed record AttrDef(ulong Type, AttrKind Kind, AttrFlags Flags = AttrFlags.None, byte[]? Default = null)
{
    public bool Has(AttrFlags f) => (Flags & f) == f;
}

/// <summary>How an object came to be: selects footnotes 3/4 vs 5/6 and the CKA_LOCAL / CKA_ALWAYS_SENSITIVE rules.</summary>
public enum ObjectOrigin
{
    Generate,
    GenerateKeyPair,
    Unwrap,
    Derive,
}

/// <summary>The result of reading one attribute (C_GetAttributeValue's per-attribute rule).</summary>
public readonly record struct AttributeRead(ulong Rv, byte[]? Value);
