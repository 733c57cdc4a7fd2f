using System.Text;
using Net.Pkcs11Interop.Common;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.P11;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// Domain parameters through the real module: CKM_DH_PKCS_PARAMETER_GEN (a safe-prime group, generator 2) and CKM_DSA_PARAMETER_GEN make CKO_DOMAIN_PARAMETERS
/// objects, CKM_DH_PKCS_KEY_PAIR_GEN with CKA_VALUE_BITS uses the generated group and two such keys agree, DSA keys of the
/// generated group sign, and C_CreateObject takes EC domain parameters.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _43_DomainParametersTest(EndToEndFixture fx)
{
    [Fact]
    public void Generated_dh_parameters_serve_key_pairs_with_value_bits_that_agree()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "dh-params");
        var domain = s.GenerateKey(M(CKM.CKM_DH_PKCS_PARAMETER_GEN), T(
            A(CKA.CKA_CLASS, CKO.CKO_DOMAIN_PARAMETERS), A(CKA.CKA_KEY_TYPE, CKK.CKK_DH), A(CKA.CKA_PRIME_BITS, 1024UL), A(CKA.CKA_TOKEN, false)));
        Assert.Equal(CKO.CKO_DOMAIN_PARAMETERS, (CKO)ULong(s, domain, CKA.CKA_CLASS));
        Assert.Equal(1024UL, ULong(s, domain, CKA.CKA_PRIME_BITS));
        Assert.True(Bool(s, domain, CKA.CKA_LOCAL));
        var prime = Bytes(s, domain, CKA.CKA_PRIME);
        var gen = Bytes(s, domain, CKA.CKA_BASE);

        // A safe-prime group as openCryptoki makes it: p = 2q + 1 with q prime, generator 2, p ≡ 23 (mod 24) so that 2 has order q.
        Assert.Equal("02", Hex(gen));
        var p = new System.Numerics.BigInteger(prime, isUnsigned: true, isBigEndian: true);
        var q = (p - 1) / 2;
        Assert.Equal(1024L, (long)p.GetBitLength());
        Assert.Equal(23, (int)(p % 24));
        foreach (var witness in new System.Numerics.BigInteger[] { 3, 5, 7, 11 })
        {
            Assert.Equal(System.Numerics.BigInteger.One, System.Numerics.BigInteger.ModPow(witness, q - 1, q)); // q is (probably) prime
            Assert.Equal(System.Numerics.BigInteger.One, System.Numerics.BigInteger.ModPow(witness, p - 1, p));
        }

        Assert.Equal(System.Numerics.BigInteger.One, System.Numerics.BigInteger.ModPow(2, q, p)); // 2 lies in the subgroup of order q

        IObjectHandleSet Pair(ulong? valueBits)
        {
            var priv = T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_DERIVE, true));
            if (valueBits is { } bits) priv.Add(A(CKA.CKA_VALUE_BITS, bits));
            s.GenerateKeyPair(M(CKM.CKM_DH_PKCS_KEY_PAIR_GEN), T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_PRIME, prime), A(CKA.CKA_BASE, gen)), priv,
                out var pub, out var pk);
            return new IObjectHandleSet(pub, pk);
        }

        var a = Pair(256);
        var b = Pair(null);
        Assert.Equal(256UL, ULong(s, a.Private, CKA.CKA_VALUE_BITS));
        var template = T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_AES), A(CKA.CKA_VALUE_LEN, 32UL),
            A(CKA.CKA_SENSITIVE, false), A(CKA.CKA_EXTRACTABLE, true), A(CKA.CKA_TOKEN, false));
        var ab = s.DeriveKey(M(CKM.CKM_DH_PKCS_DERIVE, Bytes(s, b.Public, CKA.CKA_VALUE)), a.Private, template);
        var ba = s.DeriveKey(M(CKM.CKM_DH_PKCS_DERIVE, Bytes(s, a.Public, CKA.CKA_VALUE)), b.Private, template);
        Assert.Equal(Hex(Bytes(s, ab, CKA.CKA_VALUE)), Hex(Bytes(s, ba, CKA.CKA_VALUE)));

        AssertRv(CKR.CKR_TEMPLATE_INCOMPLETE, () => s.GenerateKey(M(CKM.CKM_DH_PKCS_PARAMETER_GEN), T(
            A(CKA.CKA_CLASS, CKO.CKO_DOMAIN_PARAMETERS), A(CKA.CKA_KEY_TYPE, CKK.CKK_DH), A(CKA.CKA_TOKEN, false))));
    }

    [Fact]
    public void Generated_dsa_parameters_serve_signing_keys_and_ec_parameters_can_be_created()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "dsa-params");
        var domain = s.GenerateKey(M(CKM.CKM_DSA_PARAMETER_GEN), T(
            A(CKA.CKA_CLASS, CKO.CKO_DOMAIN_PARAMETERS), A(CKA.CKA_KEY_TYPE, CKK.CKK_DSA), A(CKA.CKA_PRIME_BITS, 1024UL), A(CKA.CKA_TOKEN, false)));
        Assert.Equal(160UL, ULong(s, domain, CKA.CKA_SUBPRIME_BITS));
        s.GenerateKeyPair(M(CKM.CKM_DSA_KEY_PAIR_GEN),
            T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_VERIFY, true), A(CKA.CKA_PRIME, Bytes(s, domain, CKA.CKA_PRIME)),
                A(CKA.CKA_SUBPRIME, Bytes(s, domain, CKA.CKA_SUBPRIME)), A(CKA.CKA_BASE, Bytes(s, domain, CKA.CKA_BASE))),
            T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_SIGN, true)), out var pub, out var priv);
        var data = Encoding.ASCII.GetBytes("generated group");
        var signature = s.Sign(M(CKM.CKM_DSA_SHA256), priv, data);
        s.Verify(M(CKM.CKM_DSA_SHA256), pub, data, signature, out var valid);
        Assert.True(valid);

        var ec = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DOMAIN_PARAMETERS), A(CKA.CKA_KEY_TYPE, CKK.CKK_EC), A(CKA.CKA_EC_PARAMS, P256Params),
            A(CKA.CKA_TOKEN, false), A(CKA.CKA_LABEL, "p-256")));
        Assert.Equal(Hex(P256Params), Hex(Bytes(s, ec, CKA.CKA_EC_PARAMS)));
        Assert.False(Bool(s, ec, CKA.CKA_LOCAL));
        AssertRv(CKR.CKR_TEMPLATE_INCONSISTENT, () => s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DOMAIN_PARAMETERS), A(CKA.CKA_KEY_TYPE, CKK.CKK_DSA),
            A(CKA.CKA_PRIME, Bytes(s, domain, CKA.CKA_PRIME)), A(CKA.CKA_SUBPRIME, Bytes(s, domain, CKA.CKA_SUBPRIME)),
            A(CKA.CKA_BASE, Bytes(s, domain, CKA.CKA_BASE)), A(CKA.CKA_PRIME_BITS, 2048UL), A(CKA.CKA_TOKEN, false))));
    }

    private sealed record IObjectHandleSet(Net.Pkcs11Interop.HighLevelAPI.IObjectHandle Public, Net.Pkcs11Interop.HighLevelAPI.IObjectHandle Private);
}
