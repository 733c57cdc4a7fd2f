using System.Buffers.Binary;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms.Hmac;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace OpenCryptokiActors.Tokens.Mechanisms.Derive;

/// <summary>
/// NIST SP 800-108 key-based KDFs (PKCS#11 v3.0 §2.42): CKM_SP800_108_COUNTER_KDF, CKM_SP800_108_FEEDBACK_KDF and
/// CKM_SP800_108_DOUBLE_PIPELINE_KDF. The PRF (CK_SP800_108_PRF_TYPE) is an HMAC mechanism other than MD5 (any secret
/// base key), CKM_AES_CMAC (AES key) or CKM_DES3_CMAC (DES2/DES3 key), from BouncyCastle. The PRF input is the data
/// parameters in the caller's order: the iteration variable (the counter in counter mode — CK_SP800_108_COUNTER_FORMAT,
/// 8..32 bits — and K(i-1) or A(i) in the chaining modes), the optional counter (chaining modes), the DKM length
/// (CK_SP800_108_DKM_LENGTH_FORMAT, 8..64 bits, sum of keys or of segments) and byte arrays. Additional derived keys each
/// take their own PRF-output-aligned segment of the key stream, after the first key's. Base key size in bytes.
/// </summary>
public sealed class Sp800108Kdf : IMechanism
{
    private static readonly Sp800108Kdf Instance = new();

    public static void Register(MechanismRegistry r)
    {
        var info = new MechanismInfo(1, 4096, CKF.DERIVE);
        r.Add(CKM.SP800_108_COUNTER_KDF, info, Instance, MechanismFacts.AnyKey.Taking(ParamKind.Sp800108));
        r.Add(CKM.SP800_108_FEEDBACK_KDF, info, Instance, MechanismFacts.AnyKey.Taking(ParamKind.Sp800108Feedback));
        r.Add(CKM.SP800_108_DOUBLE_PIPELINE_KDF, info, Instance, MechanismFacts.AnyKey.Taking(ParamKind.Sp800108));
    }

    public AttributeSet Derive(ulong mechanism, byte[]? parameter, AttributeSet baseKey, AttributeSet template) =>
        DeriveAll(mechanism, parameter, baseKey, template).Objects[0].Produced;

    public DerivedObjects DeriveAll(ulong mechanism, byte[]? parameter, AttributeSet baseKey, AttributeSet template)
    {
        if (!Sp800108.IsKdf(mechanism)) throw new CkException(CKR.MECHANISM_INVALID);
        var p = Params.Decode(parameter, b => Sp800108Params.Decode(b), "CK_SP800_108_KDF_PARAMS");
        var counterMode = mechanism == CKM.SP800_108_COUNTER_KDF;
        if (mechanism != CKM.SP800_108_FEEDBACK_KDF && p.Iv.Length != 0) throw Bad("only the feedback KDF takes an IV");
        var data = p.DataParams.Select(d => Parse(d, counterMode)).ToArray();
        if (data.Count(d => d.Type == Sp800108.IterationVariable) != 1) throw Bad("exactly one iteration variable is required");
        if (data.Count(d => d.Type == Sp800108.OptionalCounter) > 1 || data.Count(d => d.Type == Sp800108.DkmLength) > 1)
            throw Bad("at most one counter and one DKM length");
        var mac = Prf(p.PrfType, baseKey);
        var h = mac.GetMacSize();

        var templates = new List<AttributeSet> { template };
        foreach (var t in p.AdditionalKeys)
        {
            try
            {
                templates.Add(AttributeSet.FromTemplate(t));
            }
            catch (CkException)
            {
                throw Bad("bad template of an additional derived key");
            }
        }

        var shapes = templates.Select(t => DerivedKey.Shape(t, null, 4096)).ToArray();
        var segments = shapes.Select(s => (s.Length + h - 1) / h * h).ToArray();
        var total = segments.Sum();
        var dkm = data.FirstOrDefault(d => d.Type == Sp800108.DkmLength);
        var l = (ulong)(dkm?.Method == Sp800108.DkmLengthSumOfSegments ? total : shapes.Sum(s => s.Length)) * 8;
        var blocks = total / h;
        var counterWidth = data.FirstOrDefault(d => d.Type == (counterMode ? Sp800108.IterationVariable : Sp800108.OptionalCounter))?.Width ?? 32;
        if ((ulong)blocks >= 1UL << counterWidth) throw Bad("the counter is too narrow for the requested length");
        if (dkm is not null && dkm.Width < 64 && l >= 1UL << dkm.Width) throw Bad("the DKM length field is too narrow");

        var stream = Generate(mechanism, mac, data, p.Iv, blocks, l);
        var objects = new List<DerivedObject>(templates.Count);
        var offset = 0;
        for (var i = 0; i < templates.Count; i++)
        {
            objects.Add(new DerivedObject(templates[i], DerivedKey.Make(shapes[i].KeyType, stream.AsSpan(offset, shapes[i].Length).ToArray())));
            offset += segments[i];
        }

        Array.Clear(stream);
        return new DerivedObjects(objects, null);
    }

    /// <summary>A validated CK_PRF_DATA_PARAM: counter or length encodings carry their width and byte order.</summary>
    private sealed record Field(ulong Type, byte[] Bytes, int Width, bool LittleEndian, ulong Method);

    private static Field Parse(PrfDataParam d, bool counterMode)
    {
        switch (d.Type)
        {
            case Sp800108.IterationVariable when !counterMode:
                return d.Value.Length == 0 ? new Field(d.Type, [], 0, false, 0) : throw Bad("the iteration variable of a chaining KDF has no value");
            case Sp800108.IterationVariable:
            case Sp800108.OptionalCounter when !counterMode:
            {
                if (d.Value.Length != 16 || d.Value[0] > 1) throw Bad("CK_SP800_108_COUNTER_FORMAT expected");
                var width = MechanismParams.ULongAt(d.Value, 8);
                if (width is 0 or > 32 || width % 8 != 0) throw Bad("counter width must be 8, 16, 24 or 32 bits");
                return new Field(d.Type, [], (int)width, d.Value[0] == 1, 0);
            }

            case Sp800108.DkmLength:
            {
                if (d.Value.Length != 24 || d.Value[8] > 1) throw Bad("CK_SP800_108_DKM_LENGTH_FORMAT expected");
                var method = MechanismParams.ULongAt(d.Value, 0);
                var width = MechanismParams.ULongAt(d.Value, 16);
                if (method is not (Sp800108.DkmLengthSumOfKeys or Sp800108.DkmLengthSumOfSegments)) throw Bad("unknown DKM length method");
                if (width is 0 or > 64 || width % 8 != 0) throw Bad("DKM length width must be a multiple of 8 up to 64 bits");
                return new Field(d.Type, [], (int)width, d.Value[8] == 1, method);
            }

            case Sp800108.ByteArray:
                return new Field(d.Type, d.Value, 0, false, 0);
            default:
                throw Bad("unknown or misplaced data parameter type");
        }
    }

    /// <summary>The PRF keyed with the base key: HMAC (not MD5) over any secret key, AES-CMAC or 3DES-CMAC.</summary>
    private static IMac Prf(ulong prfType, AttributeSet baseKey)
    {
        if (baseKey.GetULong(CKA.CLASS) != CKO.SECRET_KEY) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "a secret base key is required");
        IMac mac;
        byte[] value;
        if (prfType == CKM.AES_CMAC)
        {
            value = Check.SecretValue(baseKey, CKK.AES);
            mac = new CMac(new AesEngine());
        }
        else if (prfType == CKM.DES3_CMAC)
        {
            value = Check.SecretValue(baseKey, CKK.DES2, CKK.DES3);
            mac = new CMac(new DesEdeEngine());
        }
        else
        {
            var row = HmacMechanisms.Table.FirstOrDefault(t => t.Mac == prfType && t.Mac != CKM.MD5_HMAC);
            if (row.Hash is null) throw Bad("unsupported PRF");
            value = baseKey.Get(CKA.VALUE) is { Length: > 0 } v ? v : throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "base key without value");
            mac = new HMac(row.Hash.Bouncy());
        }

        mac.Init(new KeyParameter(value));
        return mac;
    }

    /// <summary>The key stream of <paramref name="blocks"/> PRF outputs, i counting from 1.</summary>
    private static byte[] Generate(ulong mechanism, IMac mac, Field[] data, byte[] iv, int blocks, ulong l)
    {
        var h = mac.GetMacSize();
        var stream = new byte[blocks * h];
        var chain = iv;
        for (var i = 1; i <= blocks; i++)
        {
            if (mechanism == CKM.SP800_108_DOUBLE_PIPELINE_KDF)
            {
                // A(0) is the data parameters without the counter (the iteration variable empty); A(i) = PRF(A(i-1)).
                if (i == 1) Input(mac, data, i, l, [], skipCounter: true);
                else mac.BlockUpdate(chain, 0, chain.Length);
                chain = new byte[h];
                mac.DoFinal(chain, 0);
            }

            Input(mac, data, i, l, chain, skipCounter: false);
            mac.DoFinal(stream, (i - 1) * h);
            if (mechanism == CKM.SP800_108_FEEDBACK_KDF) chain = stream.AsSpan((i - 1) * h, h).ToArray();
        }

        return stream;
    }

    private static void Input(IMac mac, Field[] data, int i, ulong l, byte[] chain, bool skipCounter)
    {
        Span<byte> number = stackalloc byte[8];
        foreach (var d in data)
        {
            switch (d.Type)
            {
                case Sp800108.ByteArray:
                    mac.BlockUpdate(d.Bytes, 0, d.Bytes.Length);
                    break;
                case Sp800108.IterationVariable when d.Width == 0:
                    mac.BlockUpdate(chain, 0, chain.Length);
                    break;
                case Sp800108.OptionalCounter when skipCounter:
                    break;
                case Sp800108.IterationVariable:
                case Sp800108.OptionalCounter:
                    mac.BlockUpdate(Encode(number, (ulong)i, d));
                    break;
                case Sp800108.DkmLength:
                    mac.BlockUpdate(Encode(number, l, d));
                    break;
            }
        }
    }

    private static ReadOnlySpan<byte> Encode(Span<byte> buffer, ulong value, Field f)
    {
        var n = f.Width / 8;
        if (f.LittleEndian)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(buffer, value);
            return buffer[..n];
        }

        BinaryPrimitives.WriteUInt64BigEndian(buffer, value);
        return buffer[(8 - n)..];
    }

    private static CkException Bad(string why) => new(CKR.MECHANISM_PARAM_INVALID, why);
}
