using Akka.Configuration;
using OpenCryptokiActors.Tokens.Zcrypt;

namespace OpenCryptokiActors.Actors.Configuration;

/// <summary>Which backend the device pool drives.</summary>
public enum DeviceBackend
{
    /// <summary>The real driver when the device node exists, else the emulator.</summary>
    Auto,
    Z90crypt,
    Emulator,
}

/// <summary>What a zcrypt token does when the pool cannot run a private-key operation (every queue down, deadline passed).</summary>
public enum DeviceFallback
{
    /// <summary>Compute it in software, as the soft token does.</summary>
    Software,
    /// <summary>Answer CKR_DEVICE_ERROR.</summary>
    Fail,
}

/// <summary>The emulator's settings (opencryptoki.devices.emulator).</summary>
public sealed record EmulatorSettings(TimeSpan Latency, IReadOnlyDictionary<ApQueueId, TimeSpan> QueueLatency);

/// <summary>
/// The device pool (opencryptoki.devices in reference.conf, each key commented there). Parsed once; errors name the key.
/// </summary>
public sealed record DeviceSettings(
    bool Enabled,
    DeviceBackend Backend,
    string DeviceNode,
    string SysfsRoot,
    bool AllDomains,
    TimeSpan PollInterval,
    TimeSpan RequestTimeout,
    int MaxAttempts,
    int MaxPending,
    int BlockingThreads,
    int DegradedAfterErrors,
    TimeSpan ReprobeInterval,
    EmulatorSettings Emulator)
{
    public static DeviceSettings From(Config config)
    {
        var c = (config.HasPath("opencryptoki.devices") ? config.GetConfig("opencryptoki.devices") : null)
                ?? OpenCryptokiSettings.Reference.GetConfig("opencryptoki.devices");
        var dflt = OpenCryptokiSettings.Reference.GetConfig("opencryptoki.devices");
        c = c.WithFallback(dflt);
        var backend = c.GetString("backend") switch
        {
            "auto" => DeviceBackend.Auto,
            "z90crypt" => DeviceBackend.Z90crypt,
            "emulator" => DeviceBackend.Emulator,
            var other => throw new ConfigurationException($"opencryptoki.devices.backend: '{other}' is not auto, z90crypt or emulator"),
        };
        var queueLatency = new Dictionary<ApQueueId, TimeSpan>();
        if (c.HasPath("emulator.queue-latency"))
        {
            foreach (var (name, value) in c.GetConfig("emulator.queue-latency").AsEnumerable())
            {
                var id = ApQueueId.Parse(name.Trim('"')) ?? throw new ConfigurationException($"opencryptoki.devices.emulator.queue-latency: '{name}' is not a queue (XX.YYYY)");
                queueLatency[id] = Duration(value.GetString(), "emulator.queue-latency." + name);
            }
        }

        return new DeviceSettings(
            c.GetBoolean("enabled"),
            backend,
            c.GetString("device-node"),
            c.GetString("sysfs-root"),
            c.GetBoolean("all-domains"),
            Positive(c.GetTimeSpan("poll-interval"), "poll-interval"),
            Positive(c.GetTimeSpan("request-timeout"), "request-timeout"),
            AtLeast(c.GetInt("max-attempts"), 1, "max-attempts"),
            AtLeast(c.GetInt("max-pending"), 1, "max-pending"),
            AtLeast(c.GetInt("blocking-threads"), 1, "blocking-threads"),
            AtLeast(c.GetInt("degraded-after-errors"), 1, "degraded-after-errors"),
            Positive(c.GetTimeSpan("reprobe-interval"), "reprobe-interval"),
            new EmulatorSettings(c.GetTimeSpan("emulator.latency"), queueLatency));
    }

    /// <summary>A slot's fallback policy (slot key `fallback = software | fail`; software when absent).</summary>
    public static DeviceFallback ParseFallback(ulong slot, string? text) => text switch
    {
        null or "" or "software" => DeviceFallback.Software,
        "fail" => DeviceFallback.Fail,
        _ => throw new ConfigurationException($"opencryptoki.slots: slot {slot}: fallback '{text}' is not software or fail"),
    };

    private static TimeSpan Duration(string text, string key)
    {
        try
        {
            return ConfigurationFactory.ParseString("v = " + text).GetTimeSpan("v");
        }
        catch (Exception e)
        {
            throw new ConfigurationException($"opencryptoki.devices.{key}: '{text}' is not a duration ({e.Message})");
        }
    }

    private static TimeSpan Positive(TimeSpan v, string key) =>
        v > TimeSpan.Zero ? v : throw new ConfigurationException($"opencryptoki.devices.{key}: must be more than 0");

    private static int AtLeast(int v, int min, string key) =>
        v >= min ? v : throw new ConfigurationException($"opencryptoki.devices.{key}: {v} is less than {min}");
}
