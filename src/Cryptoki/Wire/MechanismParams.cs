using System.Buffers.Binary;
using OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Cryptoki.Wire;

/// <summary>
/// Canonical wire forms of mechanism parameters. Parameters that hold pointers (CK_GCM_PARAMS,
/// CK_RSA_PKCS_OAEP_PARAMS, CK_ECDH1_DERIVE_PARAMS) are flattened by the module with these encoders;
/// every other parameter travels as its raw bytes (IVs, CK_RSA_PKCS_PSS_PARAMS, CK_AES_CTR_PARAMS,
/// CK_MAC_GENERAL_PARAMS, ...), in the LP64 layout of the caller.
/// </summary>
public static class MechanismParams
{
    /// <summary>True when the module must flatten this mechanism's parameter with an encoder below.</summary>
    public static bool HasPointers(ulong mechanism) => mechanism switch
    {
        CKM.AES_GCM or CKM.RSA_PKCS_OAEP or CKM.ECDH1_DERIVE or CKM.ECDH1_COFACTOR_DERIVE => true,
        _ => false,
    };

    /// <summary>Reads a little-endian CK_ULONG from a raw flat parameter at a byte offset.</summary>
    public static ulong ULongAt(ReadOnlySpan<byte> raw, int offset)
    {
        if (raw.Length < offset + 8) throw new WireFormatException("mechanism parameter too short");
        return BinaryPrimitives.ReadUInt64LittleEndian(raw.Slice(offset, 8));
    }
}

/// <summary>CK_GCM_PARAMS: u64-free canonical form = bytes iv, u64 ivBits, bytes aad, u64 tagBits.</summary>
public sealed record GcmParams(byte[] Iv, ulong IvBits, byte[] Aad, ulong TagBits)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(64 + Iv.Length + Aad.Length);
        w.WriteBytes(Iv);
        w.WriteULong(IvBits);
        w.WriteBytes(Aad);
        w.WriteULong(TagBits);
        return w.WrittenSpan.ToArray();
    }

    public static GcmParams Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new GcmParams(r.ReadBytes(), r.ReadULong(), r.ReadBytes(), r.ReadULong());
        r.ExpectEnd();
        return p;
    }
}

/// <summary>CK_RSA_PKCS_OAEP_PARAMS: u64 hashAlg, u64 mgf, u64 source, bytes sourceData.</summary>
public sealed record OaepParams(ulong HashAlg, ulong Mgf, ulong Source, byte[] SourceData)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(64 + SourceData.Length);
        w.WriteULong(HashAlg);
        w.WriteULong(Mgf);
        w.WriteULong(Source);
        w.WriteBytes(SourceData);
        return w.WrittenSpan.ToArray();
    }

    public static OaepParams Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new OaepParams(r.ReadULong(), r.ReadULong(), r.ReadULong(), r.ReadBytes());
        r.ExpectEnd();
        return p;
    }
}

/// <summary>CK_ECDH1_DERIVE_PARAMS: u64 kdf, bytes sharedData, bytes publicData.</summary>
public sealed record Ecdh1DeriveParams(ulong Kdf, byte[] SharedData, byte[] PublicData)
{
    public byte[] Encode()
    {
        using var w = new WireWriter(64 + SharedData.Length + PublicData.Length);
        w.WriteULong(Kdf);
        w.WriteBytes(SharedData);
        w.WriteBytes(PublicData);
        return w.WrittenSpan.ToArray();
    }

    public static Ecdh1DeriveParams Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new Ecdh1DeriveParams(r.ReadULong(), r.ReadBytes(), r.ReadBytes());
        r.ExpectEnd();
        return p;
    }
}
