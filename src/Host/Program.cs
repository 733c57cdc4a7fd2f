using System.Runtime.InteropServices;
using Akka.Configuration;
using OpenCryptokiActors.Actors;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Actors.Server;

namespace OpenCryptokiActors.Host;

/// <summary>ock-slotd: loads and checks HOCON, starts the slot daemon, writes the PID file, stops on SIGTERM/SIGINT.</summary>
public static class Program
{
    /// <summary>Exit code of a configuration that is not valid (a syntax error, an unknown key, a value out of range).</summary>
    public const int BadConfiguration = 2;

    private const string Usage = """
        usage: ock-slotd [--config FILE] [--user NAME]
               ock-slotd --check-config FILE

        Starts the OpenCryptokiActors slot daemon. Configuration (HOCON) is read from FILE,
        else from ./config/opencryptoki.conf when present, over the embedded defaults.
        --user NAME (or opencryptoki.user): started as root, the daemon binds its sockets, writes its
        PID file, gives the data directory to NAME and then runs as NAME, with no capabilities.
        FILE may also be openCryptoki's classic opencryptoki.conf (version / slot N { stdll = ... });
        its libpkcs11_sw.so slots become soft tokens (`ock config convert FILE` shows the HOCON).
        --check-config FILE: checks FILE (syntax, known keys, types and ranges) and prints the effective
        configuration; exit code 0 when valid, 2 when not (as at start-up: ock-slotd does not start).
        Relative paths in the configuration are relative to the working directory ock-slotd starts in.
        """;

    public static async Task<int> Main(string[] args)
    {
        string? configPath = null;
        string? user = null;
        var check = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Length:
                    configPath = args[++i];
                    break;
                case "--check-config" when i + 1 < args.Length:
                    configPath = args[++i];
                    check = true;
                    break;
                case "--user" when i + 1 < args.Length:
                    user = args[++i];
                    break;
                case "-h" or "--help":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine($"ock-slotd: unknown argument '{args[i]}'\n{Usage}");
                    return 1;
            }
        }

        if (configPath is null && File.Exists("config/opencryptoki.conf")) configPath = "config/opencryptoki.conf";
        Config? config = null;
        if (configPath is not null)
        {
            if (!File.Exists(configPath))
            {
                Console.Error.WriteLine($"ock-slotd: configuration file '{configPath}' not found");
                return check ? BadConfiguration : 1;
            }

            try
            {
                config = Load(await File.ReadAllTextAsync(configPath), configPath);
            }
            catch (ConfigurationException e)
            {
                Console.Error.WriteLine($"ock-slotd: invalid configuration: {e.Message}");
                return BadConfiguration;
            }
        }

        if (user is not null)
            config = ConfigurationFactory.ParseString("opencryptoki.user = " + System.Text.Json.JsonSerializer.Serialize(user)).WithFallback(config ?? Config.Empty);

        Config full;
        OpenCryptokiSettings settings;
        try
        {
            full = OpenCryptokiDaemon.Compose(config);
            settings = OpenCryptokiSettings.From(full);
        }
        catch (Exception e) when (e is ConfigurationException or FormatException or ArgumentException or InvalidOperationException)
        {
            Console.Error.WriteLine($"ock-slotd: invalid configuration{(configPath is null ? "" : " in " + configPath)}: {e.Message}");
            return BadConfiguration;
        }

        if (check)
        {
            Console.WriteLine(Effective(full, settings, configPath!));
            return 0;
        }

        var dumps = full.GetBoolean("opencryptoki.core-dumps", false);
        if (!dumps && !Hardening.DisableCoreDumps()) Console.Error.WriteLine("ock-slotd: warning: could not disable core dumps (prctl PR_SET_DUMPABLE)");

        OpenCryptokiDaemon daemon;
        string? pidFile = null;
        try
        {
            // The PID file is written once the sockets are bound, before the switch to opencryptoki.user.
            daemon = await OpenCryptokiDaemon.StartAsync(config, configFile: configPath, beforeSwitch: s =>
            {
                pidFile = Path.GetFullPath(s.PidFile);
                Directory.CreateDirectory(Path.GetDirectoryName(pidFile)!);
                File.WriteAllText(pidFile, Environment.ProcessId + "\n");
            });
        }
        catch (Exception e) when (e is ConfigurationException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException
                                       or System.Net.HttpListenerException or StartupRefusedException)
        {
            Console.Error.WriteLine($"ock-slotd: cannot start: {e.Message}");
            DeletePidFile(pidFile);
            return 1;
        }

        var stop = new TaskCompletionSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        Console.WriteLine($"ock-slotd: listening on {daemon.SocketPath} (pid {Environment.ProcessId}, {daemon.Slots.Slots.Count} slot(s))");
        Hardening.Notify($"READY=1\nMAINPID={Environment.ProcessId}\nSTATUS=listening on {daemon.SocketPath}");

        await stop.Task;
        Console.WriteLine("ock-slotd: stopping");
        Hardening.Notify("STOPPING=1");
        await daemon.DisposeAsync();
        DeletePidFile(pidFile);
        return 0;
    }

    /// <summary>
    /// A configuration file as HOCON, checked: its syntax (file, line and column of the first error), then its keys
    /// under opencryptoki against reference.conf. A classic opencryptoki.conf is converted first.
    /// </summary>
    public static Config Load(string text, string path)
    {
        var classic = OpenCryptokiActors.Cryptoki.Configuration.ClassicConfig.IsClassic(text);
        if (!classic) HoconSyntax.Check(text, path);
        Config config;
        try
        {
            config = OpenCryptokiSettings.ParseFile(text, path);
        }
        catch (ConfigurationException)
        {
            throw;
        }
        catch (Exception e)
        {
            // Akka's parser: "Unknown token at position N ..." and the like
            throw new ConfigurationException($"{path}: {e.Message.Split('\n')[0].Trim()}");
        }

        if (!classic) ConfigCheck.UnknownKeys(config, OpenCryptokiSettings.Reference, path);
        return config;
    }

    /// <summary>What --check-config prints: the opencryptoki section in effect (file over defaults) and the resolved paths.</summary>
    private static string Effective(Config full, OpenCryptokiSettings s, string path)
    {
        var cwd = Directory.GetCurrentDirectory();
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"# {Path.GetFullPath(path)}: valid. Effective configuration (the file over the defaults of reference.conf);");
        sb.AppendLine($"# relative paths are relative to the working directory, here {cwd}:");
        sb.AppendLine($"#   data-dir     {Path.GetFullPath(s.DataDir)}");
        sb.AppendLine($"#   socket       {Path.GetFullPath(s.Socket)}");
        sb.AppendLine($"#   pid-file     {Path.GetFullPath(s.PidFile)}");
        if (s.Admin is { } a) sb.AppendLine($"#   admin.socket {Path.GetFullPath(a.Socket)}");
        sb.Append("opencryptoki ");
        sb.Append(full.GetConfig("opencryptoki").Root.ToString(1).TrimEnd());
        return sb.ToString();
    }

    /// <summary>Removes the PID file; after a switch to opencryptoki.user its directory may no longer be writable (systemd cleans /run).</summary>
    private static void DeletePidFile(string? pidFile)
    {
        try
        {
            if (pidFile is not null) File.Delete(pidFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
