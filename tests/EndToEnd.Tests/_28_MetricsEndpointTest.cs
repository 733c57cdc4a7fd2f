using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// The optional metrics endpoint (opencryptoki.metrics.port) of a real ock-slotd process: GET /metrics over HTTP on
/// loopback gives Prometheus text whose slots, tokens, connected processes and sessions match what real client
/// processes hold, and follow them when they end.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _28_MetricsEndpointTest
{
    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static string Get(int port, string path = "/metrics", HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = http.GetAsync($"http://127.0.0.1:{port}{path}").GetAwaiter().GetResult();
        Assert.Equal(expected, response.StatusCode);
        if (expected != HttpStatusCode.OK) return "";
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString());
        return response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
    }

    /// <summary>The value of one sample ("name{labels}" exactly as exposed), or null when it is not there.</summary>
    private static double? Sample(string text, string series)
    {
        var m = Regex.Match(text, "^" + Regex.Escape(series) + @" (\S+)$", RegexOptions.Multiline);
        return m.Success ? double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    [Fact]
    public void Metrics_over_http_match_the_slots_tokens_processes_and_sessions_of_real_clients()
    {
        var port = FreePort();
        var d = StartDaemon("metrics", [new SlotConfig(0, "m-zero", "Metrics zero"), new SlotConfig(1, "m-one", "Metrics one")],
            group: "pkcs11", extraConfig: $"  metrics.port = {port}");
        var dir = NewDir("metrics-go");
        var go = Path.Combine(dir, "go");
        try
        {
            InitToken(d, 0, "mzero");
            var before = Get(port);
            Assert.Equal(2, Sample(before, "ock_slots"));
            Assert.Equal(1, Sample(before, "ock_token_initialized{slot=\"0\",token=\"m-zero\"}"));
            Assert.Equal(0, Sample(before, "ock_token_initialized{slot=\"1\",token=\"m-one\"}"));
            Assert.Equal(0, Sample(before, "ock_connected_processes"));
            Assert.Equal(0, Sample(before, "ock_token_sessions{slot=\"0\",token=\"m-zero\"}"));
            Assert.Contains($"pid=\"{d.Pid}\"", before);
            Assert.Contains("# TYPE ock_token_sessions gauge", before);

            // Two processes, each with a R/W session and a session object on slot 0.
            using var a = ProcessRunner.Start(ClientPath, [Repo.ModulePath, "holder", "0", "m-a", go], Env(d.SocketPath));
            using var b = ProcessRunner.Start(ClientPath, [Repo.ModulePath, "holder", "0", "m-b", go], Env(d.SocketPath));
            foreach (var p in new[] { a, b })
                Assert.True(WaitFor(() => (p.Output.Contains("READY session="), p.Output), TimeSpan.FromSeconds(30)).Ok, p.Output);
            var held = Get(port);
            Assert.Equal(2, Sample(held, "ock_connected_processes"));
            Assert.Equal(2, Sample(held, "ock_token_sessions{slot=\"0\",token=\"m-zero\"}"));
            Assert.Equal(2, Sample(held, "ock_token_rw_sessions{slot=\"0\",token=\"m-zero\"}"));
            Assert.Equal(2, Sample(held, "ock_token_session_objects{slot=\"0\",token=\"m-zero\"}"));
            Assert.Equal(0, Sample(held, "ock_token_sessions{slot=\"1\",token=\"m-one\"}"));
            Assert.Equal(1, Sample(held, $"ock_process_sessions{{pid=\"{a.Id}\",uid=\"0\"}}"));
            Assert.Equal(1, Sample(held, $"ock_process_sessions{{pid=\"{b.Id}\",uid=\"0\"}}"));

            // The clients finish and exit: their sessions and processes leave the metrics.
            File.WriteAllText(go, "");
            Assert.True(a.WaitForExit(TimeSpan.FromSeconds(30)), a.Output);
            Assert.True(b.WaitForExit(TimeSpan.FromSeconds(30)), b.Output);
            var (ok, seen) = WaitFor(() =>
            {
                var t = Get(port);
                return (Sample(t, "ock_connected_processes") == 0 && Sample(t, "ock_token_sessions{slot=\"0\",token=\"m-zero\"}") == 0
                        && Sample(t, "ock_token_session_objects{slot=\"0\",token=\"m-zero\"}") == 0, t);
            }, TimeSpan.FromSeconds(20));
            Assert.True(ok, seen);

            Get(port, "/other", HttpStatusCode.NotFound);
        }
        finally
        {
            Discard(d);
        }
    }
}
