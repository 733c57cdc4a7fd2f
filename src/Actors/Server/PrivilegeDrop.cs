using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>ock-slotd refuses to start; the message is the sentence to print: what is wrong and how to fix it.</summary>
public sealed class StartupRefusedException(string message) : Exception(message);

/// <summary>A local user from /etc/passwd and the groups /etc/group lists it in.</summary>
public sealed record UnixUser(string Name, uint Uid, uint Gid, IReadOnlyList<uint> Groups)
{
    /// <summary>Looks <paramref name="name"/> (or a numeric uid) up; throws <see cref="StartupRefusedException"/> when there is no such user.</summary>
    public static UnixUser Lookup(string name)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var p = line.Split(':');
            if (p.Length < 4 || (p[0] != name && p[2] != name)) continue;
            var uid = uint.Parse(p[2]);
            var gid = uint.Parse(p[3]);
            var groups = new SortedSet<uint> { gid };
            foreach (var g in File.ReadLines("/etc/group"))
            {
                var q = g.Split(':');
                if (q.Length >= 4 && q[3].Split(',').Contains(p[0]) && uint.TryParse(q[2], out var member)) groups.Add(member);
            }

            return new UnixUser(p[0], uid, gid, groups.ToList());
        }

        throw new StartupRefusedException(
            $"opencryptoki.user (--user): there is no user '{name}' on this host. Fix: useradd --system --no-create-home " +
            $"--shell /usr/sbin/nologin {name}, or name an existing user.");
    }
}

/// <summary>
/// Started as root with opencryptoki.user (--user NAME), ock-slotd binds its sockets, prepares the data directory for
/// that user, then becomes it: supplementary groups, gid and uid (real, effective and saved) all switched, which
/// leaves no capability (CapPrm and CapEff become 0 when every uid is non-zero). Checked afterwards from /proc.
/// </summary>
public static class PrivilegeDrop
{
    /// <summary>Creates the data directory (0700) when missing and gives it, and everything in it, to <paramref name="user"/>.</summary>
    public static void PrepareDataDir(string dataDir, UnixUser user)
    {
        if (!Directory.Exists(dataDir))
            Directory.CreateDirectory(dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var path in Directory.EnumerateFileSystemEntries(dataDir, "*", SearchOption.AllDirectories).Prepend(dataDir))
        {
            if (Libc.chown(path, (int)user.Uid, (int)user.Gid) != 0)
                throw new StartupRefusedException($"cannot give {path} to user {user.Name}: chown failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}). " +
                                                  "Fix: start ock-slotd as root, or chown the data directory yourself.");
        }
    }

    /// <summary>Becomes <paramref name="user"/> for good; throws <see cref="StartupRefusedException"/> when any step fails.</summary>
    public static void SwitchTo(UnixUser user)
    {
        string Failed(string call) =>
            $"cannot switch to user {user.Name} (uid {user.Uid}): {call} failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}). " +
            "Fix: start ock-slotd as root (or with CAP_SETUID, CAP_SETGID) to use opencryptoki.user.";
        var groups = user.Groups.ToArray();
        if (Libc.setgroups((nuint)groups.Length, groups) != 0) throw new StartupRefusedException(Failed("setgroups"));
        if (Libc.setresgid(user.Gid, user.Gid, user.Gid) != 0) throw new StartupRefusedException(Failed("setresgid"));
        if (Libc.setresuid(user.Uid, user.Uid, user.Uid) != 0) throw new StartupRefusedException(Failed("setresuid"));
        var status = File.ReadAllLines("/proc/self/status");
        string Field(string name) => status.First(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();
        var uids = Field("Uid").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (uids.Any(u => u != user.Uid.ToString()) || Convert.ToUInt64(Field("CapEff"), 16) != 0 || Convert.ToUInt64(Field("CapPrm"), 16) != 0)
            throw new StartupRefusedException($"switched to user {user.Name}, but the process still has uids {Field("Uid")} and capabilities " +
                                              $"{Field("CapPrm")}/{Field("CapEff")}; refusing to run with them.");
    }
}

/// <summary>
/// The data directory must be the daemon's alone: owned by root or by the user ock-slotd runs as, writable by no one
/// else, and so must be the token store in it. Checked at every start.
/// </summary>
public static class DataDirCheck
{
    private static readonly string[] StoreFiles = ["tokens.db", "tokens.db-wal", "tokens.db-shm", "snapshots.db", "snapshots.db-wal", "snapshots.db-shm"];

    /// <summary>Throws <see cref="StartupRefusedException"/> with what is wrong and the command that fixes it; a missing directory is fine (created 0700).</summary>
    public static void Check(string dataDir, uint daemonUid)
    {
        var dir = Path.GetFullPath(dataDir);
        var daemonUser = ConnectHelp.UserName((int)daemonUid);
        foreach (var path in StoreFiles.Select(f => Path.Combine(dir, f)).Prepend(dir))
        {
            if (Libc.Stat(path) is not { } st) continue;
            var what = path == dir ? "data directory" : "token store file";
            var mode = Convert.ToString(st.Mode & 0xfff, 8).PadLeft(4, '0');
            if (st.Uid != 0 && st.Uid != daemonUid)
                throw new StartupRefusedException(
                    $"the {what} {path} belongs to user {ConnectHelp.UserName((int)st.Uid)} (uid {st.Uid}), not to ock-slotd's user {daemonUser} " +
                    $"(uid {daemonUid}) or root: that user could read or replace the token store. Fix: chown -R {daemonUser} {dir}");
            if ((st.Mode & 0x12) != 0) // S_IWGRP | S_IWOTH
                throw new StartupRefusedException(
                    $"the {what} {path} is writable by {((st.Mode & 0x2) != 0 ? "every user" : "its group")} (mode {mode}): others could replace or " +
                    $"delete the token store. Fix: chmod {(path == dir ? "0700" : "0600")} {path}");
        }
    }
}
