using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>PKCS#11 object management (§5.7).</summary>
internal static unsafe partial class Objects
{
    [Export(20)]
    private static ulong C_CreateObject(in CallTrace call, ulong hSession, CK_ATTRIBUTE* pTemplate, ulong ulCount, ulong* phObject)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={hSession} {Marshalling.Describe(pTemplate, ulCount)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (phObject is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.CreateObject);
        w.WriteULong(hSession);
        rv = Marshalling.WriteTemplate(w, pTemplate, ulCount);
        if (rv != CKR.OK) return rv;
        rv = c.Call(out var reply);
        Calls.ReadHandle(rv, ref reply, phObject);
        return rv;
    }

    [Export(21)]
    private static ulong C_CopyObject(in CallTrace call, ulong hSession, ulong hObject, CK_ATTRIBUTE* pTemplate, ulong ulCount, ulong* phNewObject)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={hSession} hObject={hObject} {Marshalling.Describe(pTemplate, ulCount)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (phNewObject is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.CopyObject);
        w.WriteULong(hSession);
        w.WriteULong(hObject);
        rv = Marshalling.WriteTemplate(w, pTemplate, ulCount);
        if (rv != CKR.OK) return rv;
        rv = c.Call(out var reply);
        Calls.ReadHandle(rv, ref reply, phNewObject);
        return rv;
    }

    [Export(22)]
    private static ulong C_DestroyObject(in CallTrace call, ulong hSession, ulong hObject) =>
        Calls.U64U64(call, Opcode.DestroyObject, hSession, hObject);

    [Export(23)]
    private static ulong C_GetObjectSize(in CallTrace call, ulong hSession, ulong hObject, ulong* pulSize)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={hSession} hObject={hObject}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pulSize is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.GetObjectSize);
        w.WriteULong(hSession);
        w.WriteULong(hObject);
        rv = c.Call(out var reply);
        Calls.ReadHandle(rv, ref reply, pulSize);
        return rv;
    }

    [Export(24)]
    private static ulong C_GetAttributeValue(in CallTrace call, ulong hSession, ulong hObject, CK_ATTRIBUTE* pTemplate, ulong ulCount)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={hSession} hObject={hObject} {Marshalling.Describe(pTemplate, ulCount)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pTemplate is null && ulCount != 0) return CKR.ARGUMENTS_BAD;
        if (ulCount > Frame.MaxFrameLength / 16) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.GetAttributeValue);
        w.WriteULong(hSession);
        w.WriteULong(hObject);
        w.WriteUInt32((uint)ulCount);
        for (ulong i = 0; i < ulCount; i++)
        {
            w.WriteULong(pTemplate[i].type);
            // An attribute array is asked for whole: its length for the caller is count × sizeof(CK_ATTRIBUTE), which only
            // the module knows (the daemon holds the flattened wire form); ReadAttributes sizes and copies it.
            w.WriteULong(Marshalling.IsNestedTemplate(pTemplate[i].type) ? Frame.MaxFrameLength
                : pTemplate[i].pValue is null ? Frame.NullBuffer : pTemplate[i].ulValueLen);
        }

        rv = c.Call(out var r);
        if (r.Remaining == 0) return rv;
        if (rv != CKR.OK && rv != CKR.ATTRIBUTE_SENSITIVE && rv != CKR.ATTRIBUTE_TYPE_INVALID && rv != CKR.BUFFER_TOO_SMALL)
            return rv;
        return ReadAttributes(rv, ref r, pTemplate, ulCount);
    }

    /// <summary>Writes each ulValueLen and copies each delivered value; the rv is the daemon's.</summary>
    private static ulong ReadAttributes(ulong rv, ref WireReader r, CK_ATTRIBUTE* template, ulong count)
    {
        if (r.ReadUInt32() != count) throw new WireFormatException("GetAttributeValue reply count differs from the request");
        for (ulong i = 0; i < count; i++)
        {
            var a = template + i;
            var length = r.ReadULong();
            if (Marshalling.ReadNullable(ref r, out var value))
            {
                if (Marshalling.IsNestedTemplate(a->type))
                {
                    // PKCS#11 3.0 §5.7.5: the length of an attribute array is that of its CK_ATTRIBUTE array.
                    var needed = value.Length < 4 ? 0 : (ulong)new WireReader(value).ReadUInt32() * (ulong)sizeof(CK_ATTRIBUTE);
                    if (a->pValue is not null && a->ulValueLen < needed)
                    {
                        length = CK.UNAVAILABLE_INFORMATION;
                        if (rv == CKR.OK) rv = CKR.BUFFER_TOO_SMALL;
                    }
                    else
                    {
                        length = needed;
                        if (a->pValue is not null
                            && ReadNested(value, (CK_ATTRIBUTE*)a->pValue, a->ulValueLen / (ulong)sizeof(CK_ATTRIBUTE)) == CKR.BUFFER_TOO_SMALL
                            && rv == CKR.OK)
                            rv = CKR.BUFFER_TOO_SMALL;
                    }
                }
                else if (a->pValue is null) throw new WireFormatException("value delivered for a NULL pValue");
                else
                {
                    if ((ulong)value.Length > a->ulValueLen) throw new WireFormatException("value longer than the caller's buffer");
                    value.CopyTo(new Span<byte>(a->pValue, value.Length));
                }
            }

            a->ulValueLen = length;
        }

        return rv;
    }

    /// <summary>
    /// A CKA_WRAP/UNWRAP/DERIVE_TEMPLATE value arrives as a nested <c>template</c>; its attributes are copied into
    /// the caller's CK_ATTRIBUTE array and each inner buffer, with the usual per-attribute length rules.
    /// </summary>
    private static ulong ReadNested(ReadOnlySpan<byte> encoded, CK_ATTRIBUTE* inner, ulong capacity)
    {
        var r = new WireReader(encoded);
        var count = r.ReadUInt32();
        if (count > capacity) throw new WireFormatException("nested template longer than the caller's array");
        var rv = CKR.OK;
        for (uint j = 0; j < count; j++)
        {
            var a = inner + j;
            a->type = r.ReadULong();
            if (!Marshalling.ReadNullable(ref r, out var value))
            {
                a->ulValueLen = CK.UNAVAILABLE_INFORMATION;
            }
            else if (a->pValue is null)
            {
                a->ulValueLen = (ulong)value.Length;
            }
            else if ((ulong)value.Length > a->ulValueLen)
            {
                a->ulValueLen = CK.UNAVAILABLE_INFORMATION;
                rv = CKR.BUFFER_TOO_SMALL;
            }
            else
            {
                value.CopyTo(new Span<byte>(a->pValue, value.Length));
                a->ulValueLen = (ulong)value.Length;
            }
        }

        return rv;
    }

    [Export(25)]
    private static ulong C_SetAttributeValue(in CallTrace call, ulong hSession, ulong hObject, CK_ATTRIBUTE* pTemplate, ulong ulCount) =>
        Calls.Template(call, Opcode.SetAttributeValue, hSession, hObject, pTemplate, ulCount);

    [Export(26)]
    private static ulong C_FindObjectsInit(in CallTrace call, ulong hSession, CK_ATTRIBUTE* pTemplate, ulong ulCount) =>
        Calls.Template(call, Opcode.FindObjectsInit, hSession, null, pTemplate, ulCount);

    [Export(27)]
    private static ulong C_FindObjects(in CallTrace call, ulong hSession, ulong* phObject, ulong ulMaxObjectCount, ulong* pulObjectCount)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={hSession} max={ulMaxObjectCount}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pulObjectCount is null || (phObject is null && ulMaxObjectCount != 0)) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.FindObjects);
        w.WriteULong(hSession);
        w.WriteULong(ulMaxObjectCount);
        rv = c.Call(out var r);
        if (rv != CKR.OK) return rv;
        var count = r.ReadUInt32();
        if (count > ulMaxObjectCount || count > (uint)(r.Remaining / 8))
            throw new WireFormatException("FindObjects reply longer than maxCount");
        for (uint i = 0; i < count; i++) phObject[i] = r.ReadULong();
        *pulObjectCount = count;
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"-> count={count}");
        return CKR.OK;
    }

    [Export(28)]
    private static ulong C_FindObjectsFinal(in CallTrace call, ulong hSession) =>
        Calls.U64(call, Opcode.FindObjectsFinal, hSession, "hSession");
}
