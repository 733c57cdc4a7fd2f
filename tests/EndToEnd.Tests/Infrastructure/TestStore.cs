using Npgsql;

namespace OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The token store a daemon test runs on: "sqlite" (the daemon's data directory, nothing to configure) or "postgresql"
/// (a fresh database on the server OCK_TEST_POSTGRES names, default the one scripts/postgres.sh sets up; dropped on
/// dispose). <see cref="Config"/> goes into SlotDaemon's extraConfig.
/// </summary>
public sealed class TestStore : IDisposable
{
    public const string DefaultPostgres = "Host=127.0.0.1;Port=5432;Username=ock;Password=ock;Database=ock_test";
    private readonly string? _admin;
    private readonly string? _database;

    private TestStore(string backend, string config, string? admin, string? database)
    {
        Backend = backend;
        Config = config;
        _admin = admin;
        _database = database;
    }

    public string Backend { get; }

    public string Config { get; }

    public static IEnumerable<object[]> Backends()
    {
        yield return ["sqlite"];
        if (Environment.GetEnvironmentVariable("OCK_TEST_POSTGRES") != "off") yield return ["postgresql"];
    }

    public static TestStore Create(string backend)
    {
        if (backend == "sqlite") return new TestStore(backend, "", null, null);
        if (backend != "postgresql") throw new ArgumentException(backend);
        var admin = Environment.GetEnvironmentVariable("OCK_TEST_POSTGRES") is { Length: > 0 } s && s != "off" ? s : DefaultPostgres;
        var database = "ock_e2e_" + Guid.NewGuid().ToString("N")[..16];
        Exec(admin, $"CREATE DATABASE {database}");
        var cs = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
        return new TestStore(backend, $"store {{ provider-name = \"PostgreSQL.15\", connection-string = \"{cs}\" }}", admin, database);
    }

    private static void Exec(string cs, string sql)
    {
        using var c = new NpgsqlConnection(cs);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public void Dispose()
    {
        if (_admin is null) return;
        NpgsqlConnection.ClearAllPools();
        Exec(_admin, $"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
    }
}
