using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Npgsql;
using OpenCryptokiActors.Cli.Core;
using OpenCryptokiActors.Cryptoki.Audit;

namespace OpenCryptokiActors.Cli.Commands;

/// <summary>
/// <c>ock audit [list]|verify</c>: the token audit trail read straight from the journal database (SQLite file or
/// PostgreSQL), found from the daemon's HOCON configuration (--config) or given (--database). No module, no daemon,
/// no PIN; nothing secret is shown (actions, object ids, who and when only).
/// </summary>
public static class AuditCommands
{
    /// <summary>Exit code of <c>ock audit verify</c> when the chain is broken.</summary>
    public const int Tampered = 3;

    public static Command Create(Globals g)
    {
        var config = new Option<string>("--config")
        {
            Description = "The daemon's HOCON configuration: the journal is its opencryptoki.store / akka.persistence.journal.sql connection, else tokens.db under opencryptoki.data-dir. Default: ./config/opencryptoki.conf if present, else ./var/lib/tokens.db",
            HelpName = "FILE",
            Recursive = true,
        };
        var database = new Option<string>("--database")
        {
            Description = "The journal database itself: a SQLite file path or connection string (Data Source=...), or a PostgreSQL connection string (Host=...;Database=...)",
            HelpName = "PATH|CONNECTION",
            Recursive = true,
        };
        var audit = new Command("audit", "The token audit trail: every change and login with time, pid, uid and session, hash-chained.") { config, database };
        var list = List(g, config, database);
        audit.Subcommands.Add(list);
        audit.Subcommands.Add(Verify(g, config, database));
        foreach (var o in list.Options) audit.Options.Add(o);
        audit.SetAction(p => RunList(p, g, config, database, list));
        return audit;
    }

    private static readonly Option<string> TokenName = new("--token-name") { Description = "Only this token: its token-name (slot table) or its label", HelpName = "NAME" };
    private static readonly Option<ulong?> ObjectId = new("--object") { Description = "Only events about this object handle", HelpName = "HANDLE" };
    private static readonly Option<string> UserOpt = new("--user") { Description = "Only events caused by this Unix user (name or uid)", HelpName = "USER" };
    private static readonly Option<int?> PidOpt = new("--pid") { Description = "Only events caused by this process id", HelpName = "PID" };
    private static readonly Option<string> Since = new("--since") { Description = "Only events at or after this time (ISO 8601, UTC unless an offset is given)", HelpName = "TIME" };
    private static readonly Option<string> Until = new("--until") { Description = "Only events before this time (ISO 8601)", HelpName = "TIME" };
    private static readonly Option<string> Action = new("--action") { Description = "Only this action (ObjectCreated, ObjectChanged, ObjectDestroyed, LoginFailed, LoginSucceeded, TokenInitialized, UserPinSet, SoPinSet, RekeyStarted, ObjectsResealed, RekeyCompleted)", HelpName = "ACTION" };

    private static Command List(Globals g, Option<string> config, Option<string> database)
    {
        var cmd = new Command("list", "List audit events, oldest first (the default of `ock audit`).")
        {
            TokenName, ObjectId, UserOpt, PidOpt, Since, Until, Action, g.Json,
        }.Examples(
            "ock audit --config /etc/opencryptoki-actors/opencryptoki.conf",
            "ock audit list --token-name swtok --object 42 --json",
            "ock audit list --user alice --since 2026-01-01T00:00:00Z --action LoginFailed",
            "ock audit --database 'Host=db;Username=ock;Password=...;Database=ock'");
        cmd.SetAction(p => RunList(p, g, config, database, cmd));
        return cmd;
    }

    private static int RunList(ParseResult p, Globals g, Option<string> config, Option<string> database, Command _)
    {
        return Guard(() =>
        {
            using var connection = OpenJournal(p.GetValue(config), p.GetValue(database));
            var rows = AuditJournal.ReadRows(connection);
            var labels = Labels(rows);
            var entries = rows.Select(AuditJournal.Describe).ToList();

            var token = p.GetValue(TokenName);
            var obj = p.GetValue(ObjectId);
            var uid = p.GetValue(UserOpt) is { } u ? ResolveUid(u) : (int?)null;
            var pid = p.GetValue(PidOpt);
            var since = p.GetValue(Since) is { } s ? ParseTime(s, "--since") : (DateTimeOffset?)null;
            var until = p.GetValue(Until) is { } t ? ParseTime(t, "--until") : (DateTimeOffset?)null;
            var action = p.GetValue(Action);
            var selected = entries.Where(e =>
                (token is null || e.PersistenceId == "token-" + token || labels.GetValueOrDefault(e.PersistenceId) == token)
                && (obj is null || e.ObjectId == obj)
                && (uid is null || e.Uid == uid)
                && (pid is null || e.Pid == pid)
                && (since is null || e.At >= since)
                && (until is null || e.At < until)
                && (action is null || string.Equals(e.Action, action, StringComparison.OrdinalIgnoreCase))).ToList();

            if (p.GetValue(g.Json))
            {
                var array = new JsonArray();
                foreach (var e in selected) array.Add(ToJson(e, labels));
                Output.Json(array);
                return ExitCodes.Ok;
            }

            Output.Table(
                ["token", "seq", "time (UTC)", "pid", "uid", "session", "action", "object", "user type"],
                selected.Select(e => new[]
                {
                    TokenOf(e.PersistenceId), e.SequenceNr.ToString(CultureInfo.InvariantCulture),
                    e.At?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) ?? "(before audit)",
                    e.Pid?.ToString(CultureInfo.InvariantCulture), e.Uid?.ToString(CultureInfo.InvariantCulture),
                    e.Session is null or 0 ? "" : e.Session.Value.ToString(CultureInfo.InvariantCulture),
                    e.Action, e.ObjectId?.ToString(CultureInfo.InvariantCulture), UserType(e.UserType),
                }));
            return ExitCodes.Ok;
        });
    }

    private static Command Verify(Globals g, Option<string> config, Option<string> database)
    {
        var anchorsOpt = new Option<string>("--anchors")
        {
            Description = "The daemon's audit anchors (newest sequence number and hash per token, kept outside the database) to catch rows removed " +
                          "at the end. Default: anchors/ under the configuration's opencryptoki.data-dir (or next to the SQLite file of --database)",
            HelpName = "DIR",
        };
        var cmd = new Command("verify", $"Check the hash chain of every token's journal: a changed, removed, inserted or reordered row, and rows removed " +
                                        $"at the end (against the daemon's anchors), are reported (exit code {Tampered}).")
        {
            g.Json, anchorsOpt,
        }.Examples(
            "ock audit verify --config /etc/opencryptoki-actors/opencryptoki.conf",
            "ock audit verify --database /var/lib/opencryptoki-actors/tokens.db --json");
        cmd.SetAction(p => Guard(() =>
        {
            using var connection = OpenJournal(p.GetValue(config), p.GetValue(database));
            var rows = AuditJournal.ReadRows(connection);
            var anchorDir = p.GetValue(anchorsOpt) ?? DefaultAnchors(p.GetValue(config), p.GetValue(database));
            var problems = AuditJournal.Verify(rows, SnapshotHeads(connection), anchorDir is null ? null : AuditAnchor.ReadAll(anchorDir));
            var tokens = rows.Select(r => r.PersistenceId).Distinct().Count();
            if (p.GetValue(g.Json))
            {
                var array = new JsonArray();
                foreach (var x in problems)
                    array.Add(new JsonObject { ["token"] = TokenOf(x.PersistenceId), ["seq"] = x.SequenceNr, ["problem"] = x.Problem });
                Output.Json(new JsonObject { ["ok"] = problems.Count == 0, ["tokens"] = tokens, ["events"] = rows.Count, ["problems"] = array });
            }
            else if (problems.Count == 0) Output.Line($"ok: {rows.Count} events in {tokens} token(s), hash chains intact");
            else
            {
                foreach (var x in problems) Output.Line($"{TokenOf(x.PersistenceId)} seq {x.SequenceNr}: {x.Problem}");
                Output.Error($"audit trail damaged: {problems.Count} problem(s)");
            }

            return problems.Count == 0 ? ExitCodes.Ok : Tampered;
        }));
        return cmd;
    }

    // ------------------------------------------------------------------ helpers

    private static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (UsageException e)
        {
            Output.Error(e.Message);
            return ExitCodes.Usage;
        }
        catch (DbException e)
        {
            Output.Error("cannot read the journal: " + e.Message);
            return ExitCodes.Usage;
        }
    }

    private static string TokenOf(string persistenceId) => persistenceId.StartsWith("token-", StringComparison.Ordinal) ? persistenceId[6..] : persistenceId;

    private static string? UserType(ulong? t) => t switch { null => null, 0 => "SO", 1 => "User", 2 => "Context", _ => t.Value.ToString(CultureInfo.InvariantCulture) };

    private static JsonObject ToJson(AuditEntry e, IReadOnlyDictionary<string, string> labels) => new()
    {
        ["token"] = TokenOf(e.PersistenceId),
        ["label"] = labels.GetValueOrDefault(e.PersistenceId),
        ["seq"] = e.SequenceNr,
        ["time"] = e.At?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        ["pid"] = e.Pid,
        ["uid"] = e.Uid,
        ["session"] = e.Session,
        ["action"] = e.Action,
        ["object"] = e.ObjectId,
        ["userType"] = UserType(e.UserType),
        ["chained"] = e.Chained,
        ["hash"] = e.Hash,
    };

    /// <summary>The latest label of each token (from its TokenInitialized events).</summary>
    private static Dictionary<string, string> Labels(List<JournalRow> rows)
    {
        var labels = new Dictionary<string, string>();
        foreach (var row in rows)
        {
            try
            {
                var manifest = row.Manifest;
                var payload = row.Message;
                if (manifest == AuditRecord.Manifest)
                {
                    var r = AuditRecord.Parse(row.Message, out _);
                    manifest = r.EventManifest;
                    payload = r.EventPayload;
                }

                if (!manifest.StartsWith("TokenInitialized", StringComparison.Ordinal)) continue;
                var reader = new Cryptoki.Wire.WireReader(payload);
                labels[row.PersistenceId] = Encoding.UTF8.GetString(reader.ReadBytesSpan());
            }
            catch (Cryptoki.Wire.WireFormatException)
            {
            }
        }

        return labels;
    }

    private static DateTimeOffset ParseTime(string s, string option) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw new UsageException($"{option}: '{s}' is not a time (ISO 8601, e.g. 2026-01-31T12:00:00Z)");

    private static int ResolveUid(string user)
    {
        if (int.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out var uid)) return uid;
        if (File.Exists("/etc/passwd"))
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var f = line.Split(':');
                if (f.Length > 2 && f[0] == user && int.TryParse(f[2], CultureInfo.InvariantCulture, out uid)) return uid;
            }

        throw new UsageException($"--user: unknown user '{user}'");
    }

    /// <summary>Opens the journal database named by --database, else by the daemon's configuration.</summary>
    internal static DbConnection OpenJournal(string? configFile, string? database)
    {
        var (provider, cs) = database is not null ? FromDatabaseOption(database) : FromConfig(configFile);
        DbConnection connection;
        if (provider.StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase)) connection = new NpgsqlConnection(cs);
        else if (provider.StartsWith("SQLite", StringComparison.OrdinalIgnoreCase))
        {
            var b = new SqliteConnectionStringBuilder(cs) { Mode = SqliteOpenMode.ReadOnly };
            if (!File.Exists(b.DataSource)) throw new UsageException($"journal database '{b.DataSource}' does not exist");
            connection = new SqliteConnection(b.ConnectionString);
        }
        else throw new UsageException($"journal provider '{provider}' is not supported by ock audit (SQLite, PostgreSQL)");

        connection.Open();
        return connection;
    }

    /// <summary>
    /// The newest snapshot of each token: from the journal's database, and, for SQLite, from snapshots.db beside it (where the
    /// daemon keeps snapshots when the store is the default SQLite under its data-dir).
    /// </summary>
    private static Dictionary<string, long> SnapshotHeads(DbConnection journal)
    {
        var heads = AuditJournal.ReadSnapshotHeads(journal);
        if (journal is not SqliteConnection sqlite || Path.GetDirectoryName(Path.GetFullPath(sqlite.DataSource)) is not { } dir) return heads;
        var file = Path.Combine(dir, "snapshots.db");
        if (!File.Exists(file) || Path.GetFullPath(sqlite.DataSource) == file) return heads;
        using var snapshots = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly }.ConnectionString);
        snapshots.Open();
        foreach (var (id, seq) in AuditJournal.ReadSnapshotHeads(snapshots)) heads[id] = Math.Max(seq, heads.GetValueOrDefault(id));
        return heads;
    }

    /// <summary>Where the daemon keeps its anchors: data-dir/anchors of the configuration, or beside a SQLite --database file.</summary>
    private static string? DefaultAnchors(string? configFile, string? database)
    {
        if (database is not null)
        {
            var (provider, cs) = FromDatabaseOption(database);
            if (!provider.StartsWith("SQLite", StringComparison.Ordinal)) return null;
            var file = new SqliteConnectionStringBuilder(cs).DataSource;
            return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".", AuditAnchor.DirectoryName);
        }

        if (configFile is null && File.Exists("config/opencryptoki.conf")) configFile = "config/opencryptoki.conf";
        var values = configFile is null || !File.Exists(configFile) ? new Dictionary<string, string>() : MiniHocon.Read(File.ReadAllText(configFile));
        var dataDir = values.TryGetValue("opencryptoki.data-dir", out var d) && d.Length > 0 ? d : "./var/lib";
        return Path.Combine(Path.GetFullPath(dataDir), AuditAnchor.DirectoryName);
    }

    private static (string Provider, string ConnectionString) FromDatabaseOption(string database)
    {
        if (database.Contains("Host=", StringComparison.OrdinalIgnoreCase) || database.StartsWith("postgres", StringComparison.OrdinalIgnoreCase))
            return ("PostgreSQL", database);
        return ("SQLite", database.Contains('=') ? database : $"Data Source={Path.GetFullPath(database)}");
    }

    private static (string Provider, string ConnectionString) FromConfig(string? configFile)
    {
        if (configFile is null && File.Exists("config/opencryptoki.conf")) configFile = "config/opencryptoki.conf";
        var values = configFile is null ? new Dictionary<string, string>() : MiniHocon.Read(File.Exists(configFile)
            ? File.ReadAllText(configFile)
            : throw new UsageException($"--config: '{configFile}' does not exist"));
        string? Get(string key) => values.TryGetValue(key, out var v) && v.Length > 0 ? v : null;
        if (Get("opencryptoki.store.connection-string") is { } storeCs)
            return (Get("opencryptoki.store.provider-name") ?? "SQLite.MS", storeCs);
        if (Get("akka.persistence.journal.sql.connection-string") is { } journalCs)
            return (Get("akka.persistence.journal.sql.provider-name") ?? "SQLite.MS", journalCs);
        var dataDir = Get("opencryptoki.data-dir") ?? "./var/lib";
        return ("SQLite.MS", $"Data Source={Path.Combine(Path.GetFullPath(dataDir), "tokens.db")}");
    }

    /// <summary>
    /// Just enough HOCON to find a few string settings: nested objects, dotted keys, = or :, quoted and unquoted
    /// values, comments; arrays are skipped; no includes or substitutions. Later definitions win.
    /// </summary>
    internal static class MiniHocon
    {
        public static Dictionary<string, string> Read(string text)
        {
            var result = new Dictionary<string, string>();
            var path = new Stack<string>();
            var i = 0;
            string? key = null;
            while (i < text.Length)
            {
                var c = text[i];
                if (char.IsWhiteSpace(c) || c == ',') { i++; continue; }
                if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/')) { while (i < text.Length && text[i] != '\n') i++; continue; }
                if (c == '}') { if (path.Count > 0) path.Pop(); key = null; i++; continue; }
                if (key is null)
                {
                    key = c == '"' ? Quoted(text, ref i) : Bare(text, ref i, "=:{ \t\r\n");
                    continue;
                }

                if (c is '=' or ':') { i++; continue; }
                if (c == '{')
                {
                    path.Push(key);
                    key = null;
                    i++;
                    continue;
                }

                if (c == '[')
                {
                    SkipArray(text, ref i);
                    key = null;
                    continue;
                }

                var value = c == '"' ? Quoted(text, ref i) : Bare(text, ref i, ",}\r\n#").Trim();
                var full = string.Join('.', path.Reverse().Append(key));
                result[full] = value;
                key = null;
            }

            return result;
        }

        private static string Quoted(string text, ref int i)
        {
            var sb = new StringBuilder();
            i++;
            while (i < text.Length && text[i] != '"')
            {
                if (text[i] == '\\' && i + 1 < text.Length)
                {
                    i++;
                    sb.Append(text[i] switch { 'n' => '\n', 't' => '\t', var x => x });
                }
                else sb.Append(text[i]);
                i++;
            }

            i++;
            return sb.ToString();
        }

        private static string Bare(string text, ref int i, string stops)
        {
            var start = i;
            while (i < text.Length && stops.IndexOf(text[i]) < 0) i++;
            return text[start..i];
        }

        private static void SkipArray(string text, ref int i)
        {
            var depth = 0;
            while (i < text.Length)
            {
                var c = text[i++];
                if (c == '"') { i--; Quoted(text, ref i); continue; }
                if (c == '[') depth++;
                else if (c == ']' && --depth == 0) return;
            }
        }
    }
}
