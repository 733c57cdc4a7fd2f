using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OpenCryptokiActors.Cli.Migration;

/// <summary>An object of an openCryptoki token directory: its file name and (type, raw value) attributes.</summary>
public sealed record OpenCryptokiObject(string File, bool Private, IReadOnlyList<(ulong Type, byte[] Value)> Attributes)
{
    public byte[]? Get(ulong type) => Attributes.FirstOrDefault(a => a.Type == type).Value;
}

/// <summary>
/// Reader for the legacy (pre-3.12, non-FIPS) data store of openCryptoki's soft token (usr/lib/common/loadsave.c,
/// the *_old functions; Debian 12 ships 3.8.1 with this format):
/// <list type="bullet">
/// <item>MK_USER: 3DES-CBC (IV "12345678") under MD5(PIN) ‖ MD5(PIN)[0..8] of master key(24) ‖ SHA-1(master key) ‖ PKCS#7.</item>
/// <item>TOK_OBJ/OBJ.IDX names the object files. Each: u32 total length (host order), u8 private flag, then for a public
///   object the flattened object, for a private one 3DES-CBC under the master key (IV "10293847") of
///   u32 length ‖ flattened object ‖ SHA-1(flattened object) ‖ PKCS#7.</item>
/// <item>Flattened object: u32 class, u32 attribute count, name[8], then per attribute CK_ATTRIBUTE_32
///   (u32 type, u32 pValue, u32 length) followed by the value; CK_ULONG values are stored as 4 bytes.</item>
/// </list>
/// The FIPS format of 3.12+ (AES-KW-wrapped keys, AES-GCM objects, PBKDF2 from NVTOK.DAT) is not read here.
/// </summary>
public static class OpenCryptokiToken
{
    // The soft token's data_store.pin_initial_vector and obj_initial_vector (libpkcs11_sw; checked against real files).
    private static readonly byte[] PinIv = "12345678"u8.ToArray(), ObjIv = "10293847"u8.ToArray();

    /// <summary>CKA_* whose values are CK_ULONGs (stored as 4 bytes by openCryptoki's flattening).</summary>
    public static readonly HashSet<ulong> UlongAttributes =
    [
        0x0 /* CLASS */, 0x80 /* CERTIFICATE_TYPE */, 0x100 /* KEY_TYPE */, 0x121 /* MODULUS_BITS */, 0x161 /* VALUE_LEN */,
        0x166 /* KEY_GEN_MECHANISM */, 0x300 /* HW_FEATURE_TYPE */, 0x87 /* CERTIFICATE_CATEGORY */, 0x88 /* JAVA_MIDP_SECURITY_DOMAIN */,
        0x133 /* PRIME_BITS */, 0x134 /* SUB_PRIME_BITS */, 0x160 /* VALUE_BITS */,
    ];

    public static string ResolveDirectory(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: no such directory");
        if (File.Exists(Path.Combine(dir, "NVTOK.DAT"))) return dir;
        var sw = Path.Combine(dir, "swtok");
        if (File.Exists(Path.Combine(sw, "NVTOK.DAT"))) return sw;
        throw new InvalidDataException($"{dir}: not an openCryptoki token directory (no NVTOK.DAT)");
    }

    public static string Label(string dir)
    {
        var nv = File.ReadAllBytes(Path.Combine(dir, "NVTOK.DAT"));
        return nv.Length >= 32 ? Encoding.UTF8.GetString(nv, 0, 32).TrimEnd(' ', '\0') : "";
    }

    /// <summary>The master key from MK_USER; CryptographicException if the PIN is wrong.</summary>
    public static byte[] UnwrapMasterKey(string dir, string pin)
    {
        var mk = File.ReadAllBytes(Path.Combine(dir, "MK_USER"));
        if (mk.Length < 48) throw new InvalidDataException($"{dir}/MK_USER: {mk.Length} bytes, not the legacy format (48)");
        if (mk.Length != 48)
            throw new InvalidDataException($"{dir}/MK_USER: {mk.Length} bytes: the FIPS data store of openCryptoki 3.12+ is not supported yet");
        var md5 = MD5.HashData(Encoding.UTF8.GetBytes(pin));
        var key = new byte[24];
        md5.CopyTo(key, 0);
        md5.AsSpan(0, 8).CopyTo(key.AsSpan(16));
        var clear = Des3(key, mk, PinIv);
        CryptographicOperations.ZeroMemory(key);
        var master = clear.AsSpan(0, 24).ToArray();
        if (!SHA1.HashData(master).AsSpan().SequenceEqual(clear.AsSpan(24, 20)))
        {
            CryptographicOperations.ZeroMemory(master);
            throw new CryptographicException("incorrect PIN for the openCryptoki token");
        }
        CryptographicOperations.ZeroMemory(clear);
        return master;
    }

    private static byte[] Des3(byte[] key, ReadOnlySpan<byte> data, byte[] iv)
    {
        using var des = TripleDES.Create();
        des.Key = key;
        return des.DecryptCbc(data, iv, PaddingMode.None);
    }

    public static List<OpenCryptokiObject> ReadObjects(string dir, byte[] masterKey)
    {
        var objDir = Path.Combine(dir, "TOK_OBJ");
        var idx = Path.Combine(objDir, "OBJ.IDX");
        var names = File.Exists(idx) ? File.ReadAllLines(idx).Select(l => l.Trim()).Where(l => l.Length > 0) : [];
        var result = new List<OpenCryptokiObject>();
        foreach (var name in names)
        {
            var path = Path.Combine(objDir, Path.GetFileName(name));
            var data = File.ReadAllBytes(path);
            if (data.Length < 5) throw new InvalidDataException($"{name}: too short for an openCryptoki object");
            var total = BinaryPrimitives.ReadUInt32LittleEndian(data);
            if (total != data.Length)
                throw new InvalidDataException($"{name}: length {total} != file size {data.Length} (FIPS format of 3.12+ is not supported yet)");
            var priv = data[4] != 0;
            byte[] flat;
            if (!priv) flat = data[5..];
            else
            {
                var clear = Des3(masterKey, data.AsSpan(5), ObjIv);
                var len = (int)BinaryPrimitives.ReadUInt32LittleEndian(clear);
                if (len < 0 || 4 + len + 20 > clear.Length) throw new CryptographicException($"{name}: does not decrypt under the master key");
                flat = clear.AsSpan(4, len).ToArray();
                if (!SHA1.HashData(flat).AsSpan().SequenceEqual(clear.AsSpan(4 + len, 20)))
                    throw new CryptographicException($"{name}: SHA-1 check failed (damaged or wrong master key)");
                CryptographicOperations.ZeroMemory(clear);
            }
            result.Add(new OpenCryptokiObject(name, priv, Unflatten(flat, name)));
        }
        return result;
    }

    private static List<(ulong, byte[])> Unflatten(byte[] d, string name)
    {
        if (d.Length < 16) throw new InvalidDataException($"{name}: flattened object too short");
        var count = BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(4));
        var pos = 16;
        var list = new List<(ulong, byte[])>();
        for (var i = 0; i < count; i++)
        {
            if (pos + 12 > d.Length) throw new InvalidDataException($"{name}: truncated attribute {i}");
            var type = BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(pos));
            var len = (int)BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(pos + 8));
            pos += 12;
            if (len < 0 || pos + len > d.Length) throw new InvalidDataException($"{name}: attribute 0x{type:X} overruns the object");
            list.Add((type, d.AsSpan(pos, len).ToArray()));
            pos += len;
        }
        return list;
    }
}
