using System.Formats.Asn1;
using OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Tokens.Objects;

/// <summary>A curve of RFC 7748 / RFC 8032: its OID, CKA_EC_PARAMS curve names, key type and key lengths.</summary>
public sealed record CfrgCurve(string Oid, string Name, string ParamsName, ulong KeyType, int Bits, int PrivateLength, int PublicLength)
{
    public byte[] EcParams
    {
        get
        {
            var w = new AsnWriter(AsnEncodingRules.DER);
            w.WriteObjectIdentifier(Oid);
            return w.Encode();
        }
    }
}

/// <summary>The Edwards and Montgomery curves (RFC 8032, RFC 7748) a CKA_EC_PARAMS can name: OID (RFC 8410) or PrintableString name.</summary>
public static class CfrgCurves
{
    public static readonly CfrgCurve Ed25519 = new("1.3.101.112", "Ed25519", "edwards25519", CKK.EC_EDWARDS, 255, 32, 32);
    public static readonly CfrgCurve Ed448 = new("1.3.101.113", "Ed448", "edwards448", CKK.EC_EDWARDS, 448, 57, 57);
    public static readonly CfrgCurve X25519 = new("1.3.101.110", "X25519", "curve25519", CKK.EC_MONTGOMERY, 255, 32, 32);
    public static readonly CfrgCurve X448 = new("1.3.101.111", "X448", "curve448", CKK.EC_MONTGOMERY, 448, 56, 56);

    public static IReadOnlyList<CfrgCurve> All { get; } = [Ed25519, Ed448, X25519, X448];

    /// <summary>The curve named by CKA_EC_PARAMS, or null.</summary>
    public static CfrgCurve? TryFromParams(ReadOnlySpan<byte> ecParams)
    {
        try
        {
            var r = new AsnReader(ecParams.ToArray(), AsnEncodingRules.DER);
            var tag = r.PeekTag();
            if (tag.HasSameClassAndValue(Asn1Tag.ObjectIdentifier))
            {
                var oid = r.ReadObjectIdentifier();
                return r.HasData ? null : All.FirstOrDefault(c => c.Oid == oid);
            }

            if (tag.HasSameClassAndValue(new Asn1Tag(UniversalTagNumber.PrintableString)))
            {
                var name = r.ReadCharacterString(UniversalTagNumber.PrintableString);
                return r.HasData ? null : All.FirstOrDefault(c => c.ParamsName.Equals(name, StringComparison.OrdinalIgnoreCase) || c.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            }
        }
        catch (AsnContentException)
        {
        }

        return null;
    }
}
