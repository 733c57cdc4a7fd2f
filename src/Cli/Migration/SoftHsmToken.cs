using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OpenCryptokiActors.Cli.Migration;

/// <summary>One attribute as SoftHSM2 stores it: a bool, a ulong, bytes, a mechanism set or an attribute map.</summary>
public sealed record SoftHsmAttribute(ulong Type, object Value);

/// <summary>An object read from a SoftHSM2 &lt;uuid&gt;.object file, its byte strings decrypted if it is private.</summary>
public sealed record SoftHsmObject(string File, IReadOnlyList<SoftHsmAttribute> Attributes)
{
    public object? Get(ulong type) => Attributes.FirstOrDefault(a => a.Type == type)?.Value;
}

/// <summary>
/// Reader for a SoftHSM2 token directory of the file backend (src/lib/object_store/ObjectFile.cpp, OSToken.cpp,
/// SecureDataManager.cpp, RFC4880.cpp in SoftHSM2):
/// <list type="bullet">
/// <item>token.object and every &lt;uuid&gt;.object: a big-endian u64 generation, then until EOF records of
///   (u64 PKCS#11 type, u64 kind, value): kind 1 bool (1 byte), 2 ulong (u64), 3 byte string (u64 length + bytes),
///   4 attribute map (u64 byte length + records), 5 mechanism set (u64 count + u64 each).</item>
/// <item>token.object holds CKA_OS_* vendor attributes (0x80005348 + n): 1 label, 2 serial, 3 flags, 4 SO PIN blob,
///   5 user PIN blob. A PIN blob is salt(8) ‖ IV(16) ‖ AES-256-CBC/PKCS#7(magic ‖ token key(32)) under the RFC 4880
///   iterated-salted S2K key SHA-256 (1500 + salt[7] rounds: H(salt‖PIN), then H(previous)).</item>
/// <item>Objects with CKA_PRIVATE = TRUE have every non-empty byte string stored as IV(16) ‖ AES-256-CBC/PKCS#7 under
///   the token key; bools and ulongs are in clear.</item>
/// </list>
/// </summary>
public static class SoftHsmToken
{
    public const ulong VendorSoftHsm = 0x80005348;
    public const ulong OsTokenLabel = VendorSoftHsm + 1, OsSoPin = VendorSoftHsm + 4, OsUserPin = VendorSoftHsm + 5;
    private const ulong CkaPrivate = 0x2;

    /// <summary>The token directory: DIR itself if it holds token.object, or its only subdirectory that does.</summary>
    public static string ResolveDirectory(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: no such directory");
        if (File.Exists(Path.Combine(dir, "token.object"))) return dir;
        var tokens = Directory.GetDirectories(dir).Where(d => File.Exists(Path.Combine(d, "token.object"))).ToList();
        return tokens.Count switch
        {
            1 => tokens[0],
            0 => throw new InvalidDataException($"{dir}: not a SoftHSM2 token directory (no token.object)"),
            _ => throw new InvalidDataException($"{dir} holds {tokens.Count} SoftHSM2 tokens: name one of " +
                                                string.Join(", ", tokens.Select(Path.GetFileName))),
        };
    }

    public static List<SoftHsmAttribute> ReadFile(string path)
    {
        var data = File.ReadAllBytes(path);
        var pos = 0;
        if (data.Length < 8) throw new InvalidDataException($"{path}: too short for a SoftHSM2 object file");
        ReadU64(data, ref pos); // generation
        var list = new List<SoftHsmAttribute>();
        while (pos < data.Length) list.Add(ReadRecord(data, ref pos, path));
        return list;
    }

    private static SoftHsmAttribute ReadRecord(byte[] d, ref int pos, string path)
    {
        var type = ReadU64(d, ref pos);
        var kind = ReadU64(d, ref pos);
        object value = kind switch
        {
            1 => Need(d, pos, 1, path) && d[pos++] != 0,
            2 => ReadU64(d, ref pos),
            3 => ReadBytes(d, ref pos, path),
            4 => ReadMap(d, ref pos, path),
            5 => ReadMechs(d, ref pos),
            _ => throw new InvalidDataException($"{path}: unknown attribute kind {kind} at offset {pos - 8}"),
        };
        return new SoftHsmAttribute(type, value);
    }

    private static List<SoftHsmAttribute> ReadMap(byte[] d, ref int pos, string path)
    {
        var len = ReadU64(d, ref pos);
        if (len > (ulong)(d.Length - pos)) throw new InvalidDataException($"{path}: attribute map overruns the file");
        var end = pos + (int)len;
        var list = new List<SoftHsmAttribute>();
        while (pos < end) list.Add(ReadRecord(d, ref pos, path));
        return list;
    }

    private static ulong[] ReadMechs(byte[] d, ref int pos)
    {
        var n = ReadU64(d, ref pos);
        if (n > (ulong)(d.Length - pos) / 8) throw new InvalidDataException("mechanism set overruns the file");
        var m = new ulong[n];
        for (var i = 0UL; i < n; i++) m[i] = ReadU64(d, ref pos);
        return m;
    }

    private static bool Need(byte[] d, int pos, int n, string path) =>
        pos + n <= d.Length ? true : throw new InvalidDataException($"{path}: truncated at offset {pos}");

    private static ulong ReadU64(byte[] d, ref int pos)
    {
        if (pos + 8 > d.Length) throw new InvalidDataException($"truncated SoftHSM2 file at offset {pos}");
        var v = BinaryPrimitives.ReadUInt64BigEndian(d.AsSpan(pos, 8));
        pos += 8;
        return v;
    }

    private static byte[] ReadBytes(byte[] d, ref int pos, string path)
    {
        var n = ReadU64(d, ref pos);
        if (n > (ulong)(d.Length - pos)) throw new InvalidDataException($"{path}: byte string overruns the file");
        var b = d.AsSpan(pos, (int)n).ToArray();
        pos += (int)n;
        return b;
    }

    /// <summary>Token key from the user PIN blob of token.object; CryptographicException if the PIN is wrong.</summary>
    public static byte[] UnwrapTokenKey(string tokenDir, string pin, bool so = false)
    {
        var token = ReadFile(Path.Combine(tokenDir, "token.object"));
        var blob = token.FirstOrDefault(a => a.Type == (so ? OsSoPin : OsUserPin))?.Value as byte[]
                   ?? throw new InvalidDataException($"{tokenDir}: the token has no {(so ? "SO" : "user")} PIN (not initialised)");
        if (blob.Length < 8 + 16 + 16) throw new InvalidDataException($"{tokenDir}: PIN blob too short");
        var salt = blob.AsSpan(0, 8).ToArray();
        var key = S2K(Encoding.UTF8.GetBytes(pin), salt);
        try
        {
            using var aes = Aes.Create();
            aes.Key = key;
            var plain = aes.DecryptCbc(blob.AsSpan(24), blob.AsSpan(8, 16), PaddingMode.PKCS7);
            if (plain.Length < 32) throw new CryptographicException("incorrect PIN for the SoftHSM2 token");
            var tokenKey = plain.AsSpan(plain.Length - 32).ToArray();
            CryptographicOperations.ZeroMemory(plain);
            return tokenKey;
        }
        catch (CryptographicException)
        {
            throw new CryptographicException("incorrect PIN for the SoftHSM2 token");
        }
        finally { CryptographicOperations.ZeroMemory(key); }
    }

    private static byte[] S2K(byte[] password, byte[] salt)
    {
        var iter = 1500 + salt[^1];
        var h = SHA256.HashData([.. salt, .. password]);
        while (--iter > 0) h = SHA256.HashData(h);
        CryptographicOperations.ZeroMemory(password);
        return h;
    }

    public static string Label(string tokenDir) =>
        ReadFile(Path.Combine(tokenDir, "token.object")).FirstOrDefault(a => a.Type == OsTokenLabel)?.Value is byte[] b
            ? Encoding.UTF8.GetString(b).TrimEnd(' ', '\0') : "";

    /// <summary>Every object of the token, private ones decrypted with <paramref name="tokenKey"/>.</summary>
    public static List<SoftHsmObject> ReadObjects(string tokenDir, byte[] tokenKey)
    {
        var result = new List<SoftHsmObject>();
        foreach (var f in Directory.GetFiles(tokenDir, "*.object").Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(f) == "token.object") continue;
            var attrs = ReadFile(f);
            var isPrivate = attrs.FirstOrDefault(a => a.Type == CkaPrivate)?.Value is true;
            if (isPrivate) attrs = attrs.Select(a => Decrypt(a, tokenKey, f)).ToList();
            result.Add(new SoftHsmObject(f, attrs));
        }
        return result;
    }

    private static SoftHsmAttribute Decrypt(SoftHsmAttribute a, byte[] key, string file)
    {
        switch (a.Value)
        {
            case byte[] { Length: > 0 } b:
                if (b.Length < 32 || b.Length % 16 != 0)
                    throw new InvalidDataException($"{Path.GetFileName(file)}: attribute 0x{a.Type:X} is not a SoftHSM2 ciphertext");
                using (var aes = Aes.Create())
                {
                    aes.Key = key;
                    return a with { Value = aes.DecryptCbc(b.AsSpan(16), b.AsSpan(0, 16), PaddingMode.PKCS7) };
                }
            case List<SoftHsmAttribute> map:
                return a with { Value = map.Select(m => Decrypt(m, key, file)).ToList() };
            default:
                return a;
        }
    }
}
