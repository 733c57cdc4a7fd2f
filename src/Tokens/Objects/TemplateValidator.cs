using OpenCryptokiActors.Cryptoki.Pkcs11;
using static OpenCryptokiActors.Tokens.Objects.AttrFlags;

namespace OpenCryptokiActors.Tokens.Objects;

/// <summary>
/// The one validator of object templates, driven by the declarative tables of <see cref="ObjectTypes"/>.
/// Every path that makes or changes an object goes through it: C_CreateObject (<see cref="ForCreate(AttributeSet)"/>),
/// C_GenerateKey(Pair)/C_UnwrapKey/C_DeriveKey (<see cref="ForGenerated(AttributeSet, AttributeSet, ObjectOrigin, ulong, AttributeSet?)"/>),
/// C_CopyObject (<see cref="ForCopy(AttributeSet, AttributeSet)"/>), C_SetAttributeValue (<see cref="ForSet(AttributeSet, AttributeSet)"/>);
/// and reading, matching and sizing objects. Inputs are never changed; results are new sets.
/// </summary>
public static class TemplateValidator
{
    private static readonly byte[] Empty = [];

    /// <summary>C_CreateObject from a user (not SO) session.</summary>
    public static AttributeSet ForCreate(AttributeSet template) => ForCreate(template, soSession: false);

    /// <summary>C_CreateObject: checks the template and returns the complete attribute set of the new object.</summary>
    public static AttributeSet ForCreate(AttributeSet template, bool soSession)
    {
        var type = TypeOfTemplate(template, template);
        if (type.Class is CKO.PROFILE or CKO.HW_FEATURE)
            throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "profile and hardware feature objects are provided by the token, not created");
        foreach (var (t, v) in template)
        {
            var def = Lookup(type, t);
            CheckValue(def, v);
            // footnote 2: set by the token, not by the creator (computed ones may be restated if they agree).
            if (def.Has(MustNotBeSpecifiedOnCreate) && !def.Has(Computed))
                throw new CkException(CKR.ATTRIBUTE_READ_ONLY, $"attribute 0x{t:X} cannot be specified on create");
            CheckSoOnly(def, v, soSession);
        }

        // footnote 1.
        foreach (var def in type.Attributes.Values)
            if (def.Has(RequiredOnCreate) && !template.Has(def.Type))
                throw new CkException(CKR.TEMPLATE_INCOMPLETE, $"attribute 0x{def.Type:X} is required");

        var result = template.Clone();
        FillDefaults(type, result);
        // A created key was not generated on the token: CKA_LOCAL FALSE, no key generation mechanism,
        // and no history of having been kept secret.
        SetIfDeclared(type, result, CKA.LOCAL, Attr.Bool(false));
        SetIfDeclared(type, result, CKA.KEY_GEN_MECHANISM, Attr.ULong(CK.UNAVAILABLE_INFORMATION));
        SetIfDeclared(type, result, CKA.ALWAYS_SENSITIVE, Attr.Bool(false));
        SetIfDeclared(type, result, CKA.NEVER_EXTRACTABLE, Attr.Bool(false));
        ObjectTypes.SetProtectedKeyHistory(result, null);
        CompleteAndCheck(type, template, result);
        return result;
    }

    /// <summary>C_GenerateKey(Pair), C_UnwrapKey, C_DeriveKey from a user (not SO) session.</summary>
    public static AttributeSet ForGenerated(AttributeSet template, AttributeSet produced, ObjectOrigin origin, ulong mechanism, AttributeSet? sourceKey) =>
        ForGenerated(template, produced, origin, mechanism, sourceKey, soSession: false);

    /// <summary>
    /// C_GenerateKey(Pair), C_UnwrapKey, C_DeriveKey: merges the caller's template with what the mechanism produced.
    /// <paramref name="sourceKey"/> is the base key of a derivation (for CKA_ALWAYS_SENSITIVE / CKA_NEVER_EXTRACTABLE).
    /// </summary>
    public static AttributeSet ForGenerated(AttributeSet template, AttributeSet produced, ObjectOrigin origin, ulong mechanism,
        AttributeSet? sourceKey, bool soSession)
    {
        var type = TypeOfTemplate(produced, template);
        var forbidden = origin == ObjectOrigin.Unwrap ? MustNotBeSpecifiedOnUnwrap : MustNotBeSpecifiedOnGenerate;
        foreach (var (t, v) in template)
        {
            var def = Lookup(type, t);
            CheckValue(def, v);
            var hasProduced = produced.TryGet(t, out var p);
            if (hasProduced && !p.AsSpan().SequenceEqual(v))
                throw new CkException(CKR.TEMPLATE_INCONSISTENT, $"attribute 0x{t:X} conflicts with the generated key");
            // footnotes 4 and 6: restating what the mechanism produced is harmless, anything else is not the caller's to set.
            if (def.Has(forbidden) && !hasProduced)
                throw new CkException(CKR.ATTRIBUTE_READ_ONLY, $"attribute 0x{t:X} cannot be specified here");
            CheckSoOnly(def, v, soSession);
        }

        // footnote 3.
        if (origin is ObjectOrigin.Generate or ObjectOrigin.GenerateKeyPair)
            foreach (var def in type.Attributes.Values)
                if (def.Has(RequiredOnGenerate) && !template.Has(def.Type) && !produced.Has(def.Type))
                    throw new CkException(CKR.TEMPLATE_INCOMPLETE, $"attribute 0x{def.Type:X} is required to generate");

        var result = template.Clone();
        foreach (var (t, v) in produced)
        {
            _ = Lookup(type, t);
            result.Set(t, (byte[])v.Clone());
        }

        foreach (var def in type.Attributes.Values)
            if (def.Has(RequiredOnCreate) && !result.Has(def.Type))
                throw new CkException(CKR.TEMPLATE_INCOMPLETE, $"attribute 0x{def.Type:X} is required");

        FillDefaults(type, result);
        var local = origin is ObjectOrigin.Generate or ObjectOrigin.GenerateKeyPair;
        SetIfDeclared(type, result, CKA.LOCAL, Attr.Bool(local));
        SetIfDeclared(type, result, CKA.KEY_GEN_MECHANISM, Attr.ULong(origin == ObjectOrigin.Unwrap ? CK.UNAVAILABLE_INFORMATION : mechanism));
        if (type.Attributes.ContainsKey(CKA.ALWAYS_SENSITIVE))
        {
            var sensitive = result.IsTrue(CKA.SENSITIVE);
            var extractable = result.IsTrue(CKA.EXTRACTABLE);
            var (alwaysSensitive, neverExtractable) = origin switch
            {
                // §4.9/§4.10: generated keys: ALWAYS_SENSITIVE = SENSITIVE, NEVER_EXTRACTABLE = !EXTRACTABLE.
                ObjectOrigin.Generate or ObjectOrigin.GenerateKeyPair => (sensitive, !extractable),
                // §5.18.6 C_DeriveKey: inherited from the base key, AND-ed with the new key's own values.
                ObjectOrigin.Derive => (sourceKey is not null && sourceKey.IsTrue(CKA.ALWAYS_SENSITIVE) && sensitive,
                    sourceKey is not null && sourceKey.IsTrue(CKA.NEVER_EXTRACTABLE) && !extractable),
                // §5.18.5 C_UnwrapKey: the value was outside the token, so both are FALSE.
                _ => (false, false),
            };
            result.SetBool(CKA.ALWAYS_SENSITIVE, alwaysSensitive);
            result.SetBool(CKA.NEVER_EXTRACTABLE, neverExtractable);
        }

        ObjectTypes.SetProtectedKeyHistory(result, origin == ObjectOrigin.Derive ? sourceKey : null);

        CompleteAndCheck(type, template, result);
        return result;
    }

    /// <summary>C_CopyObject from a user (not SO) session.</summary>
    public static AttributeSet ForCopy(AttributeSet source, AttributeSet template) => ForCopy(source, template, soSession: false);

    /// <summary>
    /// C_CopyObject: the new object's attributes. Only attributes that can be modified (footnote 8) or that the
    /// spec lets a copy change (CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE→FALSE, CKA_COPYABLE→FALSE, CKA_DESTROYABLE)
    /// may differ from the source. CKA_UNIQUE_ID is removed: the token assigns a new one.
    /// </summary>
    public static AttributeSet ForCopy(AttributeSet source, AttributeSet template, bool soSession)
    {
        // §4.4: CKA_COPYABLE FALSE → C_CopyObject returns CKR_ACTION_PROHIBITED.
        if (source.GetBool(CKA.COPYABLE) == false) throw new CkException(CKR.ACTION_PROHIBITED, "object is not copyable");
        var type = ObjectTypes.Of(source);
        foreach (var (t, v) in template)
        {
            var def = Lookup(type, t);
            CheckValue(def, v);
            if (source.TryGet(t, out var old) && old.AsSpan().SequenceEqual(v)) continue;
            if (def.Has(ReadOnlyAfterCreate) && !def.Has(ChangeOnCopy))
                throw new CkException(CKR.ATTRIBUTE_READ_ONLY, $"attribute 0x{t:X} cannot be changed on copy");
            CheckDirection(def, source, t, v);
            CheckSoOnly(def, v, soSession);
        }

        var result = source.Clone();
        result.Remove(CKA.UNIQUE_ID);
        foreach (var (t, v) in template) result.Set(t, (byte[])v.Clone());
        type.Check?.Invoke(result);
        return result;
    }

    /// <summary>C_SetAttributeValue from a user (not SO) session.</summary>
    public static AttributeSet ForSet(AttributeSet current, AttributeSet changes) => ForSet(current, changes, soSession: false);

    /// <summary>C_SetAttributeValue: checks the changes and returns the new full attribute set.</summary>
    public static AttributeSet ForSet(AttributeSet current, AttributeSet changes, bool soSession)
    {
        // §4.4: CKA_MODIFIABLE FALSE → CKR_ACTION_PROHIBITED.
        if (current.GetBool(CKA.MODIFIABLE) == false) throw new CkException(CKR.ACTION_PROHIBITED, "object is not modifiable");
        var type = ObjectTypes.Of(current);
        foreach (var (t, v) in changes)
        {
            var def = Lookup(type, t);
            CheckValue(def, v);
            // no footnote 8: fixed once the object exists.
            if (def.Has(ReadOnlyAfterCreate)) throw new CkException(CKR.ATTRIBUTE_READ_ONLY, $"attribute 0x{t:X} is read-only");
            CheckDirection(def, current, t, v);
            CheckSoOnly(def, v, soSession);
        }

        var result = current.Clone();
        foreach (var (t, v) in changes) result.Set(t, (byte[])v.Clone());
        type.Check?.Invoke(result);
        return result;
    }

    /// <summary>
    /// The per-attribute rule of C_GetAttributeValue: CKR_ATTRIBUTE_TYPE_INVALID when the object type has no such
    /// attribute, CKR_ATTRIBUTE_SENSITIVE for a footnote-7 value of a sensitive or unextractable object, else the value
    /// (empty when the attribute is valid but has none).
    /// </summary>
    public static AttributeRead Read(AttributeSet obj, ulong type)
    {
        var t = ObjectTypes.Of(obj);
        if (!t.Attributes.TryGetValue(type, out var def)) return new AttributeRead(CKR.ATTRIBUTE_TYPE_INVALID, null);
        if (def.Has(Sensitive) && (obj.IsTrue(CKA.SENSITIVE) || obj.GetBool(CKA.EXTRACTABLE) == false))
            return new AttributeRead(CKR.ATTRIBUTE_SENSITIVE, null);
        return new AttributeRead(CKR.OK, obj.TryGet(type, out var v) ? v : Empty);
    }

    /// <summary>C_FindObjects: every attribute of the template is present with the same bytes.</summary>
    public static bool Matches(AttributeSet obj, AttributeSet template)
    {
        foreach (var (t, v) in template)
            if (!obj.TryGet(t, out var o) || !o.AsSpan().SequenceEqual(v))
                return false;
        return true;
    }

    /// <summary>C_GetObjectSize: an approximation of the stored size (values plus a type and length per attribute).</summary>
    public static ulong Size(AttributeSet obj)
    {
        ulong size = 0;
        foreach (var (_, v) in obj) size += 16 + (ulong)v.Length;
        return size;
    }

    /// <summary>Whether the value of <paramref name="type"/> must be encrypted when persisted (footnote 7 values, whatever CKA_SENSITIVE says).</summary>
    public static bool IsSecretAtRest(AttributeSet obj, ulong type)
    {
        var cls = obj.GetULong(CKA.CLASS);
        if (cls is null) return false;
        var t = ObjectTypes.Find(cls.Value, ObjectTypes.SubTypeOf(cls.Value, obj));
        return t is not null && t.Attributes.TryGetValue(type, out var def) && def.Has(Sensitive);
    }

    /// <summary>The object type named by CKA_CLASS and CKA_KEY_TYPE/CKA_CERTIFICATE_TYPE of <paramref name="primary"/>, else of <paramref name="fallback"/>.</summary>
    private static ObjectType TypeOfTemplate(AttributeSet primary, AttributeSet fallback)
    {
        var cls = primary.GetULong(CKA.CLASS) ?? fallback.GetULong(CKA.CLASS)
            ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_CLASS is required");
        ulong? sub = null;
        if (cls is CKO.CERTIFICATE or CKO.PUBLIC_KEY or CKO.PRIVATE_KEY or CKO.SECRET_KEY or CKO.DOMAIN_PARAMETERS)
        {
            var a = ObjectTypes.SubTypeAttribute(cls);
            sub = primary.GetULong(a) ?? fallback.GetULong(a)
                ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, $"attribute 0x{a:X} is required");
        }

        return ObjectTypes.Find(cls, sub)
            ?? throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, $"unsupported object class 0x{cls:X} / type 0x{sub:X}");
    }

    private static AttrDef Lookup(ObjectType type, ulong t) =>
        type.Attributes.TryGetValue(t, out var def)
            ? def
            : throw new CkException(CKR.ATTRIBUTE_TYPE_INVALID, $"attribute 0x{t:X} is not valid for a {type.Name}");

    /// <summary>Encoding rules per kind (CKR_ATTRIBUTE_VALUE_INVALID).</summary>
    internal static void CheckValue(AttrDef def, byte[] v)
    {
        var ok = def.Kind switch
        {
            AttrKind.Bool => v.Length == 1,
            AttrKind.ULong => v.Length == 8,
            AttrKind.Date => v.Length == 0 || (v.Length == 8 && v.All(c => c is >= (byte)'0' and <= (byte)'9')),
            AttrKind.ULongArray => v.Length % 8 == 0,
            _ => true,
        };
        if (!ok) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, $"attribute 0x{def.Type:X} has a malformed value");
    }

    /// <summary>Footnotes 11 and 12 (CKR_ATTRIBUTE_READ_ONLY when an attribute would move the forbidden way).</summary>
    private static void CheckDirection(AttrDef def, AttributeSet current, ulong t, byte[] v)
    {
        if (def.Kind != AttrKind.Bool) return;
        var now = current.GetBool(t);
        var next = v[0] != 0;
        if (def.Has(ChangeToTrueOnly) && now == true && !next)
            throw new CkException(CKR.ATTRIBUTE_READ_ONLY, $"attribute 0x{t:X} cannot be changed back to FALSE");
        if (def.Has(ChangeToFalseOnly) && now == false && next)
            throw new CkException(CKR.ATTRIBUTE_READ_ONLY, $"attribute 0x{t:X} cannot be changed back to TRUE");
    }

    /// <summary>Footnote 10: only the SO may set the attribute to TRUE.</summary>
    private static void CheckSoOnly(AttrDef def, byte[] v, bool soSession)
    {
        if (def.Has(SoOnly) && !soSession && v.Length == 1 && v[0] != 0)
            throw new CkException(CKR.ATTRIBUTE_READ_ONLY, $"attribute 0x{def.Type:X} can only be set to TRUE by the SO");
    }

    private static void FillDefaults(ObjectType type, AttributeSet result)
    {
        foreach (var def in type.Attributes.Values)
            if (def.Default is not null && !result.Has(def.Type))
                result.Set(def.Type, (byte[])def.Default.Clone());
    }

    private static void SetIfDeclared(ObjectType type, AttributeSet result, ulong t, byte[] value)
    {
        if (type.Attributes.ContainsKey(t)) result.Set(t, value);
    }

    /// <summary>Computes derived values; a template value of a computed attribute must agree with it.</summary>
    private static void CompleteAndCheck(ObjectType type, AttributeSet template, AttributeSet result)
    {
        type.Check?.Invoke(result);
        type.Complete?.Invoke(result);
        foreach (var def in type.Attributes.Values)
            if (def.Has(Computed) && template.TryGet(def.Type, out var given) && result.TryGet(def.Type, out var computed)
                && !given.AsSpan().SequenceEqual(computed))
                throw new CkException(CKR.TEMPLATE_INCONSISTENT, $"attribute 0x{def.Type:X} does not match the key");
    }
}
