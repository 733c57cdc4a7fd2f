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
        Write(w, Iv, IvBits, Aad, TagBits);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Writes the canonical form (what <see cref="Encode"/> returns) without allocating.</summary>
    public static void Write(WireWriter w, ReadOnlySpan<byte> iv, ulong ivBits, ReadOnlySpan<byte> aad, ulong tagBits)
    {
        w.WriteBytes(iv);
        w.WriteULong(ivBits);
        w.WriteBytes(aad);
        w.WriteULong(tagBits);
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
        Write(w, HashAlg, Mgf, Source, SourceData);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Writes the canonical form (what <see cref="Encode"/> returns) without allocating.</summary>
    public static void Write(WireWriter w, ulong hashAlg, ulong mgf, ulong source, ReadOnlySpan<byte> sourceData)
    {
        w.WriteULong(hashAlg);
        w.WriteULong(mgf);
        w.WriteULong(source);
        w.WriteBytes(sourceData);
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
        Write(w, Kdf, SharedData, PublicData);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Writes the canonical form (what <see cref="Encode"/> returns) without allocating.</summary>
    public static void Write(WireWriter w, ulong kdf, ReadOnlySpan<byte> sharedData, ReadOnlySpan<byte> publicData)
    {
        w.WriteULong(kdf);
        w.WriteBytes(sharedData);
        w.WriteBytes(publicData);
    }

    public static Ecdh1DeriveParams Decode(ReadOnlySpan<byte> canonical)
    {
        var r = new WireReader(canonical);
        var p = new Ecdh1DeriveParams(r.ReadULong(), r.ReadBytes(), r.ReadBytes());
        r.ExpectEnd();
        return p;
    }
}
