using System.Security.Cryptography;
using System.Text;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.Mechanisms.Derive;

/// <summary>
/// TLS 1.2 and SSL 3.0 key derivation and MACs (PKCS#11 v3.0 §6.38–6.41, as openCryptoki and Kryoptic offer them):
/// CKM_SSL3_PRE_MASTER_KEY_GEN / CKM_TLS_PRE_MASTER_KEY_GEN (48 random bytes led by the CK_VERSION),
/// CKM_TLS12_MASTER_KEY_DERIVE(_DH) and CKM_SSL3_MASTER_KEY_DERIVE(_DH) (the CK_VERSION of the pre-master secret is answered
/// when pVersion is given; the _DH forms take any secret and no pVersion), CKM_TLS12_KEY_AND_MAC_DERIVE,
/// CKM_TLS12_KEY_SAFE_DERIVE (no IVs) and CKM_SSL3_KEY_AND_MAC_DERIVE (client and server MAC keys, then client and server
/// keys of the caller's template, then the IVs; export derivations are refused), CKM_TLS12_KDF / CKM_TLS_KDF (RFC 5705
/// style: label || client random || server random || context), CKM_TLS_MAC / CKM_TLS12_MAC (the Finished verify_data,
/// CK_TLS_MAC_PARAMS) and CKM_SSL3_MD5_MAC / CKM_SSL3_SHA1_MAC (CK_MAC_GENERAL_PARAMS). The TLS 1.2 PRF is P_hash of
/// RFC 5246 §5 over the HMAC of the parameter's hash (.NET or BouncyCastle through <see cref="Hashes"/>); MD5 is refused as
/// a TLS 1.2 PRF hash. Key sizes in bytes.
/// </summary>
public sealed class TlsMechanisms : IMechanism
{
    private const int MasterSecretLength = 48;
    private const int RandomLength = 32;
    private static readonly TlsMechanisms Instance = new();

    public static void Register(MechanismRegistry r)
    {
        var generate = new MechanismInfo(MasterSecretLength, MasterSecretLength, CKF.GENERATE);
        var derive = new MechanismInfo(MasterSecretLength, MasterSecretLength, CKF.DERIVE);
        var deriveDh = new MechanismInfo(1, 4096, CKF.DERIVE);
        var mac = new MechanismInfo(1, 4096, CKF.SIGN | CKF.VERIFY);
        r.Add(CKM.SSL3_PRE_MASTER_KEY_GEN, generate, Instance, MechanismFacts.Keys(CKK.GENERIC_SECRET));
        r.Add(CKM.TLS_PRE_MASTER_KEY_GEN, generate, Instance, MechanismFacts.Keys(CKK.GENERIC_SECRET));
        var any = MechanismFacts.AnyKey;
        r.Add(CKM.TLS12_MASTER_KEY_DERIVE, derive, Instance, any.Taking(ParamKind.Tls12MasterKeyDerive));
        r.Add(CKM.SSL3_MASTER_KEY_DERIVE, derive, Instance, any.Taking(ParamKind.Ssl3MasterKeyDerive));
        r.Add(CKM.TLS12_KEY_AND_MAC_DERIVE, derive, Instance, any.Taking(ParamKind.Tls12KeyMat));
        r.Add(CKM.TLS12_KEY_SAFE_DERIVE, derive, Instance, any.Taking(ParamKind.Tls12KeyMat));
        r.Add(CKM.SSL3_KEY_AND_MAC_DERIVE, derive, Instance, any.Taking(ParamKind.Ssl3KeyMat));
        r.Add(CKM.TLS12_KDF, derive, Instance, any.Taking(ParamKind.TlsKdf));
        r.Add(CKM.TLS_KDF, derive, Instance, any.Taking(ParamKind.TlsKdf));
        r.Add(CKM.TLS12_MASTER_KEY_DERIVE_DH, deriveDh, Instance, MechanismFacts.AnyKey.Taking(ParamKind.Tls12MasterKeyDerive));
        r.Add(CKM.SSL3_MASTER_KEY_DERIVE_DH, deriveDh, Instance, MechanismFacts.AnyKey.Taking(ParamKind.Ssl3MasterKeyDerive));
        r.Add(CKM.TLS_MAC, new MechanismInfo(MasterSecretLength, MasterSecretLength, CKF.SIGN | CKF.VERIFY), Instance, MechanismFacts.Keys(CKK.GENERIC_SECRET));
        r.Add(CKM.TLS12_MAC, new MechanismInfo(MasterSecretLength, MasterSecretLength, CKF.SIGN | CKF.VERIFY), Instance, MechanismFacts.Keys(CKK.GENERIC_SECRET));
        r.Add(CKM.SSL3_MD5_MAC, mac, Instance, MechanismFacts.Keys(CKK.GENERIC_SECRET));
        r.Add(CKM.SSL3_SHA1_MAC, mac, Instance, MechanismFacts.Keys(CKK.GENERIC_SECRET));
    }

    /// <summary>The TLS 1.2 PRF (RFC 5246 §5): P_hash(secret, label || seed) truncated to <paramref name="length"/>.</summary>
    public static byte[] Prf(HashAlg h, byte[] secret, string label, ReadOnlySpan<byte> seed, int length)
    {
        byte[] fullSeed = [.. Encoding.ASCII.GetBytes(label), .. seed];
        var output = new byte[length];
        var a = fullSeed;
        for (var done = 0; done < length;)
        {
            a = Hashes.Hmac(h, secret, a);
            var block = Hashes.Hmac(h, secret, [.. a, .. fullSeed]);
            var n = Math.Min(block.Length, length - done);
            block.AsSpan(0, n).CopyTo(output.AsSpan(done));
            done += n;
        }

        return output;
    }

    /// <summary>SSL 3.0 key material: MD5(secret || SHA1("A" || secret || seed)) || MD5(secret || SHA1("BB" || ...)) ...</summary>
    public static byte[] Ssl3Expand(byte[] secret, ReadOnlySpan<byte> seed, int length)
    {
        var output = new byte[(length + 15) / 16 * 16];
        for (var i = 0; i * 16 < length; i++)
        {
            var salt = Enumerable.Repeat((byte)('A' + i), i + 1).ToArray();
            var inner = SHA1.HashData([.. salt, .. secret, .. seed]);
            MD5.HashData([.. secret, .. inner]).CopyTo(output, i * 16);
        }

        return output[..length];
    }

    public AttributeSet GenerateKey(ulong mechanism, byte[]? parameter, AttributeSet template)
    {
        if (mechanism is not (CKM.SSL3_PRE_MASTER_KEY_GEN or CKM.TLS_PRE_MASTER_KEY_GEN)) throw new CkException(CKR.MECHANISM_INVALID);
        if (parameter is not { Length: 2 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "CK_VERSION expected");
        if (template.GetULong(CKA.KEY_TYPE) is { } kt && kt != CKK.GENERIC_SECRET) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "a pre-master secret is a generic secret");
        if (template.GetULong(CKA.VALUE_LEN) is { } l && l != MasterSecretLength) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "a pre-master secret has 48 bytes");
        var value = RandomNumberGenerator.GetBytes(MasterSecretLength);
        value[0] = parameter[0];
        value[1] = parameter[1];
        return DerivedKey.Make(CKK.GENERIC_SECRET, value);
    }

    public AttributeSet Derive(ulong mechanism, byte[]? parameter, AttributeSet baseKey, AttributeSet template) =>
        DeriveAll(mechanism, parameter, baseKey, template).Objects[0].Produced;

    public DerivedObjects DeriveAll(ulong mechanism, byte[]? parameter, AttributeSet baseKey, AttributeSet template)
    {
        var p = Params.Decode(parameter, b => TlsParams.Decode(b), "TLS derivation parameters");
        if (baseKey.GetULong(CKA.CLASS) != CKO.SECRET_KEY) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "a secret base key is required");
        var secret = baseKey.Get(CKA.VALUE) is { Length: > 0 } v ? v : throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "base key without value");
        var dh = mechanism is CKM.TLS12_MASTER_KEY_DERIVE_DH or CKM.SSL3_MASTER_KEY_DERIVE_DH;
        if (!dh && secret.Length != MasterSecretLength) throw new CkException(CKR.KEY_SIZE_RANGE, "the base key must be a 48-byte (pre-)master secret");
        if (p.ClientRandom.Length != RandomLength || p.ServerRandom.Length != RandomLength) throw Bad("client and server randoms have 32 bytes");
        var tls = mechanism is not (CKM.SSL3_MASTER_KEY_DERIVE or CKM.SSL3_MASTER_KEY_DERIVE_DH or CKM.SSL3_KEY_AND_MAC_DERIVE);
        var h = tls ? PrfHash(p.Prf) : null;
        byte[] clientServer = [.. p.ClientRandom, .. p.ServerRandom];
        byte[] serverClient = [.. p.ServerRandom, .. p.ClientRandom];
        switch (mechanism)
        {
            case CKM.TLS12_MASTER_KEY_DERIVE or CKM.TLS12_MASTER_KEY_DERIVE_DH or CKM.SSL3_MASTER_KEY_DERIVE or CKM.SSL3_MASTER_KEY_DERIVE_DH:
            {
                if (dh && p.VersionWanted) throw Bad("the DH master key derivations return no version");
                var (kt, len) = DerivedKey.Shape(template, MasterSecretLength, MasterSecretLength);
                if (kt != CKK.GENERIC_SECRET || len != MasterSecretLength) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "a master secret is a 48-byte generic secret");
                var master = h is not null ? Prf(h, secret, "master secret", clientServer, MasterSecretLength) : Ssl3Expand(secret, clientServer, MasterSecretLength);
                return new DerivedObjects([new DerivedObject(template, DerivedKey.Make(CKK.GENERIC_SECRET, master))], p.VersionWanted ? secret[..2] : null);
            }

            case CKM.TLS12_KEY_AND_MAC_DERIVE or CKM.TLS12_KEY_SAFE_DERIVE or CKM.SSL3_KEY_AND_MAC_DERIVE:
                return KeyMaterial(mechanism, p, h, secret, serverClient, baseKey, template);
            case CKM.TLS12_KDF or CKM.TLS_KDF:
            {
                if (p.Label.Length == 0) throw Bad("a label is required");
                var (kt, len) = DerivedKey.Shape(template, null, 4096);
                var output = Prf(h!, secret, Encoding.ASCII.GetString(p.Label), [.. clientServer, .. p.Context], len);
                return new DerivedObjects([new DerivedObject(template, DerivedKey.Make(kt, output))], null);
            }

            default:
                throw new CkException(CKR.MECHANISM_INVALID);
        }
    }

    /// <summary>The key block ("key expansion", server random first): client and server MAC keys, keys and IVs, in that order.</summary>
    private static DerivedObjects KeyMaterial(ulong mechanism, TlsParams p, HashAlg? h, byte[] master, byte[] serverClient, AttributeSet baseKey, AttributeSet template)
    {
        if (p.IsExport) throw Bad("export key derivations are not supported");
        if (p.MacBits % 8 != 0 || p.KeyBits % 8 != 0 || p.IvBits % 8 != 0 || p.MacBits > 4096 || p.KeyBits > 4096 || p.IvBits > 1024)
            throw Bad("sizes must be whole bytes");
        var macLength = (int)p.MacBits / 8;
        var keyLength = (int)p.KeyBits / 8;
        var ivLength = mechanism == CKM.TLS12_KEY_SAFE_DERIVE ? 0 : (int)p.IvBits / 8;
        var total = 2 * (macLength + keyLength + ivLength);
        var block = h is not null ? Prf(h, master, "key expansion", serverClient, total) : Ssl3Expand(master, serverClient, total);
        var objects = new List<DerivedObject>(4);
        var at = 0;
        byte[] Take(int n)
        {
            var r = block.AsSpan(at, n).ToArray();
            at += n;
            return r;
        }

        if (macLength > 0)
        {
            var macTemplate = new AttributeSet();
            macTemplate.SetULong(CKA.CLASS, CKO.SECRET_KEY);
            macTemplate.SetULong(CKA.KEY_TYPE, CKK.GENERIC_SECRET);
            macTemplate.SetBool(CKA.SIGN, true);
            macTemplate.SetBool(CKA.VERIFY, true);
            foreach (var inherited in new[] { CKA.SENSITIVE, CKA.EXTRACTABLE })
                if (baseKey.GetBool(inherited) is { } b) macTemplate.SetBool(inherited, b);
            objects.Add(new DerivedObject(macTemplate, DerivedKey.Make(CKK.GENERIC_SECRET, Take(macLength))));
            objects.Add(new DerivedObject(macTemplate.Clone(), DerivedKey.Make(CKK.GENERIC_SECRET, Take(macLength))));
        }

        if (keyLength > 0)
        {
            var (kt, len) = DerivedKey.Shape(template, keyLength, keyLength);
            if (len != keyLength) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "the template's key length differs from ulKeySizeInBits");
            objects.Add(new DerivedObject(template, DerivedKey.Make(kt, Take(keyLength))));
            objects.Add(new DerivedObject(template.Clone(), DerivedKey.Make(kt, Take(keyLength))));
        }

        return new DerivedObjects(objects, ivLength > 0 ? Take(2 * ivLength) : null);
    }

    public ISignOperation CreateSign(ulong mechanism, byte[]? parameter, AttributeSet key) => CreateMac(mechanism, parameter, key);

    public IVerifyOperation CreateVerify(ulong mechanism, byte[]? parameter, AttributeSet key) => CreateMac(mechanism, parameter, key);

    private static BufferedMac CreateMac(ulong mechanism, byte[]? parameter, AttributeSet key)
    {
        if (key.GetULong(CKA.CLASS) != CKO.SECRET_KEY) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "a secret key is required");
        var secret = key.Get(CKA.VALUE) is { Length: > 0 } v ? v : throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "key without value");
        switch (mechanism)
        {
            case CKM.TLS_MAC or CKM.TLS12_MAC:
            {
                // CK_TLS_MAC_PARAMS { prfHashMechanism; ulMacLength; ulServerOrClient }
                if (parameter is not { Length: 24 }) throw Bad("CK_TLS_MAC_PARAMS expected");
                var h = PrfHash(MechanismParams.ULongAt(parameter, 0));
                var length = MechanismParams.ULongAt(parameter, 8);
                var label = MechanismParams.ULongAt(parameter, 16) switch
                {
                    1 => "server finished",
                    2 => "client finished",
                    _ => throw Bad("ulServerOrClient is 1 (server) or 2 (client)"),
                };
                if (length is 0 or > 1024) throw Bad("ulMacLength out of range");
                return new BufferedMac(data => Prf(h, secret, label, data, (int)length), (int)length);
            }

            case CKM.SSL3_MD5_MAC or CKM.SSL3_SHA1_MAC:
            {
                var md5 = mechanism == CKM.SSL3_MD5_MAC;
                var length = Params.ULong(parameter, "CK_MAC_GENERAL_PARAMS");
                if (length is 0 || length > (md5 ? 16UL : 20UL)) throw Bad("MAC length out of range");
                var pads = md5 ? 48 : 40;
                Func<byte[], byte[]> hash = md5 ? MD5.HashData : SHA1.HashData;
                return new BufferedMac(data =>
                {
                    var inner = hash([.. secret, .. Enumerable.Repeat((byte)0x36, pads), .. data]);
                    return hash([.. secret, .. Enumerable.Repeat((byte)0x5c, pads), .. inner])[..(int)length];
                }, (int)length);
            }

            default:
                throw new CkException(CKR.MECHANISM_INVALID);
        }
    }

    /// <summary>The hash of a TLS 1.2 PRF, named by its digest mechanism (MD5 is not a TLS 1.2 PRF hash).</summary>
    private static HashAlg PrfHash(ulong mechanism) =>
        Hashes.ByDigest(mechanism) is { } h && mechanism != CKM.MD5 ? h : throw Bad("unsupported PRF hash");

    private static CkException Bad(string why) => new(CKR.MECHANISM_PARAM_INVALID, why);

    /// <summary>A MAC computed over all the data at the end (the TLS PRF and SSL3 MACs are not incremental here).</summary>
    private sealed class BufferedMac(Func<byte[], byte[]> compute, int length) : ISignOperation, IVerifyOperation
    {
        private readonly DataBuffer _data = new();

        public byte[] OneShot(ReadOnlySpan<byte> data) => compute(data.ToArray());

        public void Update(ReadOnlySpan<byte> data) => _data.Append(data);

        public byte[] Final() => compute(_data.Take());

        public bool OneShot(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        {
            if (signature.Length != length) throw new CkException(CKR.SIGNATURE_LEN_RANGE);
            return Check.Equal(OneShot(data), signature);
        }

        public bool Final(ReadOnlySpan<byte> signature)
        {
            if (signature.Length != length) throw new CkException(CKR.SIGNATURE_LEN_RANGE);
            return Check.Equal(Final(), signature);
        }
    }
}
