using System.Globalization;

namespace OpenCryptokiActors.Cryptoki.Audit;

/// <summary>
/// The head of a token's audit chain (sequence number and hash of its newest committed event), kept by the daemon in a small
/// file outside the database: <c>data-dir/anchors/&lt;persistence id&gt;.anchor</c>, one line <c>SEQ HEXHASH</c>. It is written
/// after the events are committed (never ahead of the journal), so a journal that ends before it, or whose row at that
/// sequence number has another hash, lost rows at its end — what the chain alone cannot show.
/// </summary>
public static class AuditAnchor
{
    public const string DirectoryName = "anchors";

    /// <summary>Replaces the anchor of <paramref name="persistenceId"/> (write to a temporary file, then rename).</summary>
    public static void Write(string directory, string persistenceId, long sequenceNr, byte[] hash)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, persistenceId + ".anchor");
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, $"{sequenceNr.ToString(CultureInfo.InvariantCulture)} {Convert.ToHexString(hash).ToLowerInvariant()}\n");
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Every anchor in <paramref name="directory"/> by persistence id (none when it does not exist; unreadable files skipped).</summary>
    public static Dictionary<string, (long SequenceNr, byte[] Hash)> ReadAll(string directory)
    {
        var anchors = new Dictionary<string, (long, byte[])>();
        if (!Directory.Exists(directory)) return anchors;
        foreach (var file in Directory.EnumerateFiles(directory, "*.anchor"))
        {
            var parts = File.ReadAllText(file).Trim().Split(' ');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            {
                try
                {
                    anchors[Path.GetFileNameWithoutExtension(file)] = (seq, Convert.FromHexString(parts[1]));
                }
                catch (FormatException)
                {
                    // not an anchor
                }
            }
        }

        return anchors;
    }
}
