using System.Data.Common;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Actors.Slots;
using OpenCryptokiActors.Actors.Tokens;

namespace OpenCryptokiActors.Actors.Tests;

/// <summary>
/// The token stores the store specs run against: SQLite (a fresh data directory) and PostgreSQL (a fresh database
/// per test, created through OCK_TEST_POSTGRES, default the role and database scripts/postgres.sh makes).
/// OCK_TEST_POSTGRES=off leaves PostgreSQL out.
/// </summary>
public static class StoreBackends
{
    public const string DefaultPostgres = "Host=127.0.0.1;Port=5432;Username=ock;Password=ock;Database=ock_test";

    public static IEnumerable<object[]> All()
    {
        yield return ["sqlite"];
        if (Environment.GetEnvironmentVariable("OCK_TEST_POSTGRES") != "off") yield return ["postgresql"];
    }

    /// <param name="extra">More HOCON inside the opencryptoki block (e.g. rekey-batch).</param>
    public static StoreUnderTest Create(string backend, int snapshotEvery = 1000, string tokenName = "tok0", string extra = "") =>
        backend switch
        {
            "sqlite" => StoreUnderTest.Sqlite(snapshotEvery, tokenName, extra),
            "postgresql" => StoreUnderTest.Postgres(snapshotEvery, tokenName, extra),
            _ => throw new ArgumentException(backend),
        };
}

/// <summary>One store for one test: its configuration, a way to open it with plain ADO.NET, and its removal.</summary>
public sealed class StoreUnderTest : IDisposable
{
    private readonly Action _cleanup;

    private StoreUnderTest(string backend, Config config, string connectionString, Action cleanup)
    {
        Backend = backend;
        Config = config;
        ConnectionString = connectionString;
        _cleanup = cleanup;
    }

    public string Backend { get; }

    public Config Config { get; }

    public string ConnectionString { get; }

    public static StoreUnderTest Sqlite(int snapshotEvery, string tokenName, string extra = "")
    {
        var dir = TestConfig.NewDataDir();
        var config = Build(dir, snapshotEvery, tokenName, extra);
        return new StoreUnderTest("sqlite", config, $"Data Source={Path.Combine(dir, "tokens.db")};Pooling=False", () =>
        {
            if (Environment.GetEnvironmentVariable("OCK_TEST_KEEP") == "1") return;
            try
            {
                Directory.Delete(dir, true);
            }
            catch (IOException)
            {
            }
        });
    }

    public static StoreUnderTest Postgres(int snapshotEvery, string tokenName, string extra = "") =>
        PostgresAt(Environment.GetEnvironmentVariable("OCK_TEST_POSTGRES") is { Length: > 0 } s && s != "off" ? s : StoreBackends.DefaultPostgres,
            snapshotEvery, tokenName, extra);

    /// <summary>A fresh database on the PostgreSQL server <paramref name="admin"/> connects to (as a role that may create databases).</summary>
    public static StoreUnderTest PostgresAt(string admin, int snapshotEvery = 1000, string tokenName = "tok0", string extra = "")
    {
        var database = "ock_t_" + Guid.NewGuid().ToString("N")[..16];
        Exec(admin, $"CREATE DATABASE {database}");
        var cs = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
        var dir = TestConfig.NewDataDir();
        var config = Build(dir, snapshotEvery, tokenName, $"store {{ provider-name = \"PostgreSQL.15\", connection-string = \"{cs}\" }}\n{extra}");
        return new StoreUnderTest("postgresql", config, cs, () =>
        {
            NpgsqlConnection.ClearAllPools();
            Exec(admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        });
    }

    private static void Exec(string cs, string sql)
    {
        using var c = new NpgsqlConnection(cs);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static Config Build(string dir, int snapshotEvery, string tokenName, string store) => OpenCryptokiDaemon.Compose(ConfigurationFactory.ParseString($$"""
        opencryptoki {
          data-dir = "{{dir}}"
          socket = "{{dir}}/slotd.socket"
          pbkdf2-iterations = 1000
          snapshot-every = {{snapshotEvery}}
          slots = [ { id = 0, token-type = soft, token-name = {{tokenName}}, description = "Soft token", max-login-failures = 5 } ]
          {{store}}
        }
        akka.loglevel = WARNING
        """));

    public DbConnection Open()
    {
        DbConnection c = Backend == "sqlite" ? new SqliteConnection(ConnectionString) : new NpgsqlConnection(ConnectionString);
        c.Open();
        return c;
    }

    public int Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            cmd.Parameters.Add(p);
        }

        return cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// The snapshot store's database, as configured: on SQLite snapshots.db beside tokens.db (OpenCryptokiDaemon.SnapshotFile), on
    /// PostgreSQL the journal's database.
    /// </summary>
    public DbConnection OpenSnapshots()
    {
        if (Backend != "sqlite") return Open();
        var cs = new SqliteConnectionStringBuilder(Config.GetString("akka.persistence.snapshot-store.sql.connection-string")) { Pooling = false };
        var c = new SqliteConnection(cs.ConnectionString);
        c.Open();
        return c;
    }

    /// <summary>A number from the snapshot store's database.</summary>
    public long SnapshotScalar(string sql)
    {
        using var c = OpenSnapshots();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        var v = cmd.ExecuteScalar();
        return v is null or DBNull ? 0 : Convert.ToInt64(v);
    }

    public long Scalar(string sql)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        var v = cmd.ExecuteScalar();
        return v is null or DBNull ? 0 : Convert.ToInt64(v);
    }

    /// <summary>Starts the daemon's actors in <paramref name="system"/>; returns the applications actor and the token of slot 0.</summary>
    public async Task<(IActorRef Applications, IActorRef Token)> StartAsync(ActorSystem system)
    {
        var settings = OpenCryptokiSettings.From(Config);
        OpenCryptokiDaemon.PrepareStore(Config, settings);
        var slotManager = system.ActorOf(SlotManagerActor.Props(settings), "slot-manager");
        var table = await slotManager.Ask<SlotTable>(SlotManagerProtocol.GetSlotTable.Instance, TimeSpan.FromSeconds(60));
        var applications = system.ActorOf(Applications.ApplicationsActor.Props(table, slotManager), "applications");
        return (applications, table.Slots[0].Token);
    }

    /// <summary>
    /// Runs <paramref name="body"/> against the daemon's actors in a new actor system named <paramref name="name"/> (the store's
    /// config under <paramref name="overrides"/>), once the token is ready; the system ends with the body.
    /// </summary>
    public async Task<T> WithDaemonAsync<T>(string name, Func<IActorRef, IActorRef, Task<T>> body, Config? overrides = null, double readySeconds = 60)
    {
        var system = ActorSystem.Create(name, overrides is null ? Config : overrides.WithFallback(Config));
        try
        {
            var (applications, token) = await StartAsync(system);
            await token.Ask<TokenProtocol.Ready>(TokenProtocol.AwaitReady.Instance, TimeSpan.FromSeconds(readySeconds));
            return await body(applications, token);
        }
        finally
        {
            await system.Terminate();
        }
    }

    public void Dispose() => _cleanup();
}
