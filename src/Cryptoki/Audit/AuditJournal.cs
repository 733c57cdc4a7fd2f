using System.Data.Common;

namespace OpenCryptokiActors.Cryptoki.Audit;

/// <summary>One row of the token journal (table <c>journal</c> of Akka.Persistence.Sql's default mapping).</summary>
public sealed record JournalRow(string PersistenceId, long SequenceNr, string Manifest, byte[] Message);

/// <summary>One event of the audit trail as <c>ock audit</c> shows it (no attribute values, no secrets).</summary>
public sealed record AuditEntry(
    string PersistenceId,
    long SequenceNr,
    DateTimeOffset? At,
    int? Pid,
    int? Uid,
    ulong? Session,
    string Action,
    ulong? ObjectId,
    ulong? UserType,
    bool Chained,
    string? Hash);

/// <summary>Something <c>ock audit verify</c> found wrong.</summary>
public sealed record AuditProblem(string PersistenceId, long SequenceNr, string Problem);

/// <summary>
/// Reads a token journal straight from its database (any ADO.NET connection: SQLite, PostgreSQL) and checks
/// its hash chain. Works on plain rows so that the daemon need not run.
/// </summary>
public static class AuditJournal
{
    /// <summary>Journal rows in order (by persistence id, then sequence number); only tokens ("token-…") unless <paramref name="persistenceId"/> is given.</summary>
    public static List<JournalRow> ReadRows(DbConnection connection, string? persistenceId = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT persistence_id, sequence_number, manifest, message FROM journal" +
            (persistenceId is null ? " WHERE persistence_id LIKE 'token-%'" : " WHERE persistence_id = @pid") +
            " ORDER BY persistence_id, sequence_number";
        if (persistenceId is not null)
        {
            var p = command.CreateParameter();
            p.ParameterName = "@pid";
            p.Value = persistenceId;
            command.Parameters.Add(p);
        }

        var rows = new List<JournalRow>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
            rows.Add(new JournalRow(reader.GetString(0), Convert.ToInt64(reader.GetValue(1)), reader.IsDBNull(2) ? "" : reader.GetString(2), (byte[])reader.GetValue(3)));
        return rows;
    }

    /// <summary>Highest snapshot sequence number per persistence id (a journal shorter than its snapshot lost rows at its end).</summary>
    public static Dictionary<string, long> ReadSnapshotHeads(DbConnection connection)
    {
        var heads = new Dictionary<string, long>();
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT persistence_id, MAX(sequence_number) FROM snapshot WHERE persistence_id LIKE 'token-%' GROUP BY persistence_id";
            using var reader = command.ExecuteReader();
            while (reader.Read()) heads[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1));
        }
        catch (DbException)
        {
            // no snapshot table yet
        }

        return heads;
    }

    public static AuditEntry Describe(JournalRow row)
    {
        if (row.Manifest == AuditRecord.Manifest)
        {
            try
            {
                var r = AuditRecord.Parse(row.Message, out _);
                var (action, obj, user) = AuditRecord.Describe(r.EventManifest, r.EventPayload);
                return new AuditEntry(row.PersistenceId, row.SequenceNr, r.At, r.Pid, r.Uid, r.Session, action, obj, user, true, Convert.ToHexString(r.Hash).ToLowerInvariant());
            }
            catch (Exception e) when (e is Wire.WireFormatException or ArgumentException)
            {
                return new AuditEntry(row.PersistenceId, row.SequenceNr, null, null, null, null, "(unreadable)", null, null, true, null);
            }
        }

        var (a, o, u) = AuditRecord.Describe(row.Manifest, row.Message);
        return new AuditEntry(row.PersistenceId, row.SequenceNr, null, null, null, null, a, o, u, false, null);
    }

    /// <summary>
    /// Checks every token's chain: each audited row's hash matches its bytes (a changed row), its previous hash is the
    /// hash of the audited row before it (a removed, inserted or reordered row), sequence numbers do not repeat, no unaudited
    /// row follows an audited one, the journal reaches the latest snapshot, and (given the daemon's <see cref="AuditAnchor"/>s)
    /// it reaches each anchor with the same hash: rows removed at the end.
    /// <para>
    /// Gaps in the sequence numbers: a journal write the store rejected (or that failed) used its sequence numbers but left no
    /// row, and the daemon chains the next event it writes to the last event that was written. A gap is therefore not by itself
    /// a sign of tampering; a removed row is, and it shows in the chain: the row after it names the removed row's hash as its
    /// previous one, which no remaining row has (rewriting the rows after it to hide that changes their hashes, up to the anchor).
    /// So a gap is reported only when the chain does not go across it: the row after it is unaudited, does not parse, names another
    /// previous hash, or starts the chain after unaudited rows (nothing then vouches for what was before).
    /// </para>
    /// </summary>
    public static List<AuditProblem> Verify(IEnumerable<JournalRow> rows, IReadOnlyDictionary<string, long>? snapshotHeads = null,
        IReadOnlyDictionary<string, (long SequenceNr, byte[] Hash)>? anchors = null)
    {
        var problems = new List<AuditProblem>();
        var lastSeq = new Dictionary<string, long>();
        var hashes = new Dictionary<(string, long), byte[]>();
        foreach (var group in rows.GroupBy(r => r.PersistenceId))
        {
            var pid = group.Key;
            long expected = 1;
            byte[]? head = null;
            var unauditedBefore = false;
            foreach (var row in group.OrderBy(r => r.SequenceNr))
            {
                if (row.SequenceNr < expected) problems.Add(new AuditProblem(pid, row.SequenceNr, "duplicate sequence number"));
                AuditProblem? gap = row.SequenceNr > expected ? new AuditProblem(pid, row.SequenceNr, $"rows {expected}..{row.SequenceNr - 1} are missing") : null;
                expected = row.SequenceNr + 1;
                if (row.Manifest != AuditRecord.Manifest)
                {
                    if (gap is not null) problems.Add(gap);
                    if (head is not null) problems.Add(new AuditProblem(pid, row.SequenceNr, $"unaudited event ({row.Manifest}) after the audit chain began"));
                    unauditedBefore = true;
                    continue;
                }

                AuditRecord record;
                bool valid;
                try
                {
                    record = AuditRecord.Parse(row.Message, out valid);
                }
                catch (Exception e) when (e is Wire.WireFormatException or ArgumentException)
                {
                    if (gap is not null) problems.Add(gap);
                    problems.Add(new AuditProblem(pid, row.SequenceNr, "row does not parse (changed)"));
                    continue;
                }

                var previous = head ?? AuditRecord.Genesis;
                var linked = record.PreviousHash.AsSpan().SequenceEqual(previous);
                // a gap the chain goes across: sequence numbers of a write that left no row (see above)
                if (gap is not null && !(linked && (head is not null || !unauditedBefore))) problems.Add(gap);
                if (!valid) problems.Add(new AuditProblem(pid, row.SequenceNr, "row changed: its hash does not match its content"));
                if (!linked)
                    problems.Add(new AuditProblem(pid, row.SequenceNr, "chain broken: previous hash differs (a row before it was removed, inserted, reordered or changed)"));
                head = record.Hash;
                if (anchors is not null && anchors.TryGetValue(pid, out var a) && a.SequenceNr == row.SequenceNr) hashes[(pid, row.SequenceNr)] = record.Hash;
            }

            lastSeq[pid] = expected - 1;
        }

        if (snapshotHeads is not null)
            foreach (var (pid, seq) in snapshotHeads)
                if (lastSeq.GetValueOrDefault(pid) < seq)
                    problems.Add(new AuditProblem(pid, seq, $"journal ends at {lastSeq.GetValueOrDefault(pid)} but a snapshot was taken at {seq}: rows at the end were removed"));
        if (anchors is not null)
            foreach (var (pid, (seq, hash)) in anchors)
            {
                if (!pid.StartsWith("token-", StringComparison.Ordinal)) continue;
                if (lastSeq.GetValueOrDefault(pid) < seq)
                    problems.Add(new AuditProblem(pid, seq, $"truncated: journal ends at {lastSeq.GetValueOrDefault(pid)} but the daemon's anchor says it reached {seq}: rows at the end were removed"));
                else if (hashes.TryGetValue((pid, seq), out var found) && !found.AsSpan().SequenceEqual(hash))
                    problems.Add(new AuditProblem(pid, seq, "row differs from the daemon's anchor (the newest rows were replaced)"));
            }

        return problems;
    }
}
