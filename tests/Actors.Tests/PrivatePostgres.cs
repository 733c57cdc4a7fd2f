using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OpenCryptokiActors.Actors.Tests;

/// <summary>
/// A PostgreSQL server of the test's own (initdb into a temporary directory, run as the postgres user on a free
/// loopback port, its Unix socket in that directory), so that a test may stop and start it without disturbing the
/// shared server others use. <see cref="Dispose"/> stops it and removes the directory.
/// </summary>
public sealed class PrivatePostgres : IDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private readonly string _dir;
    private readonly string _data;

    private PrivatePostgres(string dir, int port)
    {
        _dir = dir;
        _data = Path.Combine(dir, "data");
        Port = port;
    }

    public int Port { get; }

    /// <summary>Superuser connection over TCP (trust authentication on loopback), for <see cref="StoreUnderTest.PostgresAt"/>.</summary>
    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=5;Command Timeout=10";

    /// <summary>Whether this machine has the PostgreSQL 15 server binaries and a postgres user to run them as.</summary>
    public static bool Available => File.Exists(Path.Combine(Bin, "initdb")) && Run("id", "-u postgres", TimeSpan.FromSeconds(10)).Code == 0;

    public static PrivatePostgres Start()
    {
        var dir = Directory.CreateTempSubdirectory("ock-pg-").FullName;
        var pg = new PrivatePostgres(dir, FreePort());
        try
        {
            Checked("chown", $"postgres: {dir}");
            pg.AsPostgres("initdb", $"-D {pg._data} -U postgres -A trust --no-sync -E UTF8");
            pg.Resume();
            return pg;
        }
        catch
        {
            pg.Dispose();
            throw;
        }
    }

    /// <summary>Starts the (stopped) server again on the same port and data; returns once it accepts connections.</summary>
    public void Resume() =>
        AsPostgres("pg_ctl", $"-D {_data} -l {Path.Combine(_dir, "server.log")} -w -t 60 -o \"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off\" start");

    /// <summary>Kills the server the way a crash would (pg_ctl stop -m immediate): open connections break, no new ones are accepted.</summary>
    public void Kill() => AsPostgres("pg_ctl", $"-D {_data} -m immediate -w stop");

    public void Dispose()
    {
        if (File.Exists(Path.Combine(_data, "postmaster.pid"))) Run("runuser", $"-u postgres -- {Bin}/pg_ctl -D {_data} -m immediate -w stop", TimeSpan.FromSeconds(60));
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }

    private void AsPostgres(string tool, string args) => Checked("runuser", $"-u postgres -- {Bin}/{tool} {args}");

    private static void Checked(string file, string args)
    {
        var (code, output) = Run(file, args, TimeSpan.FromSeconds(120));
        if (code != 0) throw new InvalidOperationException($"{file} {args} exited {code}: {output}");
    }

    private static (int Code, string Output) Run(string file, string args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(true);
            return (-1, "timed out");
        }

        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
