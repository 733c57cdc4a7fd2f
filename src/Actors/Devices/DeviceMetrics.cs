using System.Globalization;
using System.Text;
using Akka.Actor;
using OpenCryptokiActors.Cryptoki.Admin;
using static OpenCryptokiActors.Actors.Devices.DevicePoolProtocol;

namespace OpenCryptokiActors.Actors.Devices;

/// <summary>The device pool as `ock devices` (admin socket) and the metrics endpoint show it.</summary>
public static class DeviceMetrics
{
    /// <summary>Asks the pool for its state; blocks the calling thread (the admin and metrics servers' own, never an actor's).</summary>
    public static AdminDevicesReport Query(IActorRef? pool, TimeSpan timeout)
    {
        if (pool is null) return new AdminDevicesReport(false, "", [], 0, 0, 0, 0);
        var s = pool.Ask<PoolStatus>(new GetStatus(), timeout).GetAwaiter().GetResult();
        return new AdminDevicesReport(true, s.Backend,
            s.Queues.Select(q => new AdminDeviceQueue(q.Queue, Health(q.Health), (uint)q.HwType, (uint)q.Depth, (ulong)Math.Max(0, q.Load), (uint)q.InFlight,
                (ulong)q.Completed, (ulong)q.Errors, q.LatencyMicros, q.LastError ?? "")).ToList(),
            (uint)s.Pending, (ulong)s.Rejected, (ulong)s.TimedOut, (ulong)s.Retried);
    }

    public static string Health(QueueHealth h) => h switch
    {
        QueueHealth.Online => "online",
        QueueHealth.Degraded => "degraded",
        QueueHealth.Offline => "offline",
        QueueHealth.CheckStopped => "check-stopped",
        _ => "removed",
    };

    /// <summary>Prometheus text of the pool (nothing when no pool runs), appended to the daemon's own metrics.</summary>
    public static string Render(AdminDevicesReport d)
    {
        if (!d.Running) return "";
        var sb = new StringBuilder();
        void Metric(string name, string type, string help, IEnumerable<(string Labels, double Value)> samples)
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, value) in samples)
                sb.Append(name).Append(labels.Length == 0 ? "" : "{" + labels + "}").Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        static string Q(AdminDeviceQueue q) => $"queue=\"{q.Queue}\"";
        Metric("ock_device_queues", "gauge", "AP queues the zcrypt device pool knows", [("", d.Queues.Count)]);
        Metric("ock_device_queue_up", "gauge", "1 when the queue serves requests (online or degraded)",
            d.Queues.Select(q => (Q(q), q.Health is "online" or "degraded" ? 1.0 : 0.0)));
        Metric("ock_device_queue_health", "gauge", "The queue's health state (1 for the current one)",
            d.Queues.SelectMany(q => new[] { "online", "degraded", "offline", "check-stopped", "removed" }
                .Select(h => ($"{Q(q)},state=\"{h}\"", q.Health == h ? 1.0 : 0.0))));
        Metric("ock_device_queue_in_flight", "gauge", "Requests running on the queue", d.Queues.Select(q => (Q(q), (double)q.InFlight)));
        Metric("ock_device_queue_completed_total", "counter", "Requests the queue completed", d.Queues.Select(q => (Q(q), (double)q.Completed)));
        Metric("ock_device_queue_errors_total", "counter", "Requests the queue failed (EIO, ENODEV, EAGAIN, EINTR, ...)", d.Queues.Select(q => (Q(q), (double)q.Errors)));
        Metric("ock_device_queue_latency_microseconds", "gauge", "Moving average of the queue's time per request",
            d.Queues.Select(q => (Q(q), Math.Round(q.LatencyMicros, 1))));
        Metric("ock_device_pending", "gauge", "Requests in the pool (running and waiting)", [("", d.Pending)]);
        Metric("ock_device_rejected_total", "counter", "Requests refused at admission (CKR_DEVICE_MEMORY)", [("", d.Rejected)]);
        Metric("ock_device_timed_out_total", "counter", "Requests past their deadline", [("", d.TimedOut)]);
        Metric("ock_device_retried_total", "counter", "Requests tried again on another queue", [("", d.Retried)]);
        return sb.ToString();
    }
}
