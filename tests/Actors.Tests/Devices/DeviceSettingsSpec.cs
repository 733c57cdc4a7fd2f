using Akka.Configuration;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Tokens.Zcrypt;

namespace OpenCryptokiActors.Actors.Tests.Devices;

/// <summary>opencryptoki.devices: the reference.conf defaults, overrides, and errors naming the key.</summary>
public sealed class DeviceSettingsSpec
{
    private static DeviceSettings Parse(string hocon) => DeviceSettings.From(OpenCryptokiDaemon.Compose(ConfigurationFactory.ParseString(hocon)));

    [Fact]
    public void Reference_conf_defaults()
    {
        var d = Parse("");
        Assert.False(d.Enabled);
        Assert.Equal(DeviceBackend.Auto, d.Backend);
        Assert.Equal("/dev/z90crypt", d.DeviceNode);
        Assert.Equal("/sys", d.SysfsRoot);
        Assert.Equal(TimeSpan.FromSeconds(2), d.PollInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), d.RequestTimeout);
        Assert.Equal(3, d.MaxAttempts);
        Assert.Equal(256, d.MaxPending);
        Assert.Equal(32, d.BlockingThreads);
        Assert.Equal(TimeSpan.Zero, d.Emulator.Latency);
    }

    [Fact]
    public void Overrides_and_per_queue_emulator_latency()
    {
        var d = Parse("""opencryptoki.devices { backend = emulator, max-pending = 8, emulator.queue-latency { "01.0005" = 20ms } }""");
        Assert.Equal(DeviceBackend.Emulator, d.Backend);
        Assert.Equal(8, d.MaxPending);
        Assert.Equal(TimeSpan.FromMilliseconds(20), d.Emulator.QueueLatency[new ApQueueId(1, 5)]);
    }

    [Fact]
    public void Errors_name_the_key()
    {
        Assert.Contains("opencryptoki.devices.backend", Assert.Throws<ConfigurationException>(() => Parse("opencryptoki.devices.backend = cca")).Message);
        Assert.Contains("opencryptoki.devices.max-pending", Assert.Throws<ConfigurationException>(() => Parse("opencryptoki.devices.max-pending = 0")).Message);
    }

    [Fact]
    public void Zcrypt_slots_take_a_fallback_policy()
    {
        var settings = OpenCryptokiSettings.From(OpenCryptokiDaemon.Compose(ConfigurationFactory.ParseString(
            "opencryptoki.slots = [ { id = 0, token-type = zcrypt, token-name = z }, { id = 1, token-type = zcrypt, token-name = f, fallback = fail } ]")));
        Assert.Equal([DeviceFallback.Software, DeviceFallback.Fail], settings.Slots.Select(s => s.Fallback));
        var e = Assert.Throws<ConfigurationException>(() => OpenCryptokiSettings.From(OpenCryptokiDaemon.Compose(ConfigurationFactory.ParseString(
            "opencryptoki.slots = [ { id = 0, token-type = zcrypt, token-name = z, fallback = maybe } ]"))));
        Assert.Contains("fallback 'maybe'", e.Message);
        e = Assert.Throws<ConfigurationException>(() => OpenCryptokiSettings.From(OpenCryptokiDaemon.Compose(ConfigurationFactory.ParseString(
            "opencryptoki.slots = [ { id = 0, token-type = cca, token-name = z } ]"))));
        Assert.Contains("known: soft, zcrypt", e.Message);
    }
}
