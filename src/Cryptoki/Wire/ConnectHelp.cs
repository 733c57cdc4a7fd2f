namespace OpenCryptokiActors.Cryptoki.Wire;

/// <summary>
/// The sentences for failures to reach ock-slotd: what went wrong and how to fix it. The module writes them to its
/// trace, and <c>ock</c> prints the same sentences. Pure string work and /etc/passwd, /etc/group reads (AOT-safe).
/// </summary>
public static class ConnectHelp
{
    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int EPERM = 1;
    public const int ECONNREFUSED = 111;
    public const int ENOTSOCK = 88;

    /// <summary>Why connect() on <paramref name="path"/> failed with <paramref name="errno"/>, and the fix.</summary>
    public static string ConnectFailed(string path, int errno, string envVariable, int uid, int? socketGid, string errnoText)
    {
        switch (errno)
        {
            case ENOENT:
                return $"not running: no ock-slotd socket at {path}: ock-slotd is not running, or it listens on another path. " +
                       $"Fix: start ock-slotd (systemctl start ock-slotd), or set {envVariable} to the path of its socket " +
                       "(opencryptoki.socket in its configuration).";
            case ECONNREFUSED:
                return $"stale socket: nothing listens on {path}, the socket file is left over from an ock-slotd that stopped " +
                       "(an ock-slotd being started puts its socket in place only once it accepts). Fix: start ock-slotd.";
            case ENOTSOCK:
                return $"{path} is not a socket: {envVariable} or the configuration points at the wrong file.";
            case EACCES or EPERM:
            {
                var user = UserName(uid);
                var group = socketGid is { } gid ? GroupName(gid) ?? gid.ToString() : null;
                var who = $"user {user} (uid {uid})";
                return group is null
                    ? $"permission denied on {path}: {who} may not open the daemon's socket. Fix: add the user to the daemon's group " +
                      "(opencryptoki.group) and log in again, or run as root."
                    : $"permission denied on {path}: {who} is not in group '{group}', which owns the socket. " +
                      $"Fix: usermod -aG {group} {user}, then log in again (group membership is read at login), or run as root.";
            }

            default:
                return $"cannot connect to ock-slotd at {path}: {errnoText}. Is ock-slotd running? Set {envVariable} to its socket path.";
        }
    }

    public static string Timeout(string path, int milliseconds) =>
        $"ock-slotd at {path} did not answer within {milliseconds} ms: it is stopped (SIGSTOP), overloaded, or something " +
        "else listens there. Fix: check the daemon (systemctl status ock-slotd).";

    /// <summary>The daemon accepts but is not ready yet (its tokens are recovering), still so after the module's retries.</summary>
    public static string Starting(string path) =>
        $"ock-slotd at {path} is starting (its tokens are being recovered) and not ready yet. Fix: wait and try again " +
        "(systemctl status ock-slotd shows when it is ready: Type=notify).";

    public static string VersionMismatch(string path, uint daemonVersion, uint ownVersion, string what) =>
        $"ock-slotd at {path} speaks protocol version {daemonVersion}, {what} speaks version {ownVersion}. " +
        "Fix: install ock-slotd, the PKCS#11 module and ock from the same release.";

    /// <summary>The daemon refused the client; <paramref name="reason"/> is the daemon's own sentence.</summary>
    public static string Refused(string path, string reason) => $"ock-slotd at {path} refused the connection: {reason}";

    /// <summary>The daemon's refusal sentence for a user who is neither root nor in the admitted group.</summary>
    public static string NotInGroup(int uid, string group, bool groupExists, string what = "the daemon") =>
        groupExists
            ? $"user {UserName(uid)} (uid {uid}) is not root and not in group '{group}', which may use {what}. " +
              $"Fix: usermod -aG {group} {UserName(uid)}, then log in again (group membership is read at login)."
            : $"user {UserName(uid)} (uid {uid}) is not root, and group '{group}', which may use {what}, does not exist on this host. " +
              $"Fix: groupadd {group}; usermod -aG {group} {UserName(uid)}, then log in again.";

    /// <summary>The login name of <paramref name="uid"/> from /etc/passwd, or "uid N".</summary>
    public static string UserName(int uid) => Lookup("/etc/passwd", uid) ?? $"uid{uid}";

    /// <summary>The name of group <paramref name="gid"/> from /etc/group, or null.</summary>
    public static string? GroupName(int gid) => Lookup("/etc/group", gid);

    /// <summary>The uid of login name <paramref name="name"/> from /etc/passwd, or null.</summary>
    public static int? UserId(string name)
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var parts = line.Split(':');
                if (parts.Length >= 3 && parts[0] == name && int.TryParse(parts[2], out var uid)) return uid;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static string? Lookup(string file, int id)
    {
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                var parts = line.Split(':');
                if (parts.Length >= 3 && int.TryParse(parts[2], out var n) && n == id) return parts[0];
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
