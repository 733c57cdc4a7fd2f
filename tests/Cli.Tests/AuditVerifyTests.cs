using Microsoft.Data.Sqlite;
using OpenCryptokiActors.Cryptoki.Audit;

namespace OpenCryptokiActors.Cli.Tests;

/// <summary>
/// `ock audit verify` on a SQLite journal whose sequence numbers have a gap where writes were rejected: the daemon chains the
/// next event to the last written one (Actors.Tests FailedWriteSpec shows it does), so the chain goes across the gap and nothing
/// is reported; a row removed on either side of the gap breaks the chain and is.
/// </summary>
public sealed class AuditVerifyTests
{
    private static void Insert(SqliteConnection db, long sequenceNr, AuditRecord record)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = "INSERT INTO journal (persistence_id, sequence_number, manifest, message) VALUES ('token-gaps', @s, @m, @b)";
        cmd.Parameters.AddWithValue("@s", sequenceNr);
        cmd.Parameters.AddWithValue("@m", AuditRecord.Manifest);
        cmd.Parameters.AddWithValue("@b", record.ToBinary());
        cmd.ExecuteNonQuery();
    }

    [Fact]
    public void A_gap_the_chain_goes_across_passes_and_a_removed_row_beside_it_is_reported()
    {
        var dir = Directory.CreateTempSubdirectory("ock-audit-gap-").FullName;
        try
        {
            var file = Path.Combine(dir, "tokens.db");
            var cs = $"Data Source={file};Pooling=False";
            using (var db = new SqliteConnection(cs))
            {
                db.Open();
                using (var cmd = db.CreateCommand())
                {
                    cmd.CommandText = "CREATE TABLE journal (persistence_id TEXT NOT NULL, sequence_number INTEGER NOT NULL, manifest TEXT, message BLOB NOT NULL)";
                    cmd.ExecuteNonQuery();
                }

                // events 1..3 written, 4 and 5 rejected (never written), 6 and 7 chained to 3
                var head = AuditRecord.Genesis;
                foreach (var seq in new long[] { 1, 2, 3, 6, 7 })
                {
                    var record = AuditRecord.Create(head, DateTimeOffset.UtcNow, 100, 0, 1, "ObjectDestroyed.v1", BitConverter.GetBytes((ulong)seq));
                    Insert(db, seq, record);
                    head = record.Hash;
                }
            }

            var anchors = Directory.CreateDirectory(Path.Combine(dir, "anchors")).FullName;
            var ok = Shell.Run("dotnet", Target.OckDll, "audit", "verify", "--database", file, "--anchors", anchors);
            Assert.True(ok.ExitCode == 0, ok.ToString());
            Assert.Contains("ok: 5 events", ok.Stdout);

            foreach (var removed in new[] { 3, 6 })
            {
                var copy = Path.Combine(dir, $"removed-{removed}.db");
                File.Copy(file, copy);
                using (var db = new SqliteConnection($"Data Source={copy};Pooling=False"))
                {
                    db.Open();
                    using var cmd = db.CreateCommand();
                    cmd.CommandText = $"DELETE FROM journal WHERE sequence_number = {removed}";
                    Assert.Equal(1, cmd.ExecuteNonQuery());
                }

                var bad = Shell.Run("dotnet", Target.OckDll, "audit", "verify", "--database", copy, "--anchors", anchors);
                Assert.True(bad.ExitCode == 3, bad.ToString());
                Assert.Contains("chain broken", bad.Stdout);
                Assert.Contains("missing", bad.Stdout);
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
