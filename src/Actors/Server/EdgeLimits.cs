using OpenCryptokiActors.Actors.Protocol;
using Akka.Configuration;
using OpenCryptokiActors.Actors.Configuration;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>
/// opencryptoki.limits: what one local user, or all together, may hold of the daemon's edge (reference.conf explains
/// each). The module socket and the admin socket each apply them.
/// </summary>
public sealed record EdgeLimits
{
    public int MaxConnections { get; init; } = 65536;
    public int MaxConnectionsPerUid { get; init; } = 16384;
    public int MaxUnadmitted { get; init; } = 8192;
    public int MaxUnadmittedPerUid { get; init; } = 1024;
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan FrameTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public long FrameBudgetPerUid { get; init; } = 512L << 20;
    public long FrameBudget { get; init; } = 2L << 30;
    public TimeSpan ParkAfter { get; init; } = TimeSpan.FromSeconds(2);
    public int ReaderThreads { get; init; } = 512;
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(10);

    public static EdgeLimits From(Config opencryptoki)
    {
        if (!opencryptoki.HasPath("limits")) return new EdgeLimits();
        var c = opencryptoki;
        var d = new EdgeLimits();
        var limits = new EdgeLimits
        {
            MaxConnections = ConfigCheck.Int(c, "limits.max-connections", 1, 10_000_000, d.MaxConnections),
            MaxConnectionsPerUid = ConfigCheck.Int(c, "limits.max-connections-per-uid", 1, 10_000_000, d.MaxConnectionsPerUid),
            MaxUnadmitted = ConfigCheck.Int(c, "limits.max-unadmitted", 1, 10_000_000, d.MaxUnadmitted),
            MaxUnadmittedPerUid = ConfigCheck.Int(c, "limits.max-unadmitted-per-uid", 1, 10_000_000, d.MaxUnadmittedPerUid),
            HelloTimeout = ConfigCheck.Duration(c, "limits.hello-timeout", d.HelloTimeout),
            FrameTimeout = ConfigCheck.Duration(c, "limits.frame-timeout", d.FrameTimeout),
            FrameBudgetPerUid = Bytes(c, "limits.frame-budget-per-uid", d.FrameBudgetPerUid),
            FrameBudget = Bytes(c, "limits.frame-budget", d.FrameBudget),
            ParkAfter = ConfigCheck.Duration(c, "limits.park-after", d.ParkAfter),
            ReaderThreads = ConfigCheck.Int(c, "limits.reader-threads", 1, 100_000, d.ReaderThreads),
            KeepAliveInterval = ConfigCheck.Duration(c, "limits.keepalive-interval", d.KeepAliveInterval),
        };
        // a per-uid figure above the total is the total
        return limits with
        {
            MaxConnectionsPerUid = Math.Min(limits.MaxConnectionsPerUid, limits.MaxConnections),
            MaxUnadmittedPerUid = Math.Min(limits.MaxUnadmittedPerUid, limits.MaxUnadmitted),
            FrameBudgetPerUid = Math.Min(limits.FrameBudgetPerUid, limits.FrameBudget),
        };
    }

    private static long Bytes(Config c, string key, long fallback)
    {
        if (!c.HasPath(key)) return fallback;
        long? n;
        try
        {
            n = c.GetByteSize(key);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ConfigurationException)
        {
            n = null;
        }

        if (n is not { } v || v < 64 * 1024)
            throw new ConfigurationException($"opencryptoki.{key}: '{c.GetString(key)}' is not a size of 64KiB or more (e.g. 512MiB)");
        return v;
    }
}
