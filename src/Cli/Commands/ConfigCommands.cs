using System.CommandLine;
using OpenCryptokiActors.Cli.Core;
using OpenCryptokiActors.Cryptoki.Configuration;

namespace OpenCryptokiActors.Cli.Commands;

/// <summary>`ock config convert`: openCryptoki's classic opencryptoki.conf to ock-slotd's HOCON.</summary>
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
            Description = "Leave out (as comments) slots whose stdll is not libpkcs11_sw.so instead of failing",
        };
        var convert = new Command("convert", """
            Convert openCryptoki's classic opencryptoki.conf to the HOCON slot table ock-slotd reads
            (ock-slotd --config also reads the classic file directly). libpkcs11_sw.so slots become soft tokens
            (tokname -> token-name, description, manufacturer, hwversion, firmwareversion, usergroup -> group);
            other STDLLs are an error unless --skip-unsupported.

            Examples:
              ock config convert /etc/opencryptoki/opencryptoki.conf
              ock config convert --skip-unsupported /etc/opencryptoki/opencryptoki.conf -o config/opencryptoki.conf
            """);
        convert.Arguments.Add(file);
        convert.Options.Add(output);
        convert.Options.Add(skip);
        convert.SetAction(p =>
        {
            var path = p.GetValue(file)!;
            try
            {
                var text = File.ReadAllText(path);
                if (!ClassicConfig.IsClassic(text))
                    throw new ClassicConfigException($"{path} is not a classic opencryptoki.conf (no 'version' line or 'slot N {{' block first)");
                var hocon = ClassicConfig.ToHocon(text, path, p.GetValue(skip));
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
}
