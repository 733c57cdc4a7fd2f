using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Pkcs;

namespace OpenCryptokiActors.Cli.Core;

/// <summary>
/// A PKCS#12 file (.p12/.pfx) read with BouncyCastle's <see cref="Pkcs12Store"/> (MAC checked with the password,
/// PBES2 and legacy PBE safes): its one private key, as PKCS#8 handed to <see cref="KeyCodec"/>, the certificate that
/// belongs to the key and the rest of its chain.
/// </summary>
public sealed record Pkcs12File(KeyMaterial Key, X509Certificate2? Certificate, IReadOnlyList<X509Certificate2> Chain)
{
    public static Pkcs12File Read(byte[] der, string password)
    {
        var store = new Pkcs12StoreBuilder().Build();
        try
        {
            using var stream = new MemoryStream(der, writable: false);
            store.Load(stream, password.ToCharArray());
        }
        catch (IOException e)
        {
            throw new UsageException(e.Message.Contains("MAC", StringComparison.OrdinalIgnoreCase)
                ? "the PKCS#12 password is wrong (the file's MAC does not verify)"
                : $"cannot read the PKCS#12 file: {e.Message}");
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or Org.BouncyCastle.Asn1.Asn1Exception)
        {
            throw new UsageException($"not a PKCS#12 file: {e.Message}");
        }
        var aliases = store.Aliases.Where(store.IsKeyEntry).ToList();
        if (aliases.Count == 0) throw new UsageException("the PKCS#12 file holds no private key (import its certificates with `ock cert import`)");
        if (aliases.Count > 1) throw new UsageException($"the PKCS#12 file holds {aliases.Count} private keys: only files with one key are supported");

        var alias = aliases[0];
        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(store.GetKey(alias).Key).GetEncoded();
        var key = KeyCodec.Read(pkcs8, () => throw new UsageException("unexpected encrypted key inside the PKCS#12 file"));
        var chain = (store.GetCertificateChain(alias) ?? []).Select(e => X509CertificateLoader.LoadCertificate(e.Certificate.GetEncoded())).ToList();
        if (chain.Count == 0 && store.GetCertificate(alias) is { } only)
            chain.Add(X509CertificateLoader.LoadCertificate(only.Certificate.GetEncoded()));
        // The chain starts with the key's own certificate; certificates of the file outside the chain come along too.
        foreach (var other in store.Aliases.Where(a => !store.IsKeyEntry(a)).Select(store.GetCertificate).Where(e => e != null))
        {
            var c = X509CertificateLoader.LoadCertificate(other!.Certificate.GetEncoded());
            if (!chain.Any(x => x.RawData.AsSpan().SequenceEqual(c.RawData))) chain.Add(c);
        }
        return new Pkcs12File(key with { Format = "PKCS#12" }, chain.FirstOrDefault(), chain.Skip(1).ToList());
    }
}
