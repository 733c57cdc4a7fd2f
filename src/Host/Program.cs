using System.Runtime.InteropServices;
using Akka.Configuration;
using OpenCryptokiActors.Actors;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Actors.Server;

namespace OpenCryptokiActors.Host;

/// <summary>ock-slotd: loads HOCON, starts the slot daemon, writes the PID file, stops on SIGTERM/SIGINT.</summary>
public static class Program
{
    private const string Usage = """
        usage: ock-slotd [--config FILE] [--user NAME]

        Starts the OpenCryptokiActors slot daemon. Configuration (HOCON) is read from FILE,
        else from ./config/opencryptoki.conf when present, over the embedded defaults.
        --user NAME (or opencryptoki.user): started as root, the daemon binds its sockets, writes its
        PID file, gives the data directory to NAME and then runs as NAME, with no capabilities.
        FILE may also be openCryptoki's classic opencryptoki.conf (version / slot N { stdll = ... });
        its libpkcs11_sw.so slots become soft tokens (`ock config convert FILE` shows the HOCON).
        """;

    public static async Task<int> Main(string[] args)
    {
        string? configPath = null;
        string? user = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Length:
                    configPath = args[++i];
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
                return 1;
            }

            try
            {
                config = OpenCryptokiSettings.ParseFile(await File.ReadAllTextAsync(configPath), configPath);
            }
            catch (ConfigurationException e)
            {
                Console.Error.WriteLine($"ock-slotd: cannot start: {e.Message}");
                return 1;
            }
        }

        if (user is not null)
            config = ConfigurationFactory.ParseString("opencryptoki.user = " + System.Text.Json.JsonSerializer.Serialize(user)).WithFallback(config ?? Config.Empty);

        OpenCryptokiDaemon daemon;
        string? pidFile = null;
        try
        {
            // The PID file is written once the sockets are bound, before the switch to opencryptoki.user.
            daemon = await OpenCryptokiDaemon.StartAsync(config, configFile: configPath, beforeSwitch: settings =>
            {
                pidFile = Path.GetFullPath(settings.PidFile);
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

        await stop.Task;
        Console.WriteLine("ock-slotd: stopping");
        await daemon.DisposeAsync();
        DeletePidFile(pidFile);
        return 0;
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
