namespace OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

/// <summary>
/// SoftHSM2 (Debian package softhsm2) as an independent PKCS#11 module for the tests: a private configuration and
/// token directory per use, so that nothing touches /etc/softhsm or /var/lib/softhsm.
/// </summary>
public static class SoftHsm2
{
    public const string ModulePath = "/usr/lib/softhsm/libsofthsm2.so";

    /// <summary>Makes <paramref name="dir"/>/tokens and <paramref name="dir"/>/softhsm2.conf; returns the file for SOFTHSM2_CONF.</summary>
    public static string Configure(string dir)
    {
        Assert.True(File.Exists(ModulePath), "SoftHSM2 is not installed (apt-get install softhsm2)");
        Directory.CreateDirectory(Path.Combine(dir, "tokens"));
        var conf = Path.Combine(dir, "softhsm2.conf");
        File.WriteAllText(conf, $"directories.tokendir = {dir}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n");
        return conf;
    }
}
