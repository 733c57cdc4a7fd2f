using System.Text;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Mechanisms;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>
/// docs/mechanisms.md is generated from the soft token's registry, never written by hand: this test fails when
/// the file differs from what the registry says. Regenerate with
/// <c>OCK_UPDATE_DOCS=1 dotnet test tests/Tokens.Tests --filter MechanismTableSpec</c>.
/// </summary>
public sealed class MechanismTableSpec
{
    private static readonly (ulong Flag, string Name)[] Functions =
    [
        (CKF.ENCRYPT, "encrypt"), (CKF.DECRYPT, "decrypt"), (CKF.DIGEST, "digest"), (CKF.SIGN, "sign"),
        (CKF.VERIFY, "verify"), (CKF.SIGN_RECOVER, "sign-recover"), (CKF.VERIFY_RECOVER, "verify-recover"),
        (CKF.GENERATE, "generate"), (CKF.GENERATE_KEY_PAIR, "generate-key-pair"), (CKF.WRAP, "wrap"),
        (CKF.UNWRAP, "unwrap"), (CKF.DERIVE, "derive"), (CKF.ENCAPSULATE, "encapsulate"), (CKF.DECAPSULATE, "decapsulate"),
    ];

    /// <summary>The CKM_ name of a mechanism (CkNames: the first name declared wins where the headers give aliases), or null.</summary>
    private static string? Name(ulong type) => CkNames.Mechanism(type) is var n && n.StartsWith("CKM_", StringComparison.Ordinal) ? n : null;

    internal static string Render()
    {
        var registry = MechanismRegistry.CreateDefault();
        var sb = new StringBuilder();
        sb.AppendLine("# Soft token mechanisms");
        sb.AppendLine();
        sb.AppendLine("Generated from `MechanismRegistry.CreateDefault()` by tests/Tokens.Tests/MechanismTableSpec.cs (do not edit).");
        sb.AppendLine("Key sizes are in the unit the specification gives per mechanism (bits for RSA, DSA, DH and EC; bytes for");
        sb.AppendLine("secret keys; the parameter-set number for ML-DSA, ML-KEM and SLH-DSA). Key types: the types the mechanism works");
        sb.AppendLine("with (for generation: makes); \"any\" where any key of a fitting class will do. Parameter: the structure kind");
        sb.AppendLine("(Cryptoki.Wire.ParamKind; \"raw\" travels as the caller's bytes); \"AEAD\" marks the message-based AEADs.");
        sb.AppendLine("Policy: \"legacy\" mechanisms are offered only by slots whose policy has `legacy = on`, which also lowers the least");
        sb.AppendLine("key size to the one given (\"legacy min\").");
        sb.AppendLine();
        sb.AppendLine($"{registry.Types.Count} mechanisms.");
        sb.AppendLine();
        sb.AppendLine("| mechanism | value | functions | min key | max key | key types | parameter | policy |");
        sb.AppendLine("|---|---|---|---:|---:|---|---|---|");
        foreach (var e in registry.Entries)
        {
            var (type, info, facts) = (e.Type, e.Info, e.Facts);
            var functions = string.Join(", ", Functions.Where(f => (info.Flags & f.Flag) != 0).Select(f => f.Name));
            var name = Name(type) ?? $"0x{type:X}";
            var keyTypes = facts.KeyTypes.Count == 0 ? "any" : string.Join(", ", facts.KeyTypes.Select(k => CkNames.KeyType(k).Replace("CKK_", "", StringComparison.Ordinal)));
            var parameter = facts.Parameter == Cryptoki.Wire.ParamKind.Raw ? "raw" : facts.Parameter.ToString();
            if (facts.MessageAead) parameter += ", AEAD";
            var policy = facts.Legacy ? "legacy" : facts.LegacyMinKeySize is { } min ? $"legacy min {min}" : "";
            sb.AppendLine($"| {name} | 0x{type:X} | {functions} | {info.MinKeySize} | {info.MaxKeySize} | {keyTypes} | {parameter} | {policy} |");
        }

        return sb.ToString();
    }

    [Fact]
    public void Docs_mechanism_table_matches_the_registry()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OpenCryptokiActors.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var path = Path.Combine(dir!.FullName, "docs", "mechanisms.md");
        var expected = Render();
        if (Environment.GetEnvironmentVariable("OCK_UPDATE_DOCS") == "1") File.WriteAllText(path, expected);
        Assert.True(File.Exists(path), "docs/mechanisms.md is missing: regenerate it (see this class's summary)");
        Assert.Equal(expected, File.ReadAllText(path));
    }

    [Fact]
    public void Every_registered_mechanism_has_a_name_and_at_least_one_function()
    {
        var registry = MechanismRegistry.CreateDefault();
        foreach (var type in registry.Types)
        {
            Assert.True(Name(type) is not null, $"mechanism 0x{type:X} has no CKM_ constant");
            Assert.True(registry.TryGet(type, out var info, out _));
            Assert.True(Functions.Any(f => (info.Flags & f.Flag) != 0), $"mechanism 0x{type:X} offers no function");
        }
    }
}
