using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.State;

/// <summary>One attribute of a C_GetAttributeValue answer: ulValueLen (CK_UNAVAILABLE_INFORMATION when not available) and the value when copied.</summary>
public readonly record struct AttributeRead(ulong Length, byte[]? Value);

/// <summary>The token's answers that change nothing it journals: object sizes and attributes, searches (their cursors are the session's).</summary>
public sealed partial class TokenMachine
{
    /// <summary>The caller's buffer was NULL (C_GetAttributeValue with pValue NULL): the length is asked for.</summary>
    public const ulong NullBuffer = ulong.MaxValue;

    public TokenSession Session(ulong app, ulong handle) =>
        Memory.TryGetSession(app, handle, out var s) ? s : throw new CkException(CKR.SESSION_HANDLE_INVALID);

    public ulong ObjectSize(TokenSession s, ulong handle) =>
        TryVisible(s.App, handle, out var attrs, out _) ? TemplateValidator.Size(attrs) : throw new CkException(CKR.OBJECT_HANDLE_INVALID);

    /// <summary>
    /// C_GetAttributeValue (§5.7): per attribute its length and value, CK_UNAVAILABLE_INFORMATION for one that is sensitive,
    /// invalid or does not fit; the call's code is the first such failure (CKR_ATTRIBUTE_SENSITIVE, _TYPE_INVALID,
    /// CKR_BUFFER_TOO_SMALL), the values of the others still given.
    /// </summary>
    public (ulong Rv, AttributeRead[] Values) ReadAttributes(TokenSession s, ulong handle, IReadOnlyList<(ulong Type, ulong Capacity)> asked)
    {
        if (!TryVisible(s.App, handle, out var stored, out var isTokenObject)) throw new CkException(CKR.OBJECT_HANDLE_INVALID);
        AttributeSet? open = null;
        var rv = CKR.OK;
        var values = new AttributeRead[asked.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var (type, capacity) = asked[i];
            var read = TemplateValidator.Read(stored, type);
            if (read.Rv != CKR.OK || read.Value is null)
            {
                rv = rv == CKR.OK ? read.Rv : rv;
                values[i] = new AttributeRead(CK.UNAVAILABLE_INFORMATION, null);
                continue;
            }

            var value = read.Value;
            if (isTokenObject && TemplateValidator.IsSecretAtRest(stored, type))
            {
                open ??= Open(s.App, handle, CKR.OBJECT_HANDLE_INVALID);
                value = open[type];
            }

            if (capacity == NullBuffer) values[i] = new AttributeRead((ulong)value.Length, null);
            else if (capacity < (ulong)value.Length)
            {
                rv = rv == CKR.OK ? CKR.BUFFER_TOO_SMALL : rv;
                values[i] = new AttributeRead(CK.UNAVAILABLE_INFORMATION, null);
            }
            else values[i] = new AttributeRead((ulong)value.Length, value);
        }

        return (rv, values);
    }

    /// <summary>C_FindObjectsInit: the objects matching the template that the application may see (one search at a time per session).</summary>
    public void FindInit(TokenSession s, AttributeSet template)
    {
        if (s.FindResults is not null) throw new CkException(CKR.OPERATION_ACTIVE);
        var user = Memory.IsUser(s.App);
        var results = State.Index.Find(template, user ? null : static (_, attrs) => !attrs.IsTrue(CKA.PRIVATE));
        if (Memory.SessionIndex.Count > 0)
        {
            var app = s.App;
            results.AddRange(Memory.SessionIndex.Find(template, (key, attrs) =>
                Memory.TryGetSessionObjectByKey(key, out var o) && o.App == app && (user || !attrs.IsTrue(CKA.PRIVATE))).Select(TokenMemory.HandleOf));
        }

        results.AddRange(TokenProvidedObjects.Find(template));
        s.FindResults = results.ToArray();
        s.FindPosition = 0;
    }

    /// <summary>C_FindObjects: up to <paramref name="max"/> more handles.</summary>
    public ulong[] FindNext(TokenSession s, ulong max)
    {
        var results = s.FindResults ?? throw new CkException(CKR.OPERATION_NOT_INITIALIZED);
        var n = (int)Math.Min(max, (ulong)(results.Length - s.FindPosition));
        var found = results.AsSpan(s.FindPosition, n).ToArray();
        s.FindPosition += n;
        return found;
    }

    public void FindFinal(TokenSession s)
    {
        if (s.FindResults is null) throw new CkException(CKR.OPERATION_NOT_INITIALIZED);
        s.FindResults = null;
    }
}
