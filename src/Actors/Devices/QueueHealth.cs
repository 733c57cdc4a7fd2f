using OpenCryptokiActors.Tokens.Zcrypt;

namespace OpenCryptokiActors.Actors.Devices;

/// <summary>The health of one AP queue.</summary>
public enum QueueHealth
{
    /// <summary>Serving requests.</summary>
    Online,
    /// <summary>Serving, after consecutive failures: chosen only when no online queue fits.</summary>
    Degraded,
    /// <summary>Offline in sysfs (online 0 or config 0), or it answered ENODEV: not used until a probe succeeds.</summary>
    Offline,
    /// <summary>Check-stopped (chkstop 1): not used until sysfs clears it and a probe succeeds.</summary>
    CheckStopped,
    /// <summary>Gone from sysfs.</summary>
    Removed,
}

/// <summary>The rules of queue health and routing, as pure functions (the actors only apply them).</summary>
public static class QueueRules
{
    /// <summary>What sysfs alone says of a queue (null: its directory is gone).</summary>
    public static QueueHealth FromSysfs(ApQueueInfo? info) => info switch
    {
        null => QueueHealth.Removed,
        { CheckStop: true } => QueueHealth.CheckStopped,
        { Online: false } or { Config: false } => QueueHealth.Offline,
        _ => QueueHealth.Online,
    };

    public static bool Usable(QueueHealth h) => h is QueueHealth.Online or QueueHealth.Degraded;

    /// <summary>
    /// The speed rating of a card type, in microseconds per RSA-2048 private operation as a starting point; the pool
    /// replaces it by what it measures. Newer generations are faster (hwtype 10 = CEX4 … 14 = CEX8).
    /// </summary>
    public static double SeedRating(int hwtype) => hwtype switch
    {
        >= 14 => 250,
        13 => 300,
        12 => 400,
        11 => 500,
        10 => 600,
        _ => 800,
    };

    /// <summary>
    /// The router's score of a queue (lower is better): speed rating × (in-flight + 1) + the queue's reported load;
    /// a degraded queue counts four times.
    /// </summary>
    public static double Score(double rating, int inFlight, long load, QueueHealth health) =>
        (rating * (inFlight + 1) + load) * (health == QueueHealth.Degraded ? 4 : 1);

    /// <summary>The measured speed rating after one more request that took <paramref name="micros"/> (EWMA, 1/8).</summary>
    public static double Rate(double rating, double micros) => rating + (Math.Max(1, micros) - rating) / 8;

    /// <summary>The CKR a device errno ends as when there is no fallback (EINVAL: the caller's data; the rest: the device).</summary>
    public static ulong ToCkr(int errno) => errno switch
    {
        Errno.Ok => Cryptoki.Pkcs11.CKR.OK,
        Errno.EINVAL => Cryptoki.Pkcs11.CKR.DATA_INVALID,
        Errno.EBUSY => Cryptoki.Pkcs11.CKR.DEVICE_MEMORY,
        _ => Cryptoki.Pkcs11.CKR.DEVICE_ERROR,
    };
}
