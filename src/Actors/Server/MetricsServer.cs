using System.Globalization;
using System.Net;
using System.Text;
using Akka.Event;
using OpenCryptokiActors.Cryptoki.Admin;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>
/// The optional health endpoint (opencryptoki.metrics.port; 0 = off): what `ock status` shows, as Prometheus text
/// metrics on http://127.0.0.1:PORT/metrics (loopback only). One background thread serves requests one at a time;
/// each asks the actors for a fresh status report (this is not an actor: blocking here is fine).
/// </summary>
public sealed class MetricsServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<AdminStatusReport> _status;
    private readonly ILoggingAdapter _log;

    /// <summary>More Prometheus text after the daemon's own (the device pool's); empty by default.</summary>
    public Func<string> Extra { get; init; } = static () => "";

    public MetricsServer(int port, Func<AdminStatusReport> status, ILoggingAdapter log)
    {
        if (port is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(port), "opencryptoki.metrics.port must be 1-65535 (0 = off)");
        Port = port;
        _status = status;
        _log = log;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
    }

    public int Port { get; }

    public void Start()
    {
        _listener.Start();
        new Thread(Loop) { IsBackground = true, Name = "ock-metrics" }.Start();
    }

    private void Loop()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = _listener.GetContext();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                var response = context.Response;
                if (context.Request.Url?.AbsolutePath is "/metrics" or "/")
                {
                    var body = Encoding.UTF8.GetBytes(Render(_status()) + Extra());
                    response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                    response.ContentLength64 = body.Length;
                    response.OutputStream.Write(body);
                }
                else
                {
                    response.StatusCode = 404;
                }

                response.Close();
            }
            catch (Exception e)
            {
                _log.Warning("metrics request failed: {0}", e.Message);
                try
                {
                    context.Response.Abort();
                }
                catch (Exception)
                {
                    // the connection is gone already
                }
            }
        }
    }

    /// <summary>The status report in the Prometheus text exposition format.</summary>
    public static string Render(AdminStatusReport s)
    {
        var sb = new StringBuilder();
        void Metric(string name, string type, string help, IEnumerable<(string Labels, double Value)> samples)
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, value) in samples)
                sb.Append(name).Append(labels.Length == 0 ? "" : "{" + labels + "}").Append(' ')
                    .Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        static string L(params (string Name, string Value)[] labels) =>
            string.Join(",", labels.Select(l => $"{l.Name}=\"{l.Value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n")}\""));

        Metric("ock_info", "gauge", "ock-slotd version, pid and token store", [(L(("version", s.Version), ("pid", s.DaemonPid.ToString(CultureInfo.InvariantCulture)), ("store", s.Store)), 1)]);
        Metric("ock_uptime_seconds", "gauge", "Seconds since ock-slotd started", [("", s.UptimeSeconds)]);
        Metric("ock_slots", "gauge", "Slots in the slot table", [("", s.Slots.Count)]);
        Metric("ock_connected_processes", "gauge", "Processes connected to the slot socket", [("", s.Processes.Count)]);
        string Slot(AdminSlotStatus t) => L(("slot", t.Slot.Id.ToString(CultureInfo.InvariantCulture)), ("token", t.Slot.TokenName));
        Metric("ock_token_initialized", "gauge", "1 when the slot's token is initialised", s.Slots.Select(t => (Slot(t), t.TokenInitialized ? 1.0 : 0.0)));
        Metric("ock_token_sessions", "gauge", "Open sessions on the token", s.Slots.Select(t => (Slot(t), (double)t.Sessions)));
        Metric("ock_token_rw_sessions", "gauge", "Open read/write sessions on the token", s.Slots.Select(t => (Slot(t), (double)t.RwSessions)));
        Metric("ock_token_session_objects", "gauge", "Session objects on the token", s.Slots.Select(t => (Slot(t), (double)t.SessionObjects)));
        Metric("ock_token_logged_in_applications", "gauge", "Applications logged in to the token", s.Slots.Select(t => (Slot(t), (double)t.LoggedIn)));
        Metric("ock_process_sessions", "gauge", "Sessions of each connected process",
            s.Processes.Select(p => (L(("pid", p.Pid.ToString(CultureInfo.InvariantCulture)), ("uid", p.Uid.ToString(CultureInfo.InvariantCulture))), (double)p.Sessions)));
        return sb.ToString();
    }

    public void Dispose()
    {
        try
        {
            _listener.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
