using System.Formats.Asn1;
using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using OpenCryptokiActors.Interop.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.P11;

namespace OpenCryptokiActors.Interop.Tests;

/// <summary>
/// Signatures made through the module verify with the openssl command line (OpenSSL 3.0), for what the other
/// interop tests leave out: RSA PKCS#1 v1.5 and PSS with every SHA-1/SHA-2/SHA-3 hash, ECDSA on every curve openssl
/// knows that the token supports (brainpool r1 and t1, secp256k1, …) and with every ECDSA-SHA* mechanism, Ed25519
/// and Ed448. The keys are generated in the token; openssl gets the public key as a SubjectPublicKeyInfo built from
/// the token's attributes. (Pkcs11ToolRoundTests covers SHA-256/512 and SHA3-256 RSA, PSS-SHA256, ECDSA P-256/P-384
/// through pkcs11-tool; Cli.Tests Ed25519 and DSA through ock.)
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class OpenSslVerifyTests(InteropFixture fx)
{
    // PKCS#11 3.0 values Pkcs11Interop 5.3 has no names for.
    private const CKM CkmSha3_256 = (CKM)0x2B0, CkmSha3_224 = (CKM)0x2B5, CkmSha3_384 = (CKM)0x2C0, CkmSha3_512 = (CKM)0x2D0;
    private const CKM CkmEcEdwardsKeyPairGen = (CKM)0x1055, CkmEddsa = (CKM)0x1057;

    /// <summary>(hash, CKM_SHAx, CKG_MGF1_SHAx, CKM_SHAx_RSA_PKCS, CKM_SHAx_RSA_PKCS_PSS, CKM_ECDSA_SHAx, openssl digest, length).</summary>
    private static readonly (string Name, CKM Hash, ulong Mgf, CKM RsaPkcs, CKM RsaPss, CKM Ecdsa, string OpenSsl, int Length)[] Hashes =
    [
        ("SHA-1", CKM.CKM_SHA_1, 1, CKM.CKM_SHA1_RSA_PKCS, CKM.CKM_SHA1_RSA_PKCS_PSS, CKM.CKM_ECDSA_SHA1, "sha1", 20),
        ("SHA-224", CKM.CKM_SHA224, 5, CKM.CKM_SHA224_RSA_PKCS, CKM.CKM_SHA224_RSA_PKCS_PSS, CKM.CKM_ECDSA_SHA224, "sha224", 28),
        ("SHA-256", CKM.CKM_SHA256, 2, CKM.CKM_SHA256_RSA_PKCS, CKM.CKM_SHA256_RSA_PKCS_PSS, CKM.CKM_ECDSA_SHA256, "sha256", 32),
        ("SHA-384", CKM.CKM_SHA384, 3, CKM.CKM_SHA384_RSA_PKCS, CKM.CKM_SHA384_RSA_PKCS_PSS, CKM.CKM_ECDSA_SHA384, "sha384", 48),
        ("SHA-512", CKM.CKM_SHA512, 4, CKM.CKM_SHA512_RSA_PKCS, CKM.CKM_SHA512_RSA_PKCS_PSS, CKM.CKM_ECDSA_SHA512, "sha512", 64),
        ("SHA3-224", CkmSha3_224, 6, (CKM)0x66, (CKM)0x67, (CKM)0x1047, "sha3-224", 28),
        ("SHA3-256", CkmSha3_256, 7, (CKM)0x60, (CKM)0x63, (CKM)0x1048, "sha3-256", 32),
        ("SHA3-384", CkmSha3_384, 8, (CKM)0x61, (CKM)0x64, (CKM)0x1049, "sha3-384", 48),
        ("SHA3-512", CkmSha3_512, 9, (CKM)0x62, (CKM)0x65, (CKM)0x104A, "sha3-512", 64),
    ];

    /// <summary>The curves issue 3 names; the token must support each of them (and openssl knows them all).</summary>
    private static readonly string[] RequiredCurves =
    [
        "prime192v1", "secp224r1", "prime256v1", "secp384r1", "secp521r1", "secp256k1",
        .. new[] { 160, 192, 224, 256, 320, 384, 512 }.SelectMany(n => new[] { $"brainpoolP{n}r1", $"brainpoolP{n}t1" }),
    ];

    private static string Hex(byte[] b) => Convert.ToHexString(b);

    private sealed record Verifier(Token T)
    {
        private int _n;

        /// <summary>Writes <paramref name="bytes"/> to a new file of the token's directory.</summary>
        public string File(string name, byte[] bytes)
        {
            var path = T.File($"{Interlocked.Increment(ref _n):d4}-{name}");
            System.IO.File.WriteAllBytes(path, bytes);
            return path;
        }

        /// <summary>A PEM SubjectPublicKeyInfo file.</summary>
        public string Pem(string name, byte[] spki) => File(name + ".pem", System.Text.Encoding.ASCII.GetBytes(PemEncoding.WriteString("PUBLIC KEY", spki)));

        /// <summary>openssl (exit 0 asserted) and its output; the check of "Verified OK" is the caller's.</summary>
        public string Openssl(params string[] args) => T.Ok("openssl", args).Output;
    }

    private static byte[] Spki(string algorithmOid, byte[]? parametersDer, byte[] key)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier(algorithmOid);
                if (parametersDer is not null) w.WriteEncodedValue(parametersDer);
            }
            w.WriteBitString(key);
        }
        return w.Encode();
    }

    /// <summary>CKA_EC_POINT is a DER OCTET STRING around the point (PKCS#11 3.0 §2.3.3; also for Edwards keys, §2.3.5).</summary>
    private static byte[] Point(ISession s, IObjectHandle pub) =>
        AsnDecoder.ReadOctetString(Bytes(s, pub, CKA.CKA_EC_POINT), AsnEncodingRules.DER, out _);

    /// <summary>PKCS#11's r || s (each zero-padded to the order's length) as the DER ECDSA-Sig-Value openssl reads.</summary>
    private static byte[] DerSignature(byte[] rs)
    {
        static ReadOnlySpan<byte> Minimal(ReadOnlySpan<byte> x) => x[Math.Min(x.IndexOfAnyExcept((byte)0) is var i and >= 0 ? i : x.Length - 1, x.Length - 1)..];
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteIntegerUnsigned(Minimal(rs.AsSpan(0, rs.Length / 2)));
            w.WriteIntegerUnsigned(Minimal(rs.AsSpan(rs.Length / 2)));
        }
        return w.Encode();
    }

    private static void AssertVerified(string output, string what) =>
        Assert.True(output.Contains("Verified OK") || output.Contains("Signature Verified Successfully"), $"{what}: {output}");

    [Fact]
    public void Signatures_of_the_module_verify_with_the_openssl_command_line()
    {
        var (token, library, s) = ModulePair.OpenOurs(fx, "ossl-verify");
        using var _ = library;
        using var __ = s;
        var v = new Verifier(token);
        var data = RandomNumberGenerator.GetBytes(1000);
        var dataFile = v.File("data", data);
        var failures = new List<string>();
        void Case(string what, Action a)
        {
            try { a(); }
            catch (Exception e) { failures.Add($"{what}: {e.GetType().Name}: {e.Message}"); }
        }

        // RSA-2048: PKCS#1 v1.5 and PSS (salt = hash length) with every hash, then CKM_RSA_PKCS_PSS over a digest.
        s.GenerateKeyPair(M(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN), T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_VERIFY, true), A(CKA.CKA_MODULUS_BITS, 2048UL),
            A(CKA.CKA_PUBLIC_EXPONENT, new byte[] { 1, 0, 1 })), T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_SIGN, true)), out var rsaPub, out var rsaPriv);
        using var rsa = RSA.Create(new RSAParameters { Modulus = Bytes(s, rsaPub, CKA.CKA_MODULUS), Exponent = Bytes(s, rsaPub, CKA.CKA_PUBLIC_EXPONENT) });
        var rsaPem = v.Pem("rsa", rsa.ExportSubjectPublicKeyInfo());
        foreach (var h in Hashes)
        {
            Case($"{h.Name} RSA PKCS#1 v1.5", () =>
                AssertVerified(v.Openssl("dgst", "-" + h.OpenSsl, "-verify", rsaPem, "-signature", v.File("sig", s.Sign(M(h.RsaPkcs), rsaPriv, data)), dataFile), h.Name));
            var pss = MP.CreateCkRsaPkcsPssParams((ulong)h.Hash, h.Mgf, (ulong)h.Length);
            Case($"{h.Name} RSA-PSS", () =>
                AssertVerified(v.Openssl("dgst", "-" + h.OpenSsl, "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:" + h.Length,
                    "-verify", rsaPem, "-signature", v.File("sig", s.Sign(M(h.RsaPss, pss), rsaPriv, data)), dataFile), h.Name));
            Case($"{h.Name} CKM_RSA_PKCS_PSS over the digest", () =>
            {
                var digest = s.Digest(M(h.Hash), data);
                AssertVerified(v.Openssl("pkeyutl", "-verify", "-pubin", "-inkey", rsaPem, "-pkeyopt", "digest:" + h.OpenSsl,
                    "-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:" + h.Length, "-in", v.File("digest", digest),
                    "-sigfile", v.File("sig", s.Sign(M(CKM.CKM_RSA_PKCS_PSS, pss), rsaPriv, digest))), h.Name);
            });
        }

        // ECDSA: every prime curve openssl knows, tried in the token; those it supports sign (CKM_ECDSA over SHA-256),
        // and openssl verifies. The curves issue 3 names must all be among them.
        var listed = v.Openssl("ecparam", "-list_curves").Split('\n').Select(l => l.Split(':')[0].Trim()).Where(c => c.Length > 0).ToList();
        var supported = new List<string>();
        foreach (var curve in listed)
        {
            var ecParams = v.T.File(curve + ".param.der");
            var r = ProcessRunner.Run(Tools.Find("openssl"), ["ecparam", "-name", curve, "-outform", "DER", "-out", ecParams], null, Token.Timeout);
            if (r.ExitCode != 0) continue; // openssl lists it but cannot encode it by name (e.g. SM2 in some builds)
            var oid = File.ReadAllBytes(ecParams);
            IObjectHandle pub, priv;
            try
            {
                s.GenerateKeyPair(M(CKM.CKM_EC_KEY_PAIR_GEN), T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_VERIFY, true), A(CKA.CKA_EC_PARAMS, oid)),
                    T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_SIGN, true)), out pub, out priv);
            }
            catch (Pkcs11Exception e) when (e.RV is CKR.CKR_CURVE_NOT_SUPPORTED or CKR.CKR_ATTRIBUTE_VALUE_INVALID or CKR.CKR_DOMAIN_PARAMS_INVALID)
            {
                continue;
            }
            supported.Add(curve);
            var pem = v.Pem(curve, Spki("1.2.840.10045.2.1", oid, Point(s, pub)));
            Case($"ECDSA {curve}", () => AssertVerified(v.Openssl("dgst", "-sha256", "-verify", pem, "-signature",
                v.File("sig", DerSignature(s.Sign(M(CKM.CKM_ECDSA), priv, SHA256.HashData(data)))), dataFile), curve));
            if (curve != "prime256v1") continue;
            foreach (var h in Hashes)
                Case($"{h.Name} ECDSA {curve}", () => AssertVerified(v.Openssl("dgst", "-" + h.OpenSsl, "-verify", pem, "-signature",
                    v.File("sig", DerSignature(s.Sign(M(h.Ecdsa), priv, data))), dataFile), h.Name));
        }
        Assert.Empty(RequiredCurves.Except(supported));

        // EdDSA (RFC 8032, pure): Ed25519 and Ed448.
        foreach (var (name, oid) in new[] { ("Ed25519", "1.3.101.112"), ("Ed448", "1.3.101.113") })
        {
            var w = new AsnWriter(AsnEncodingRules.DER);
            w.WriteObjectIdentifier(oid);
            s.GenerateKeyPair(M(CkmEcEdwardsKeyPairGen), T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_VERIFY, true), A(CKA.CKA_EC_PARAMS, w.Encode())),
                T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_SIGN, true)), out var pub, out var priv);
            var pem = v.Pem(name, Spki(oid, null, Point(s, pub)));
            Case(name, () => AssertVerified(v.Openssl("pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin", "-in", dataFile,
                "-sigfile", v.File("sig", s.Sign(M(CkmEddsa), priv, data))), name));
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures) + "\nsupported curves: " + string.Join(", ", supported));
    }
}
