using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;

namespace OpenCryptokiActors.Tokens.Mechanisms;

/// <summary>
/// A hash function as the mechanisms see it: its digest mechanism, MGF1 variant (0 when the spec defines none), the
/// DER DigestInfo prefix of PKCS#1 v1.5 signatures (RFC 8017 §9.2 note 1) and its implementations.
/// </summary>
public sealed record HashAlg(ulong Digest, ulong Mgf1, HashAlgorithmName Name, int Length, string DigestInfoHex, Func<IDigest> Bouncy)
{
    private readonly byte[] _digestInfoPrefix = Convert.FromHexString(DigestInfoHex);

    /// <summary>The DER DigestInfo prefix (shared: do not modify).</summary>
    public byte[] DigestInfoPrefix => _digestInfoPrefix;

    /// <summary>The input block size of the hash (HMAC, PBKDF2).</summary>
    public int BlockSize => Bouncy().GetByteLength();
}

/// <summary>
/// MD5, SHA-1, SHA-2 (with SHA-512/224 and SHA-512/256) and SHA-3, looked up by digest mechanism (CKM_SHA256) or
/// MGF (CKG_MGF1_SHA256).
/// </summary>
public static class Hashes
{
    public static readonly HashAlg Md5 = new(CKM.MD5, 0, HashAlgorithmName.MD5, 16, "3020300c06082a864886f70d020505000410", () => new MD5Digest());
    public static readonly HashAlg Sha1 = new(CKM.SHA_1, CKG.MGF1_SHA1, HashAlgorithmName.SHA1, 20, "3021300906052b0e03021a05000414", () => new Sha1Digest());
    public static readonly HashAlg Sha224 = new(CKM.SHA224, CKG.MGF1_SHA224, new HashAlgorithmName("SHA224"), 28, "302d300d06096086480165030402040500041c", () => new Sha224Digest());
    public static readonly HashAlg Sha256 = new(CKM.SHA256, CKG.MGF1_SHA256, HashAlgorithmName.SHA256, 32, "3031300d060960864801650304020105000420", () => new Sha256Digest());
    public static readonly HashAlg Sha384 = new(CKM.SHA384, CKG.MGF1_SHA384, HashAlgorithmName.SHA384, 48, "3041300d060960864801650304020205000430", () => new Sha384Digest());
    public static readonly HashAlg Sha512 = new(CKM.SHA512, CKG.MGF1_SHA512, HashAlgorithmName.SHA512, 64, "3051300d060960864801650304020305000440", () => new Sha512Digest());
    public static readonly HashAlg Sha512_224 = new(CKM.SHA512_224, 0, new HashAlgorithmName("SHA512/224"), 28, "302d300d06096086480165030402050500041c", () => new Sha512tDigest(224));
    public static readonly HashAlg Sha512_256 = new(CKM.SHA512_256, 0, new HashAlgorithmName("SHA512/256"), 32, "3031300d060960864801650304020605000420", () => new Sha512tDigest(256));
    public static readonly HashAlg Sha3_224 = new(CKM.SHA3_224, CKG.MGF1_SHA3_224, new HashAlgorithmName("SHA3-224"), 28, "302d300d06096086480165030402070500041c", () => new Sha3Digest(224));
    public static readonly HashAlg Sha3_256 = new(CKM.SHA3_256, CKG.MGF1_SHA3_256, HashAlgorithmName.SHA3_256, 32, "3031300d060960864801650304020805000420", () => new Sha3Digest(256));
    public static readonly HashAlg Sha3_384 = new(CKM.SHA3_384, CKG.MGF1_SHA3_384, HashAlgorithmName.SHA3_384, 48, "3041300d060960864801650304020905000430", () => new Sha3Digest(384));
    public static readonly HashAlg Sha3_512 = new(CKM.SHA3_512, CKG.MGF1_SHA3_512, HashAlgorithmName.SHA3_512, 64, "3051300d060960864801650304020a05000440", () => new Sha3Digest(512));

    public static IReadOnlyList<HashAlg> All { get; } =
        [Md5, Sha1, Sha224, Sha256, Sha384, Sha512, Sha512_224, Sha512_256, Sha3_224, Sha3_256, Sha3_384, Sha3_512];

    // Legacy hashes (offered under policy.legacy only): MD2 (RFC 1319), RIPEMD-128 and RIPEMD-160 (ISO/IEC 10118-3),
    // through BouncyCastle; DigestInfo prefixes from RFC 8017 §9.2 note 1 (MD2) and the TeleTrusT OIDs 1.3.36.3.2.2 / .1.
    public static readonly HashAlg Md2 = new(CKM.MD2, 0, new HashAlgorithmName("MD2"), 16, "3020300c06082a864886f70d020205000410", () => new MD2Digest());
    public static readonly HashAlg Ripemd128 = new(CKM.RIPEMD128, 0, new HashAlgorithmName("RIPEMD128"), 16, "301d300906052b24030202050004" + "10", () => new RipeMD128Digest());
    public static readonly HashAlg Ripemd160 = new(CKM.RIPEMD160, 0, new HashAlgorithmName("RIPEMD160"), 20, "3021300906052b2403020105000414", () => new RipeMD160Digest());

    public static IReadOnlyList<HashAlg> Legacy { get; } = [Md2, Ripemd128, Ripemd160];

    /// <summary>openCryptoki's IBM numbers for SHA-3 (CKM_IBM_SHA3_224 ... 512): the same functions as CKM_SHA3_*.</summary>
    public static IReadOnlyList<(ulong Ibm, HashAlg Hash)> IbmSha3 { get; } =
        [(CKM.IBM_SHA3_224, Sha3_224), (CKM.IBM_SHA3_256, Sha3_256), (CKM.IBM_SHA3_384, Sha3_384), (CKM.IBM_SHA3_512, Sha3_512)];

    public static HashAlg? ByDigest(ulong mechanism) => All.FirstOrDefault(h => h.Digest == mechanism);

    /// <summary>The hash a digest mechanism computes: the standard ones, the legacy ones and the IBM SHA-3 numbers.</summary>
    public static HashAlg? ForDigestMechanism(ulong mechanism) =>
        ByDigest(mechanism) ?? Legacy.FirstOrDefault(h => h.Digest == mechanism) ?? IbmSha3.Where(x => x.Ibm == mechanism).Select(x => x.Hash).FirstOrDefault();

    public static HashAlg? ByMgf(ulong mgf) => mgf == 0 ? null : All.FirstOrDefault(h => h.Mgf1 == mgf);

    /// <summary>
    /// Whether .NET (OpenSSL) hashes and HMACs with it: SHA-224 and SHA-512/t are not exposed, SHA-3 only when the
    /// OpenSSL build has it. The rest goes through BouncyCastle.
    /// </summary>
    public static bool NetSupports(HashAlg h) => h.Digest switch
    {
        CKM.MD5 or CKM.SHA_1 or CKM.SHA256 or CKM.SHA384 or CKM.SHA512 => true,
        CKM.SHA3_256 => SHA3_256.IsSupported && HMACSHA3_256.IsSupported,
        CKM.SHA3_384 => SHA3_384.IsSupported && HMACSHA3_384.IsSupported,
        CKM.SHA3_512 => SHA3_512.IsSupported && HMACSHA3_512.IsSupported,
        _ => false,
    };

    /// <summary>
    /// Whether .NET's RSA signs and pads (PKCS#1 v1.5, PSS, OAEP) with this hash: SHA-1, SHA-256/384/512 and, when the
    /// OpenSSL build has them, SHA3-256/384/512 (.NET exposes no SHA-224, SHA-512/t nor SHA3-224).
    /// </summary>
    public static bool NetRsaSupports(HashAlg h) => h.Digest switch
    {
        CKM.SHA_1 or CKM.SHA256 or CKM.SHA384 or CKM.SHA512 => true,
        CKM.SHA3_256 => SHA3_256.IsSupported,
        CKM.SHA3_384 => SHA3_384.IsSupported,
        CKM.SHA3_512 => SHA3_512.IsSupported,
        _ => false,
    };

    public static IHasher CreateHasher(HashAlg h) => NetSupports(h) ? new NetHasher(IncrementalHash.CreateHash(h.Name)) : new BouncyHasher(h.Bouncy());

    public static IHasher CreateHmac(HashAlg h, byte[] key) =>
        NetSupports(h) ? new NetHasher(IncrementalHash.CreateHMAC(h.Name, key)) : new BouncyHmac(h.Bouncy(), key);

    public static byte[] Hash(HashAlg h, ReadOnlySpan<byte> data)
    {
        var x = CreateHasher(h);
        x.Append(data);
        return x.Finish();
    }

    public static byte[] Hmac(HashAlg h, byte[] key, ReadOnlySpan<byte> data)
    {
        var x = CreateHmac(h, key);
        x.Append(data);
        return x.Finish();
    }
}

/// <summary>An incremental hash or MAC.</summary>
public interface IHasher
{
    void Append(ReadOnlySpan<byte> data);

    byte[] Finish();
}

internal sealed class NetHasher(IncrementalHash inner) : IHasher
{
    private bool _finished;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_finished) throw Hasher.Finished();
        inner.AppendData(data);
    }

    public byte[] Finish()
    {
        if (_finished) throw Hasher.Finished();
        _finished = true;
        var r = inner.GetHashAndReset();
        inner.Dispose();
        return r;
    }
}

internal static class Hasher
{
    /// <summary>
    /// More input or a second result after the hash or MAC was computed (a C_DigestUpdate or C_SignUpdate after a
    /// single-part call that answered CKR_BUFFER_TOO_SMALL and keeps its result): refused with a PKCS#11 code, which
    /// ends the operation, instead of an exception that left the request unanswered.
    /// </summary>
    public static CkException Finished() => new(CKR.FUNCTION_FAILED, "the operation's result was already computed");
}

/// <summary>
/// A keyed .NET hash (HMAC) taken from a key's pool for one operation and given back, reset to the keyed state, when it
/// finishes. An operation abandoned before Final keeps its context, which then goes with the garbage collector.
/// </summary>
internal sealed class PooledHasher : IHasher
{
    private Pool<IncrementalHash>.Lease? _lease;

    public PooledHasher(Pool<IncrementalHash> pool) => _lease = pool.Rent();

    public void Append(ReadOnlySpan<byte> data) => Current.Item.AppendData(data);

    public byte[] Finish()
    {
        var lease = Current;
        _lease = null;
        using (lease) return lease.Item.GetHashAndReset();
    }

    private Pool<IncrementalHash>.Lease Current => _lease ?? throw Hasher.Finished();
}

internal sealed class BouncyHasher(IDigest inner) : IHasher
{
    public void Append(ReadOnlySpan<byte> data) => inner.BlockUpdate(data);

    public byte[] Finish()
    {
        var r = new byte[inner.GetDigestSize()];
        inner.DoFinal(r, 0);
        return r;
    }
}

internal sealed class BouncyHmac : IHasher
{
    private readonly Org.BouncyCastle.Crypto.Macs.HMac _mac;

    public BouncyHmac(IDigest digest, byte[] key)
    {
        _mac = new Org.BouncyCastle.Crypto.Macs.HMac(digest);
        _mac.Init(new Org.BouncyCastle.Crypto.Parameters.KeyParameter(key));
    }

    public void Append(ReadOnlySpan<byte> data) => _mac.BlockUpdate(data);

    public byte[] Finish()
    {
        var r = new byte[_mac.GetMacSize()];
        _mac.DoFinal(r, 0);
        return r;
    }
}

/// <summary>Shared argument checks of the mechanism families.</summary>
internal static class Check
{
    public static void NoParameter(byte[]? parameter)
    {
        if (parameter is { Length: > 0 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "this mechanism takes no parameter");
    }

    /// <summary>The CKA_VALUE of a secret key whose CKA_KEY_TYPE is one of <paramref name="keyTypes"/>.</summary>
    public static byte[] SecretValue(AttributeSet key, params ulong[] keyTypes)
    {
        if (key.GetULong(CKA.CLASS) != CKO.SECRET_KEY || !keyTypes.Contains(key.GetULong(CKA.KEY_TYPE) ?? ulong.MaxValue))
            throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "wrong key type for this mechanism");
        return key.Get(CKA.VALUE) ?? throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "secret key without value");
    }

    /// <summary>Constant-time comparison of a computed and a presented MAC or signature.</summary>
    public static bool Equal(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => CryptographicOperations.FixedTimeEquals(a, b);
}

/// <summary>Collects the data of a multi-part operation that is computed at the end.</summary>
internal sealed class DataBuffer
{
    private readonly MemoryStream _data = new();

    public void Append(ReadOnlySpan<byte> data) => _data.Write(data);

    public byte[] Take()
    {
        var r = _data.ToArray();
        _data.SetLength(0);
        return r;
    }
}
