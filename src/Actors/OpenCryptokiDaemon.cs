using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;
using OpenCryptokiActors.Actors.Applications;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Actors.Server;
using OpenCryptokiActors.Actors.Slots;

namespace OpenCryptokiActors.Actors;

/// <summary>
/// The slot daemon's runtime, usable from ock-slotd or embedded in any .NET process: the actor system
/// (slot manager, tokens, applications) and the Unix socket the PKCS#11 module connects to.
/// </summary>
public sealed class OpenCryptokiDaemon : IAsyncDisposable
{
    private readonly SocketServer _server;

    private OpenCryptokiDaemon(ActorSystem system, OpenCryptokiSettings settings, SocketServer server, IActorRef applications, SlotTable slots)
    {
        System = system;
        Settings = settings;
        _server = server;
        Applications = applications;
        Slots = slots;
    }

    public ActorSystem System { get; }

    public OpenCryptokiSettings Settings { get; }

    public IActorRef Applications { get; }

    public SlotTable Slots { get; }

    public string SocketPath => _server.SocketPath;

    /// <summary>
    /// Full configuration: <paramref name="config"/> over the embedded reference.conf and the SQL plugin's
    /// defaults; the SQLite store under opencryptoki.data-dir unless a connection string is configured.
    /// </summary>
    public static Config Compose(Config? config)
    {
        var merged = (config ?? Config.Empty).WithFallback(OpenCryptokiSettings.Reference);
        if (!merged.HasPath("akka.persistence.journal.sql.connection-string"))
        {
            var dataDir = Path.GetFullPath(merged.GetString("opencryptoki.data-dir"));
            var cs = $"Data Source={Path.Combine(dataDir, "tokens.db")};Pooling=True";
            var quoted = "\"" + cs.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
            merged = ConfigurationFactory.ParseString(
                $"akka.persistence.journal.sql.connection-string = {quoted}\nakka.persistence.snapshot-store.sql.connection-string = {quoted}")
                .WithFallback(merged);
        }

        return merged.WithFallback(SqlPersistence.DefaultConfiguration);
    }

    public static async Task<OpenCryptokiDaemon> StartAsync(Config? config, CancellationToken cancellationToken = default)
    {
        var full = Compose(config);
        var settings = OpenCryptokiSettings.From(full);
        PrepareStore(full, settings);

        var system = ActorSystem.Create("ock", full);
        try
        {
            var slotManager = system.ActorOf(SlotManagerActor.Props(settings), "slot-manager");
            var slots = await slotManager.Ask<SlotTable>(SlotManagerProtocol.GetSlotTable.Instance, TimeSpan.FromSeconds(60), cancellationToken);
            var applications = system.ActorOf(ApplicationsActor.Props(slots), "applications");
            var server = new SocketServer(settings, applications, Logging.GetLogger(system, "ock-slotd"));
            server.Start();
            return new OpenCryptokiDaemon(system, settings, server, applications, slots);
        }
        catch
        {
            await system.Terminate();
            throw;
        }
    }

    /// <summary>Creates the data directory (mode 0700) and the SQLite database in WAL mode.</summary>
    internal static void PrepareStore(Config full, OpenCryptokiSettings settings)
    {
        var provider = full.GetString("akka.persistence.journal.sql.provider-name");
        if (!provider.StartsWith("SQLite", StringComparison.Ordinal)) return;
        var dataDir = Path.GetFullPath(settings.DataDir);
        if (!Directory.Exists(dataDir))
            Directory.CreateDirectory(dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var connection = new SqliteConnection(full.GetString("akka.persistence.journal.sql.connection-string"));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }

    /// <summary>Closes the socket and every connection, then stops the actor system; acknowledged writes are already journaled.</summary>
    public async ValueTask DisposeAsync()
    {
        _server.Dispose();
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance);
    }
}
