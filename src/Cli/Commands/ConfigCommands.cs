using System.CommandLine;
using OpenCryptokiActors.Cli.Core;
using OpenCryptokiActors.Cryptoki.Configuration;

namespace OpenCryptokiActors.Cli.Commands;

/// <summary>`ock config convert`: openCryptoki's classic opencryptoki.conf, policy.conf and strength.conf to ock-slotd's HOCON.</summary>
public static class ConfigCommands
{
    public static Command Create(Globals g)
    {
        var config = new Command("config", """
            Work with ock-slotd configuration files.

            Examples:
              ock config convert /etc/opencryptoki/opencryptoki.conf
            """);

        var file = new Argument<string>("FILE") { Description = "A classic opencryptoki.conf (version / slot N { stdll = ... })" };
        var output = new Option<string>("--output", "-o") { Description = "Write the HOCON here instead of standard output", HelpName = "FILE" };
        var skip = new Option<bool>("--skip-unsupported")
        {
            Description = "Leave out (as comments) slots whose stdll is not libpkcs11_sw.so, and policy rules the token cannot express, instead of failing",
        };
        var policy = new Option<string>("--policy") { Description = "openCryptoki's policy.conf (default: policy.conf beside FILE, when there is one)", HelpName = "FILE" };
        var strength = new Option<string>("--strength") { Description = "openCryptoki's strength.conf (default: strength.conf beside FILE, when there is one)", HelpName = "FILE" };
        var convert = new Command("convert", """
            Convert openCryptoki's classic opencryptoki.conf to the HOCON slot table ock-slotd reads
            (ock-slotd --config also reads the classic file directly). libpkcs11_sw.so slots become soft tokens
            (tokname -> token-name, description, manufacturer, hwversion, firmwareversion, usergroup -> group);
            other STDLLs are an error unless --skip-unsupported.
            openCryptoki's policy.conf and strength.conf (beside FILE, or --policy / --strength) become every
            soft slot's policy block: allowedmechs -> allow, strength -> min-strength, allowedcurves -> curves,
            allowedmgfs -> mgfs, allowedkdfs -> kdfs, a digest minimum -> deny of the shorter digests. Rules the
            token cannot express (allowedprfs, a signature minimum, strength thresholds other than NIST SP 800-57's)
            are an error naming each, unless --skip-unsupported (then comments in the output and warnings).

            Examples:
              ock config convert /etc/opencryptoki/opencryptoki.conf
              ock config convert --skip-unsupported /etc/opencryptoki/opencryptoki.conf -o config/opencryptoki.conf
              ock config convert opencryptoki.conf --policy policy.conf --strength strength.conf
            """);
        convert.Arguments.Add(file);
        convert.Options.Add(output);
        convert.Options.Add(skip);
        convert.Options.Add(policy);
        convert.Options.Add(strength);
        convert.SetAction(p =>
        {
            var path = p.GetValue(file)!;
            try
            {
                var text = File.ReadAllText(path);
                if (!ClassicConfig.IsClassic(text))
                    throw new ClassicConfigException($"{path} is not a classic opencryptoki.conf (no 'version' line or 'slot N {{' block first)");
                var conversion = ConvertPolicy(path, p.GetValue(policy), p.GetValue(strength), p.GetValue(skip));
                var hocon = ClassicConfig.ToHocon(text, path, p.GetValue(skip), conversion);
                if (p.GetValue(output) is { } o) File.WriteAllText(o, hocon);
                else Console.Out.Write(hocon);
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is ClassicConfigException or IOException or UnauthorizedAccessException)
            {
                Output.Error(e.Message);
                return ExitCodes.Usage;
            }
        });
        config.Subcommands.Add(convert);
        _ = g;
        return config;
    }

    /// <summary>
    /// policy.conf and strength.conf (given, or beside the converted file) as a policy block; null when there is no
    /// policy.conf. Notes go to standard error; rules the token cannot express are an error unless <paramref name="skip"/>.
    /// </summary>
    private static PolicyConversion? ConvertPolicy(string configPath, string? policyPath, string? strengthPath, bool skip)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(configPath)) ?? ".";
        string? Beside(string name) => File.Exists(Path.Combine(dir, name)) ? Path.Combine(dir, name) : null;
        policyPath ??= Beside("policy.conf");
        strengthPath ??= Beside("strength.conf");
        if (policyPath is null)
        {
            if (strengthPath != null) Output.Error($"note: {strengthPath} is not used without a policy.conf (openCryptoki reads it for its policy only)");
            return null;
        }

        var conversion = OpenCryptokiPolicy.Convert(File.ReadAllText(policyPath), policyPath,
            strengthPath is null ? null : File.ReadAllText(strengthPath), strengthPath ?? "strength.conf");
        foreach (var n in conversion.Notes) Output.Error("note: " + n);
        if (conversion.Unmapped.Count > 0 && !skip)
            throw new ClassicConfigException("the policy cannot be converted as it is; the token cannot express:\n  " + string.Join("\n  ", conversion.Unmapped) +
                                             "\nchange the policy, or convert the rest with --skip-unsupported (these rules are then left out, as comments)");
        foreach (var u in conversion.Unmapped) Output.Error("warning: left out: " + u);
        return conversion;
    }
}
