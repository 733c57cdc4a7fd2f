using System.Text;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Cryptoki.Admin;

/// <summary>
/// The admin socket's protocol (docs/wire-protocol.md, "Admin socket"): the module protocol's framing
/// (<see cref="Frame"/>), its own opcodes, a status code instead of a CK_RV, and UTF-8 strings as <c>bytes</c>.
/// </summary>
public enum AdminOp : ushort
{
    Hello = 1,
    Status = 2,
    SlotList = 3,
    SlotAdd = 4,
    SlotRemove = 5,
    SlotReload = 6,
    TokenBackup = 7,
    TokenRestore = 8,
    Stats = 9,

    /// <summary>u64 slot, bytes SO PIN, nullable bytes User PIN: master-key rotation; answered when every private object is under the new key.</summary>
    TokenRekey = 10,

    /// <summary>The zcrypt device pool: backend, queues (health, in flight, completed, errors, latency), counters (AdminDevices.cs).</summary>
    Devices = 11,
}

/// <summary>Reply status of an admin request. Anything but <see cref="Ok"/> carries a <c>bytes</c> message.</summary>
public enum AdminStatus : ulong
{
    Ok = 0,
    Failed = 1,
    Refused = 2,
    BadRequest = 3,
}

/// <summary>One slot as the admin protocol carries it (opencryptoki.slots entry).</summary>
public sealed record AdminSlot(ulong Id, string TokenType, string TokenName, string Description, uint MaxLoginFailures, string Group);

/// <summary>A slot in `ock status`: its settings and its token's state.</summary>
public sealed record AdminSlotStatus(AdminSlot Slot, bool TokenInitialized, string TokenLabel, ulong Sessions, ulong RwSessions, ulong SessionObjects, ulong LoggedIn);

/// <summary>A connected process in `ock status`.</summary>
public sealed record AdminProcess(ulong ApplicationId, uint Pid, uint Uid, uint Sessions);

/// <summary>`ock status`: uptime, slots and tokens, connected processes, the token store.</summary>
public sealed record AdminStatusReport(uint DaemonPid, ulong UptimeSeconds, string Version, string Store,
    IReadOnlyList<AdminSlotStatus> Slots, IReadOnlyList<AdminProcess> Processes)
{
    /// <summary>The module socket's connections against opencryptoki.limits (absent from an older daemon).</summary>
    public AdminConnections? Connections { get; init; }
}

/// <summary>
/// Connections of the module socket: admitted, before Hello, reader threads, the limits in all and per uid, and the
/// admitted connections per uid.
/// </summary>
public sealed record AdminConnections(uint Admitted, uint Unadmitted, uint ReaderThreads, uint Limit, uint LimitPerUid,
    IReadOnlyList<(uint Uid, uint Count)> PerUid);

/// <summary>
/// `ock stats`: whose counters (null: the caller's own; root may name anyone, or <see cref="AllUsers"/>), which slot
/// (null: all), and whether to reset them (the reply then holds the counters as they were).
/// </summary>
public sealed record AdminStatsQuery(uint? Uid, bool AllUsers, ulong? Slot, bool Reset);

/// <summary>One counter row: a user's uses of a mechanism on a slot, per strength class 0, 112, 128, 192, 256.</summary>
public sealed record AdminMechanismStats(uint Uid, ulong Slot, ulong Mechanism, IReadOnlyList<ulong> PerStrength);

/// <summary>Encoders and decoders of the admin payloads, shared by ock-slotd and ock.</summary>
public static class AdminCodec
{
    /// <summary>Hello magic: "OCKM".</summary>
    public const uint Magic = 0x4D4B434F;

    public const uint Version = 1;

    public static void WriteString(this WireWriter w, string value) => w.WriteBytes(Encoding.UTF8.GetBytes(value));

    public static string ReadString(ref WireReader r) => Encoding.UTF8.GetString(r.ReadBytesSpan());

    public static void WriteSlot(WireWriter w, AdminSlot s)
    {
        w.WriteULong(s.Id);
        w.WriteString(s.TokenType);
        w.WriteString(s.TokenName);
        w.WriteString(s.Description);
        w.WriteUInt32(s.MaxLoginFailures);
        w.WriteString(s.Group);
    }

    public static AdminSlot ReadSlot(ref WireReader r) =>
        new(r.ReadULong(), ReadString(ref r), ReadString(ref r), ReadString(ref r), r.ReadUInt32(), ReadString(ref r));

    public static void WriteSlots(WireWriter w, IReadOnlyList<AdminSlot> slots)
    {
        w.WriteUInt32((uint)slots.Count);
        foreach (var s in slots) WriteSlot(w, s);
    }

    public static IReadOnlyList<AdminSlot> ReadSlots(ref WireReader r)
    {
        var n = r.ReadUInt32();
        if (n > 1_000_000) throw new WireFormatException("too many slots");
        var list = new List<AdminSlot>((int)n);
        for (var i = 0; i < n; i++) list.Add(ReadSlot(ref r));
        return list;
    }

    public static void WriteStatus(WireWriter w, AdminStatusReport s)
    {
        w.WriteUInt32(s.DaemonPid);
        w.WriteULong(s.UptimeSeconds);
        w.WriteString(s.Version);
        w.WriteString(s.Store);
        w.WriteUInt32((uint)s.Slots.Count);
        foreach (var slot in s.Slots)
        {
            WriteSlot(w, slot.Slot);
            w.WriteBool(slot.TokenInitialized);
            w.WriteString(slot.TokenLabel);
            w.WriteULong(slot.Sessions);
            w.WriteULong(slot.RwSessions);
            w.WriteULong(slot.SessionObjects);
            w.WriteULong(slot.LoggedIn);
        }

        w.WriteUInt32((uint)s.Processes.Count);
        foreach (var p in s.Processes)
        {
            w.WriteULong(p.ApplicationId);
            w.WriteUInt32(p.Pid);
            w.WriteUInt32(p.Uid);
            w.WriteUInt32(p.Sessions);
        }

        // appended in protocol version 1 without a version change: an older ock stops reading before it
        if (s.Connections is not { } c) return;
        w.WriteUInt32(c.Admitted);
        w.WriteUInt32(c.Unadmitted);
        w.WriteUInt32(c.ReaderThreads);
        w.WriteUInt32(c.Limit);
        w.WriteUInt32(c.LimitPerUid);
        w.WriteUInt32((uint)c.PerUid.Count);
        foreach (var (uid, count) in c.PerUid)
        {
            w.WriteUInt32(uid);
            w.WriteUInt32(count);
        }
    }

    public static AdminStatusReport ReadStatus(ref WireReader r)
    {
        var pid = r.ReadUInt32();
        var uptime = r.ReadULong();
        var version = ReadString(ref r);
        var store = ReadString(ref r);
        var n = r.ReadUInt32();
        var slots = new List<AdminSlotStatus>();
        for (var i = 0; i < n; i++)
            slots.Add(new AdminSlotStatus(ReadSlot(ref r), r.ReadBool(), ReadString(ref r), r.ReadULong(), r.ReadULong(), r.ReadULong(), r.ReadULong()));
        var m = r.ReadUInt32();
        var processes = new List<AdminProcess>();
        for (var i = 0; i < m; i++) processes.Add(new AdminProcess(r.ReadULong(), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32()));
        AdminConnections? connections = null;
        if (r.Remaining > 0)
        {
            uint admitted = r.ReadUInt32(), unadmitted = r.ReadUInt32(), readers = r.ReadUInt32(), limit = r.ReadUInt32(), perUidLimit = r.ReadUInt32();
            var k = r.ReadUInt32();
            var perUid = new List<(uint, uint)>();
            for (var i = 0; i < k; i++) perUid.Add((r.ReadUInt32(), r.ReadUInt32()));
            connections = new AdminConnections(admitted, unadmitted, readers, limit, perUidLimit, perUid);
        }

        return new AdminStatusReport(pid, uptime, version, store, slots, processes) { Connections = connections };
    }

    public static void WriteStatsQuery(WireWriter w, AdminStatsQuery q)
    {
        w.WriteBool(q.Uid is not null);
        w.WriteUInt32(q.Uid ?? 0);
        w.WriteBool(q.AllUsers);
        w.WriteBool(q.Slot is not null);
        w.WriteULong(q.Slot ?? 0);
        w.WriteBool(q.Reset);
    }

    public static AdminStatsQuery ReadStatsQuery(ref WireReader r)
    {
        var hasUid = r.ReadBool();
        var uid = r.ReadUInt32();
        var all = r.ReadBool();
        var hasSlot = r.ReadBool();
        var slot = r.ReadULong();
        return new AdminStatsQuery(hasUid ? uid : null, all, hasSlot ? slot : null, r.ReadBool());
    }

    public static void WriteStats(WireWriter w, IReadOnlyList<AdminMechanismStats> rows)
    {
        w.WriteUInt32((uint)rows.Count);
        foreach (var row in rows)
        {
            w.WriteUInt32(row.Uid);
            w.WriteULong(row.Slot);
            w.WriteULong(row.Mechanism);
            w.WriteULongs(row.PerStrength.ToArray());
        }
    }

    public static IReadOnlyList<AdminMechanismStats> ReadStats(ref WireReader r)
    {
        var n = r.ReadUInt32();
        if (n > 10_000_000) throw new WireFormatException("too many statistics rows");
        var rows = new List<AdminMechanismStats>((int)n);
        for (var i = 0; i < n; i++) rows.Add(new AdminMechanismStats(r.ReadUInt32(), r.ReadULong(), r.ReadULong(), r.ReadULongs()));
        return rows;
    }
}
