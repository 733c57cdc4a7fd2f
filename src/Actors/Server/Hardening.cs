using OpenCryptokiActors.Actors.Protocol;
using System.Net.Sockets;
using System.Text;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>What ock-slotd does to itself as a daemon: no core dumps of its memory (PINs and keys pass through it), and
/// systemd's readiness protocol.</summary>
public static class Hardening
{
    /// <summary>
    /// prctl(PR_SET_DUMPABLE, 0): no core dump of the daemon, and no ptrace attach or /proc/PID/mem read by its own user.
    /// True when it took effect.
    /// </summary>
    public static bool DisableCoreDumps() => Libc.prctl(Libc.PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;

    /// <summary>
    /// sd_notify(3) without libsystemd: sends <paramref name="state"/> (e.g. "READY=1") to $NOTIFY_SOCKET when systemd
    /// set it (Type=notify); does nothing otherwise. True when sent.
    /// </summary>
    public static bool Notify(string state)
    {
        var path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path)) return false;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            // "@name" is an abstract socket address
            var endpoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
            socket.SendTo(Encoding.UTF8.GetBytes(state), endpoint);
            return true;
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            return false;
        }
    }
}
