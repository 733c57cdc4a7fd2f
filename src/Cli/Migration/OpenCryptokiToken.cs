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
/// Reader for both data stores of openCryptoki's soft token (usr/lib/common/loadsave.c). The legacy store of releases
/// before 3.12 (the *_old functions; Debian 12 ships 3.8.1 with it):
/// <list type="bullet">
/// <item>MK_USER: 3DES-CBC (IV "12345678") under MD5(PIN) ‖ MD5(PIN)[0..8] of master key(24) ‖ SHA-1(master key) ‖ PKCS#7.</item>
/// <item>TOK_OBJ/OBJ.IDX names the object files. Each: u32 total length (host order), u8 private flag, then for a public
///   object the flattened object, for a private one 3DES-CBC under the master key (IV "10293847") of
///   u32 length ‖ flattened object ‖ SHA-1(flattened object) ‖ PKCS#7.</item>
/// <item>Flattened object: u32 class, u32 attribute count, name[8], then per attribute CK_ATTRIBUTE_32
///   (u32 type, u32 pValue, u32 length) followed by the value; CK_ULONG values are stored as 4 bytes.</item>
/// </list>
/// The FIPS data store of 3.12+ (<c>tokversion = 3.12</c>; host_defs.h TOKEN_DATA_VERSION, loadsave.c):
/// <list type="bullet">
/// <item>NVTOK.DAT: TOKEN_DATA_OLD (232 bytes) then TOKEN_DATA_VERSION, big-endian integers: version u32, pad, then
///   PBKDF2 parameters; the User wrap key is PBKDF2-HMAC-SHA512(PIN, user_wrap_salt[64], user_wrap_it, 32 bytes).</item>
/// <item>MK_USER: the 32-byte AES master key wrapped with AES-KW (RFC 3394) under the User wrap key (40 bytes).</item>
/// <item>Private object: 64-byte header (u32 BE version, u8 private flag, 3 reserved, key_wrapped[40] = the object key
///   under the master key with AES-KW, iv[12], u32 BE object length), the flattened object AES-256-GCM-encrypted under
///   the object key with the header as AAD, then the 16-byte tag. Public object: 16-byte header (u32 BE version,
///   u8 flag, 7 reserved, u32 BE length) and the flattened object in the clear.</item>
/// </list>
/// The flattened object is the same in both.
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

    private const int FipsMasterKeyFileLength = 40, LegacyMasterKeyFileLength = 48;
    private const int TokenDataOldLength = 232, TokenDataLength = TokenDataOldLength + 360;
    private const int UserWrapItOffset = TokenDataOldLength + 288, UserWrapSaltOffset = TokenDataOldLength + 296;
    private const int PrivateHeaderLength = 64, PublicHeaderLength = 16, TagLength = 16;

    /// <summary>True for the FIPS data store of openCryptoki 3.12+ (MK_USER holds an AES-KW-wrapped 256-bit key).</summary>
    public static bool IsFipsFormat(string dir) => new FileInfo(Path.Combine(dir, "MK_USER")).Length == FipsMasterKeyFileLength;

    /// <summary>The master key from MK_USER (24 bytes legacy, 32 bytes FIPS); CryptographicException if the PIN is wrong.</summary>
    public static byte[] UnwrapMasterKey(string dir, string pin)
    {
        var mk = File.ReadAllBytes(Path.Combine(dir, "MK_USER"));
        if (mk.Length == FipsMasterKeyFileLength) return UnwrapFipsMasterKey(dir, mk, pin);
        if (mk.Length != LegacyMasterKeyFileLength)
            throw new InvalidDataException($"{dir}/MK_USER: {mk.Length} bytes: neither the legacy (48) nor the FIPS (40) openCryptoki format");
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

    private static byte[] UnwrapFipsMasterKey(string dir, byte[] wrapped, string pin)
    {
        var nv = File.ReadAllBytes(Path.Combine(dir, "NVTOK.DAT"));
        if (nv.Length < TokenDataLength)
            throw new InvalidDataException($"{dir}/NVTOK.DAT: {nv.Length} bytes, too short for the FIPS data store ({TokenDataLength})");
        var iterations = BinaryPrimitives.ReadUInt64BigEndian(nv.AsSpan(UserWrapItOffset));
        if (iterations is 0 or > int.MaxValue)
            throw new InvalidDataException($"{dir}/NVTOK.DAT: implausible PBKDF2 iteration count {iterations}");
        var wrapKey = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(pin), nv.AsSpan(UserWrapSaltOffset, 64), (int)iterations,
                                                HashAlgorithmName.SHA512, 32);
        try { return AesKeyUnwrap(wrapKey, wrapped) ?? throw new CryptographicException("incorrect PIN for the openCryptoki token"); }
        finally { CryptographicOperations.ZeroMemory(wrapKey); }
    }

    /// <summary>RFC 3394 AES key unwrap (BouncyCastle); null when the integrity check fails.</summary>
    internal static byte[]? AesKeyUnwrap(byte[] kek, byte[] wrapped)
    {
        var engine = new Org.BouncyCastle.Crypto.Engines.AesWrapEngine();
        engine.Init(false, new Org.BouncyCastle.Crypto.Parameters.KeyParameter(kek));
        try { return engine.Unwrap(wrapped, 0, wrapped.Length); }
        catch (Org.BouncyCastle.Crypto.InvalidCipherTextException) { return null; }
    }

    private static byte[] Des3(byte[] key, ReadOnlySpan<byte> data, byte[] iv)
    {
        using var des = TripleDES.Create();
        des.Key = key;
        return des.DecryptCbc(data, iv, PaddingMode.None);
    }

    public static List<OpenCryptokiObject> ReadObjects(string dir, byte[] masterKey) =>
        ReadFlattened(dir, masterKey).Select(o => new OpenCryptokiObject(o.File, o.Private, Unflatten(o.Flattened, o.File))).ToList();

    /// <summary>Every object of TOK_OBJ/OBJ.IDX as its flattened bytes (decrypted when private), in index order.</summary>
    public static List<(string File, bool Private, byte[] Flattened)> ReadFlattened(string dir, byte[] masterKey)
    {
        var objDir = Path.Combine(dir, "TOK_OBJ");
        var idx = Path.Combine(objDir, "OBJ.IDX");
        var names = File.Exists(idx) ? File.ReadAllLines(idx).Select(l => l.Trim()).Where(l => l.Length > 0) : [];
        var fips = masterKey.Length == 32;
        var result = new List<(string, bool, byte[])>();
        foreach (var name in names)
        {
            var data = File.ReadAllBytes(Path.Combine(objDir, Path.GetFileName(name)));
            result.Add(fips ? ReadFipsObject(name, data, masterKey) : ReadLegacyObject(name, data, masterKey));
        }
        return result;
    }

    private static (string, bool, byte[]) ReadLegacyObject(string name, byte[] data, byte[] masterKey)
    {
        if (data.Length < 5) throw new InvalidDataException($"{name}: too short for an openCryptoki object");
        var total = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (total != data.Length)
            throw new InvalidDataException($"{name}: length {total} != file size {data.Length} (not a legacy-format object)");
        var priv = data[4] != 0;
        if (!priv) return (name, false, data[5..]);
        var clear = Des3(masterKey, data.AsSpan(5), ObjIv);
        var len = (int)BinaryPrimitives.ReadUInt32LittleEndian(clear);
        if (len < 0 || 4 + len + 20 > clear.Length) throw new CryptographicException($"{name}: does not decrypt under the master key");
        var flat = clear.AsSpan(4, len).ToArray();
        if (!SHA1.HashData(flat).AsSpan().SequenceEqual(clear.AsSpan(4 + len, 20)))
            throw new CryptographicException($"{name}: SHA-1 check failed (damaged or wrong master key)");
        CryptographicOperations.ZeroMemory(clear);
        return (name, true, flat);
    }

    private static (string, bool, byte[]) ReadFipsObject(string name, byte[] data, byte[] masterKey)
    {
        if (data.Length < PublicHeaderLength) throw new InvalidDataException($"{name}: too short for an openCryptoki object");
        var priv = data[4] != 0;
        var header = priv ? PrivateHeaderLength : PublicHeaderLength;
        if (data.Length < header) throw new InvalidDataException($"{name}: too short for a private openCryptoki object");
        var len = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(header - 4));
        if ((long)header + len + (priv ? TagLength : 0) != data.Length)
            throw new InvalidDataException($"{name}: object length {len} does not match the file size {data.Length} (not a FIPS-format object)");
        if (!priv) return (name, false, data.AsSpan(header, (int)len).ToArray());
        var objectKey = AesKeyUnwrap(masterKey, data[8..48])
                        ?? throw new CryptographicException($"{name}: object key does not unwrap under the master key");
        var flat = new byte[len];
        try
        {
            using var gcm = new AesGcm(objectKey, TagLength);
            gcm.Decrypt(data.AsSpan(48, 12), data.AsSpan(header, (int)len), data.AsSpan(header + (int)len, TagLength), flat, data.AsSpan(0, header));
        }
        catch (AuthenticationTagMismatchException) { throw new CryptographicException($"{name}: GCM tag check failed (damaged object)"); }
        finally { CryptographicOperations.ZeroMemory(objectKey); }
        return (name, true, flat);
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
