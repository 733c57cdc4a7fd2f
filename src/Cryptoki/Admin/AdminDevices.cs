using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Cryptoki.Admin;

/// <summary>One AP queue in `ock devices`.</summary>
public sealed record AdminDeviceQueue(string Queue, string Health, uint HwType, uint Depth, ulong Load, uint InFlight, ulong Completed, ulong Errors,
    double LatencyMicros, string LastError);

/// <summary>`ock devices`: whether a pool runs, its backend, queues and counters.</summary>
public sealed record AdminDevicesReport(bool Running, string Backend, IReadOnlyList<AdminDeviceQueue> Queues, uint Pending, ulong Rejected, ulong TimedOut,
    ulong Retried);

/// <summary>The admin payload of <see cref="AdminOp.Devices"/>, and the client's call.</summary>
public static class AdminDevices
{
    public static void Write(WireWriter w, AdminDevicesReport d)
    {
        w.WriteBool(d.Running);
        w.WriteString(d.Backend);
        w.WriteUInt32(d.Pending);
        w.WriteULong(d.Rejected);
        w.WriteULong(d.TimedOut);
        w.WriteULong(d.Retried);
        w.WriteUInt32((uint)d.Queues.Count);
        foreach (var q in d.Queues)
        {
            w.WriteString(q.Queue);
            w.WriteString(q.Health);
            w.WriteUInt32(q.HwType);
            w.WriteUInt32(q.Depth);
            w.WriteULong(q.Load);
            w.WriteUInt32(q.InFlight);
            w.WriteULong(q.Completed);
            w.WriteULong(q.Errors);
            w.WriteULong((ulong)Math.Round(q.LatencyMicros * 1000));
            w.WriteString(q.LastError);
        }
    }

    public static AdminDevicesReport Read(ref WireReader r)
    {
        var running = r.ReadBool();
        var backend = AdminCodec.ReadString(ref r);
        var pending = r.ReadUInt32();
        var rejected = r.ReadULong();
        var timedOut = r.ReadULong();
        var retried = r.ReadULong();
        var n = r.ReadUInt32();
        if (n > 65536) throw new WireFormatException("too many queues");
        var queues = new List<AdminDeviceQueue>((int)n);
        for (var i = 0; i < n; i++)
        {
            queues.Add(new AdminDeviceQueue(AdminCodec.ReadString(ref r), AdminCodec.ReadString(ref r), r.ReadUInt32(), r.ReadUInt32(), r.ReadULong(),
                r.ReadUInt32(), r.ReadULong(), r.ReadULong(), r.ReadULong() / 1000.0, AdminCodec.ReadString(ref r)));
        }

        return new AdminDevicesReport(running, backend, queues, pending, rejected, timedOut, retried);
    }

    /// <summary>`ock devices`: the pool's state (Running false when the daemon runs no pool).</summary>
    public static AdminDevicesReport Devices(this AdminClient client)
    {
        var (status, reply) = client.Call(AdminOp.Devices, null);
        var r = new WireReader(reply);
        if (status != AdminStatus.Ok) throw new AdminException(AdminCodec.ReadString(ref r));
        return Read(ref r);
    }
}
