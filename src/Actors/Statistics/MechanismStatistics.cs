using System.Collections.Concurrent;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Actors.Statistics;

/// <summary>One counter row of `ock stats`: a user's uses of a mechanism on a slot, per strength class (0, 112, 128, 192, 256).</summary>
public sealed record MechanismUsage(uint Uid, ulong Slot, ulong Mechanism, IReadOnlyList<ulong> PerStrength);

/// <summary>
/// Mechanism usage statistics as openCryptoki's pkcsstats has them: per user (the client process's uid), slot,
/// mechanism and key strength class. Shared by the session actors, which count where the operation is performed
/// (no message per call), and the admin socket, which reads and resets. Lock-free: counters are
/// <see cref="Interlocked"/> increments on arrays found through concurrent dictionaries. Not persisted: the counts
/// start at zero with the daemon.
/// </summary>
public sealed class MechanismStatistics
{
    private readonly ConcurrentDictionary<(uint Uid, ulong Slot), SlotCounters> _tables = new();

    /// <summary>The counters of <paramref name="uid"/> on <paramref name="slot"/>, created on first use; a session keeps them.</summary>
    public SlotCounters For(uint uid, ulong slot) => _tables.GetOrAdd((uid, slot), static _ => new SlotCounters());

    /// <summary>
    /// Every non-zero row, optionally of one user and/or one slot, ordered by uid, slot, mechanism; with
    /// <paramref name="reset"/> each counter is read and set to zero in one step (no use is lost in between).
    /// </summary>
    public IReadOnlyList<MechanismUsage> Read(uint? uid, ulong? slot, bool reset = false)
    {
        var rows = new List<MechanismUsage>();
        foreach (var ((u, s), table) in _tables)
        {
            if ((uid is { } wantUid && u != wantUid) || (slot is { } wantSlot && s != wantSlot)) continue;
            foreach (var (mechanism, counters) in table.Counters)
            {
                var values = new ulong[counters.Length];
                for (var i = 0; i < counters.Length; i++)
                    values[i] = (ulong)(reset ? Interlocked.Exchange(ref counters[i], 0) : Interlocked.Read(ref counters[i]));
                if (values.Any(v => v != 0)) rows.Add(new MechanismUsage(u, s, mechanism, values));
            }
        }

        return rows.OrderBy(r => r.Uid).ThenBy(r => r.Slot).ThenBy(r => r.Mechanism).ToList();
    }
}

/// <summary>The counters of one user on one slot: per mechanism, one per strength class.</summary>
public sealed class SlotCounters
{
    internal ConcurrentDictionary<ulong, long[]> Counters { get; } = new();

    /// <summary>Counts one use of <paramref name="mechanism"/> with <paramref name="key"/> (null: no key, strength 0).</summary>
    public void Count(ulong mechanism, AttributeSet? key)
    {
        var counters = Counters.GetOrAdd(mechanism, static _ => new long[KeyStrength.Classes.Length]);
        Interlocked.Increment(ref counters[KeyStrength.ClassIndex(key)]);
    }
}
