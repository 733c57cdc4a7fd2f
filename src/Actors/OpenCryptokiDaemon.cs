using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;
using OpenCryptokiActors.Actors.Applications;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Actors.Server;
using OpenCryptokiActors.Actors.Slots;
using OpenCryptokiActors.Actors.Statistics;

namespace OpenCryptokiActors.Actors;

/// <summary>
/// The slot daemon's runtime, usable from ock-slotd or embedded in any .NET process: the actor system
/// (slot manager, tokens, applications) and the Unix socket the PKCS#11 module connects to.
/// </summary>
public sealed class OpenCryptokiDaemon : IAsyncDisposable
{
    private readonly SocketServer _server;
    private readonly AdminServer? _admin;
    private MetricsServer? _metrics;

    private OpenCryptokiDaemon(ActorSystem system, OpenCryptokiSettings settings, SocketServer server, AdminServer? admin,
        IActorRef slotManager, IActorRef applications, SlotTable slots)
    {
        System = system;
        Settings = settings;
        _server = server;
        _admin = admin;
        SlotManager = slotManager;
        Applications = applications;
        Slots = slots;
    }

    public ActorSystem System { get; }

    public OpenCryptokiSettings Settings { get; }

    public IActorRef Applications { get; }

    public IActorRef SlotManager { get; }

    /// <summary>The slot table at start; it changes at run time through the admin socket.</summary>
    public SlotTable Slots { get; }

    public string SocketPath => _server.SocketPath;

    /// <summary>The admin socket's path, or null when opencryptoki.admin.socket is empty.</summary>
    public string? AdminSocketPath => _admin?.SocketPath;

    /// <summary>
    /// Full configuration: <paramref name="config"/> over the embedded reference.conf and the SQL plugin's
    /// defaults; the SQLite store under opencryptoki.data-dir unless a connection string is configured.
    /// </summary>
    public static Config Compose(Config? config)
    {
        var merged = (config ?? Config.Empty).WithFallback(OpenCryptokiSettings.Reference);
        const string journal = "akka.persistence.journal.sql";
        const string snapshots = "akka.persistence.snapshot-store.sql";
        string? cs = null, provider = null, snapshotCs = null;
        var storeCs = merged.GetString("opencryptoki.store.connection-string", "");
        if (!string.IsNullOrWhiteSpace(storeCs))
        {
            cs = storeCs;
            provider = merged.GetString("opencryptoki.store.provider-name", "SQLite.MS");
        }
        else if (merged.HasPath($"{journal}.connection-string") && !string.IsNullOrWhiteSpace(merged.GetString($"{journal}.connection-string")))
        {
            // configured on the journal: the snapshot store follows unless configured itself
            if (!merged.HasPath($"{snapshots}.connection-string") || string.IsNullOrWhiteSpace(merged.GetString($"{snapshots}.connection-string")))
                merged = ConfigurationFactory.ParseString(
                    $"{snapshots}.connection-string = {Quote(merged.GetString($"{journal}.connection-string"))}\n" +
                    $"{snapshots}.provider-name = {Quote(merged.GetString($"{journal}.provider-name"))}").WithFallback(merged);
        }
        else
        {
            var dataDir = Path.GetFullPath(merged.GetString("opencryptoki.data-dir"));
            cs = $"Data Source={Path.Combine(dataDir, "tokens.db")};Pooling=True";
            // snapshots in a file of their own: SQLite has one writer per file, and a big token's snapshot (tens of megabytes)
            // would hold the journal's writes behind it for seconds
            snapshotCs = $"Data Source={Path.Combine(dataDir, SnapshotFile)};Pooling=True";
            provider = "SQLite.MS";
        }

        if (cs is not null)
            merged = ConfigurationFactory.ParseString(
                $"{journal}.connection-string = {Quote(cs)}\n{snapshots}.connection-string = {Quote(snapshotCs ?? cs)}\n" +
                $"{journal}.provider-name = {Quote(provider!)}\n{snapshots}.provider-name = {Quote(provider!)}")
                .WithFallback(merged);

        return merged.WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>The SQLite file of the snapshot store beside tokens.db under opencryptoki.data-dir (the default store).</summary>
    public const string SnapshotFile = "snapshots.db";

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>
    /// Starts the daemon: checks the data directory, binds the module and admin sockets, runs
    /// <paramref name="beforeSwitch"/> (ock-slotd writes its PID file there), switches to opencryptoki.user when started
    /// as root, and only then opens the token store and starts the actors and the listeners.
    /// </summary>
    public static async Task<OpenCryptokiDaemon> StartAsync(Config? config, CancellationToken cancellationToken = default, string? configFile = null,
        Action<OpenCryptokiSettings>? beforeSwitch = null)
    {
        var full = Compose(config);
        var settings = OpenCryptokiSettings.From(full) with { ConfigFile = configFile is null ? null : Path.GetFullPath(configFile) };
        var user = settings.User.Length == 0 ? null : UnixUser.Lookup(settings.User);
        var euid = Libc.geteuid();
        if (user is not null && euid != 0 && euid != user.Uid)
            throw new StartupRefusedException(
                $"opencryptoki.user (--user) is {user.Name} (uid {user.Uid}), but ock-slotd runs as {Cryptoki.Wire.ConnectHelp.UserName((int)euid)} " +
                $"(uid {euid}) and only root can switch users. Fix: start ock-slotd as root, or drop opencryptoki.user.");
        var switchTo = user is not null && euid == 0 && user.Uid != 0 ? user : null;
        if (UsesDataDir(full)) DataDirCheck.Check(settings.DataDir, user?.Uid ?? euid);

        var system = ActorSystem.Create("ock", full);
        var log = Logging.GetLogger(system, "ock-slotd");
        SocketServer? server = null;
        AdminServer.AdminListener? adminListener = null;
        AdminServer? admin = null;
        try
        {
            server = new SocketServer(settings, log);
            server.Bind();
            if (settings.Admin is { } adminSettings) adminListener = AdminServer.Bind(adminSettings, settings.Limits, log);
            beforeSwitch?.Invoke(settings);
            if (switchTo is not null)
            {
                if (UsesDataDir(full)) PrivilegeDrop.PrepareDataDir(Path.GetFullPath(settings.DataDir), switchTo);
                PrivilegeDrop.SwitchTo(switchTo);
                log.Info("switched to user {0} (uid {1}, gid {2}); no capabilities kept", switchTo.Name, switchTo.Uid, switchTo.Gid);
            }

            PrepareStore(full, settings);
            var devicePool = Devices.DevicePools.StartIfNeeded(system, full, settings.Slots);
            var slotManager = system.ActorOf(SlotManagerActor.Props(settings), "slot-manager");
            // every token recovered before the socket accepts: a token of a million objects takes its time
            var slots = await slotManager.Ask<SlotTable>(SlotManagerProtocol.GetSlotTable.Instance, settings.RecoveryTimeout ?? TimeSpan.FromMinutes(30), cancellationToken);
            var statistics = new MechanismStatistics();
            var applications = system.ActorOf(ApplicationsActor.Props(slots, slotManager, statistics), "applications");
            server.Start(applications);
            if (settings.Admin is { } a)
            {
                admin = new AdminServer(a, slotManager, applications, () => ReloadSlots(settings), StoreDescription(full, settings), log,
                    settings.Group, statistics) { DevicePool = devicePool, ModuleSocket = server };
                admin.Start(adminListener);
            }

            MetricsServer? metrics = null;
            if (settings.MetricsPort != 0)
            {
                var status = admin ?? new AdminServer(new AdminSettings("", "0600", ""), slotManager, applications, () => ReloadSlots(settings),
                    StoreDescription(full, settings), log);
                metrics = new MetricsServer(settings.MetricsPort, status.Status, log)
                {
                    Extra = () => Devices.DeviceMetrics.Render(Devices.DeviceMetrics.Query(devicePool, TimeSpan.FromSeconds(5))),
                };
                metrics.Start();
            }

            return new OpenCryptokiDaemon(system, settings, server, admin, slotManager, applications, slots) { _metrics = metrics };
        }
        catch
        {
            admin?.Dispose();
            adminListener?.Dispose();
            server?.Dispose();
            await system.Terminate();
            throw;
        }
    }

    /// <summary>True when the token store is SQLite under opencryptoki.data-dir.</summary>
    private static bool UsesDataDir(Config full) =>
        full.GetString("akka.persistence.journal.sql.provider-name").StartsWith("SQLite", StringComparison.Ordinal);

    /// <summary>The slot table of the configuration file the daemon was started with, re-read (ock slot reload).</summary>
    private static IReadOnlyList<SlotSettings> ReloadSlots(OpenCryptokiSettings settings)
    {
        if (settings.ConfigFile is not { } file)
            throw new InvalidOperationException("ock-slotd was started without a configuration file (--config FILE): there is nothing to reload");
        var config = OpenCryptokiSettings.ParseFile(File.ReadAllText(file), file).WithFallback(OpenCryptokiSettings.Reference);
        return OpenCryptokiSettings.ParseSlots(config.GetConfig("opencryptoki"));
    }

    private static string StoreDescription(Config full, OpenCryptokiSettings settings)
    {
        var provider = full.GetString("akka.persistence.journal.sql.provider-name");
        return provider.StartsWith("SQLite", StringComparison.Ordinal)
            ? $"{provider} {Path.Combine(Path.GetFullPath(settings.DataDir), "tokens.db")}"
            : provider;
    }

    /// <summary>Creates the data directory (mode 0700) and the SQLite database in WAL mode.</summary>
    internal static void PrepareStore(Config full, OpenCryptokiSettings settings)
    {
        var provider = full.GetString("akka.persistence.journal.sql.provider-name");
        if (!provider.StartsWith("SQLite", StringComparison.Ordinal)) return;
        var dataDir = Path.GetFullPath(settings.DataDir);
        if (!Directory.Exists(dataDir))
            Directory.CreateDirectory(dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var journal = full.GetString("akka.persistence.journal.sql.connection-string");
        var snapshots = full.GetString("akka.persistence.snapshot-store.sql.connection-string", journal);
        foreach (var cs in new[] { journal, snapshots }.Distinct())
        {
            using var connection = new SqliteConnection(cs);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Closes the socket and every connection, then stops the actor system; acknowledged writes are already journaled.</summary>
    public async ValueTask DisposeAsync()
    {
        _metrics?.Dispose();
        _admin?.Dispose();
        _server.Dispose();
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance);
    }
}
