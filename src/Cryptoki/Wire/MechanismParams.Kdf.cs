using OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Cryptoki.Wire;

/// <summary>
/// CK_PRF_DATA_PARAM: u64 type, bytes value. The value is the caller's bytes as they are: a CK_SP800_108_COUNTER_FORMAT
/// or CK_SP800_108_DKM_LENGTH_FORMAT in the LP64 layout of the caller, the byte array, or empty (NULL).
/// </summary>
public sealed record PrfDataParam(ulong Type, byte[] Value);

/// <summary>
/// CK_SP800_108_KDF_PARAMS and CK_SP800_108_FEEDBACK_KDF_PARAMS: u64 prfType, u32 n and n × (u64 type, bytes value),
/// bytes iv (empty for the counter and double-pipeline KDFs), u32 k and k templates (the CK_DERIVED_KEY templates of the
/// additional keys, whose handles come back after the first key's handle).
/// </summary>
public sealed record Sp800108Params(ulong PrfType, IReadOnlyList<PrfDataParam> DataParams, byte[] Iv, IReadOnlyList<IReadOnlyList<WireAttribute>> AdditionalKeys)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(256);
        w.WriteULong(PrfType);
        w.WriteUInt32((uint)DataParams.Count);
        foreach (var d in DataParams)
        {
            w.WriteULong(d.Type);
            w.WriteBytes(d.Value);
        }

        w.WriteBytes(Iv);
        w.WriteUInt32((uint)AdditionalKeys.Count);
        foreach (var t in AdditionalKeys) w.WriteTemplate(t);
        return w.WrittenSpan.ToArray();
    }

    public static Sp800108Params Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var prf = r.ReadULong();
        var n = r.ReadUInt32();
        if (n > (uint)(r.Remaining / 12)) throw new WireFormatException("too many data parameters");
        var data = new PrfDataParam[n];
        for (var i = 0; i < data.Length; i++) data[i] = new PrfDataParam(r.ReadULong(), r.ReadBytes());
        var iv = r.ReadBytes();
        var k = r.ReadUInt32();
        if (k > (uint)(r.Remaining / 4)) throw new WireFormatException("too many derived keys");
        var keys = new IReadOnlyList<WireAttribute>[k];
        for (var i = 0; i < keys.Length; i++) keys[i] = r.ReadTemplate();
        r.ExpectEnd();
        return new Sp800108Params(prf, data, iv, keys);
    }

    /// <summary>A CK_SP800_108_COUNTER_FORMAT in its LP64 layout: CK_BBOOL bLittleEndian (padded to 8), CK_ULONG ulWidthInBits.</summary>
    public static byte[] CounterFormat(bool littleEndian, ulong widthInBits)
    {
        var b = new byte[16];
        b[0] = littleEndian ? (byte)1 : (byte)0;
        BitConverter.TryWriteBytes(b.AsSpan(8), widthInBits);
        return b;
    }

    /// <summary>A CK_SP800_108_DKM_LENGTH_FORMAT in its LP64 layout: CK_ULONG method, CK_BBOOL bLittleEndian (padded), CK_ULONG ulWidthInBits.</summary>
    public static byte[] DkmLengthFormat(ulong method, bool littleEndian, ulong widthInBits)
    {
        var b = new byte[24];
        BitConverter.TryWriteBytes(b.AsSpan(0), method);
        b[8] = littleEndian ? (byte)1 : (byte)0;
        BitConverter.TryWriteBytes(b.AsSpan(16), widthInBits);
        return b;
    }
}

/// <summary>PKCS#11 3.0 SP 800-108 constants (CK_PRF_DATA_TYPE and CK_SP800_108_DKM_LENGTH_METHOD values).</summary>
public static class Sp800108
{
    public const ulong IterationVariable = 1;
    public const ulong OptionalCounter = 2;
    public const ulong DkmLength = 3;
    public const ulong ByteArray = 4;
    public const ulong DkmLengthSumOfKeys = 1;
    public const ulong DkmLengthSumOfSegments = 2;

    /// <summary>True for the three KDFs whose parameter carries additional derived keys.</summary>
    public static bool IsKdf(ulong mechanism) =>
        mechanism is CKM.SP800_108_COUNTER_KDF or CKM.SP800_108_FEEDBACK_KDF or CKM.SP800_108_DOUBLE_PIPELINE_KDF;
}

/// <summary>
/// The TLS 1.2 and SSL3 derivation parameters in one form: u64 prf (the hash mechanism of CK_TLS12_*/CK_TLS_KDF_PARAMS,
/// 0 for SSL3), bytes clientRandom, bytes serverRandom (CK_SSL3_RANDOM_DATA), u8 versionWanted (pVersion not NULL),
/// u64 macBits, u64 keyBits, u64 ivBits, u8 isExport (CK_*_KEY_MAT_PARAMS), bytes label, bytes context (CK_TLS_KDF_PARAMS).
/// </summary>
public sealed record TlsParams(ulong Prf, byte[] ClientRandom, byte[] ServerRandom, bool VersionWanted, ulong MacBits, ulong KeyBits,
    ulong IvBits, bool IsExport, byte[] Label, byte[] Context)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(128);
        Write(w, Prf, ClientRandom, ServerRandom, VersionWanted, MacBits, KeyBits, IvBits, IsExport, Label, Context);
        return w.WrittenSpan.ToArray();
    }

    public static void Write(WireWriter w, ulong prf, ReadOnlySpan<byte> clientRandom, ReadOnlySpan<byte> serverRandom, bool versionWanted,
        ulong macBits, ulong keyBits, ulong ivBits, bool isExport, ReadOnlySpan<byte> label, ReadOnlySpan<byte> context)
    {
        w.WriteULong(prf);
        w.WriteBytes(clientRandom);
        w.WriteBytes(serverRandom);
        w.WriteBool(versionWanted);
        w.WriteULong(macBits);
        w.WriteULong(keyBits);
        w.WriteULong(ivBits);
        w.WriteBool(isExport);
        w.WriteBytes(label);
        w.WriteBytes(context);
    }

    public static TlsParams Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new TlsParams(r.ReadULong(), r.ReadBytes(), r.ReadBytes(), r.ReadBool(), r.ReadULong(), r.ReadULong(), r.ReadULong(), r.ReadBool(),
            r.ReadBytes(), r.ReadBytes());
        r.ExpectEnd();
        return p;
    }
}
