using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OpenCryptokiActors.Cli.Migration;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace OpenCryptokiActors.Cli.Tests;

/// <summary>
/// Rewrites a real openCryptoki soft token made in the legacy data store (Debian's 3.8.1) into the FIPS data store of
/// openCryptoki 3.12+, as openCryptoki's pkcstok_migrate does, following usr/lib/common/loadsave.c and host_defs.h:
/// NVTOK.DAT = TOKEN_DATA_OLD with big-endian integers + TOKEN_DATA_VERSION (PBKDF2-HMAC-SHA512 salts, iteration counts
/// and login keys); MK_SO/MK_USER = a new 256-bit master key under AES-KW with the PIN-derived wrap keys; each private
/// object = 64-byte header (version, flag, AES-KW-wrapped object key, IV = name ‖ counter 1, length) authenticating
/// AES-256-GCM of the flattened object; each public object = 16-byte header + flattened object. The flattened objects
/// are the bytes openCryptoki itself wrote. (Debian ships no openCryptoki that writes this store.)
/// </summary>
public static class OpenCryptokiFipsStore
{
    private const uint Version312 = (3u << 16) | 12;
    private const int Iterations = 100_000, OldLength = 232;

    public static string Convert(string legacyDir, string soPin, string userPin, string targetDir)
    {
        var legacyKey = OpenCryptokiToken.UnwrapMasterKey(legacyDir, userPin);
        var objects = OpenCryptokiToken.ReadFlattened(legacyDir, legacyKey);
        var masterKey = RandomNumberGenerator.GetBytes(32);
        Directory.CreateDirectory(Path.Combine(targetDir, "TOK_OBJ"));

        var nv = new byte[OldLength + 360];
        File.ReadAllBytes(Path.Combine(legacyDir, "NVTOK.DAT")).AsSpan(0, OldLength).CopyTo(nv);
        for (var off = 96; off < 140; off += 4) ToBigEndian32(nv, off);   // CK_TOKEN_INFO_32 flags .. ulFreePrivateMemory
        for (var off = 216; off < 232; off += 4) ToBigEndian32(nv, off);  // TWEAK_VEC
        var dat = nv.AsSpan(OldLength);
        BinaryPrimitives.WriteUInt32BigEndian(dat, Version312);
        var soWrap = Parameters(dat, 0, soPin);      // so_login_* at 8, so_wrap_* at 216
        var userWrap = Parameters(dat, 1, userPin);  // user_login_* at 112, user_wrap_* at 288
        File.WriteAllBytes(Path.Combine(targetDir, "NVTOK.DAT"), nv);
        File.WriteAllBytes(Path.Combine(targetDir, "MK_SO"), Wrap(soWrap, masterKey));
        File.WriteAllBytes(Path.Combine(targetDir, "MK_USER"), Wrap(userWrap, masterKey));

        File.Copy(Path.Combine(legacyDir, "TOK_OBJ", "OBJ.IDX"), Path.Combine(targetDir, "TOK_OBJ", "OBJ.IDX"));
        foreach (var (name, priv, flat) in objects)
            File.WriteAllBytes(Path.Combine(targetDir, "TOK_OBJ", name), priv ? Private(name, flat, masterKey) : Public(flat));
        return targetDir;
    }

    private static byte[] Parameters(Span<byte> dat, int who, string pin)
    {
        var login = who == 0 ? 8 : 112;
        var wrap = who == 0 ? 216 : 288;
        var pinBytes = Encoding.UTF8.GetBytes(pin);
        BinaryPrimitives.WriteUInt64BigEndian(dat[login..], Iterations);
        RandomNumberGenerator.Fill(dat.Slice(login + 8, 64));
        Rfc2898DeriveBytes.Pbkdf2(pinBytes, dat.Slice(login + 8, 64), dat.Slice(login + 72, 32), Iterations, HashAlgorithmName.SHA512);
        BinaryPrimitives.WriteUInt64BigEndian(dat[wrap..], Iterations);
        RandomNumberGenerator.Fill(dat.Slice(wrap + 8, 64));
        return Rfc2898DeriveBytes.Pbkdf2(pinBytes, dat.Slice(wrap + 8, 64), Iterations, HashAlgorithmName.SHA512, 32);
    }

    private static byte[] Private(string name, byte[] flat, byte[] masterKey)
    {
        var objectKey = RandomNumberGenerator.GetBytes(32);
        var data = new byte[64 + flat.Length + 16];
        BinaryPrimitives.WriteUInt32BigEndian(data, Version312);
        data[4] = 1;
        Wrap(masterKey, objectKey).CopyTo(data, 8);
        Encoding.ASCII.GetBytes(name[..8]).CopyTo(data, 48);
        data[59] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(60), (uint)flat.Length);
        using var gcm = new AesGcm(objectKey, 16);
        gcm.Encrypt(data.AsSpan(48, 12), flat, data.AsSpan(64, flat.Length), data.AsSpan(64 + flat.Length), data.AsSpan(0, 64));
        return data;
    }

    private static byte[] Public(byte[] flat)
    {
        var data = new byte[16 + flat.Length];
        BinaryPrimitives.WriteUInt32BigEndian(data, Version312);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(12), (uint)flat.Length);
        flat.CopyTo(data, 16);
        return data;
    }

    private static byte[] Wrap(byte[] kek, byte[] key)
    {
        var engine = new AesWrapEngine();
        engine.Init(true, new KeyParameter(kek));
        return engine.Wrap(key, 0, key.Length);
    }

    private static void ToBigEndian32(byte[] b, int off) =>
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(off), BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(off)));
}
