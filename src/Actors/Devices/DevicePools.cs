using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using OpenCryptokiActors.Actors.Configuration;

namespace OpenCryptokiActors.Actors.Devices;

/// <summary>
/// The actor system's device pool, as an Akka extension: sessions of zcrypt tokens find the pool here (null: no pool
/// runs, and their private-key operations fall back or fail by the slot's policy).
/// </summary>
public sealed class DevicePools : IExtension
{
    public IActorRef? Pool { get; private set; }

    /// <summary>How long a session waits for the pool's answer: the pool's deadline and a margin (the pool answers first).</summary>
    public TimeSpan AskTimeout { get; private set; } = TimeSpan.FromSeconds(6);

    public static DevicePools Get(ActorSystem system) => system.WithExtension<DevicePools, DevicePoolsProvider>();

    /// <summary>
    /// Starts /user/devices when a slot is a zcrypt token or opencryptoki.devices.enabled is on; returns the pool or null.
    /// </summary>
    public static IActorRef? StartIfNeeded(ActorSystem system, Config config, IEnumerable<SlotSettings> slots)
    {
        var settings = DeviceSettings.From(config);
        if (!settings.Enabled && !slots.Any(s => s.TokenType == "zcrypt")) return null;
        var device = DevicePoolActor.CreateDevice(settings);
        system.Log.Info("zcrypt device pool: {0}, sysfs {1}", device.Name, settings.SysfsRoot);
        return Register(system, system.ActorOf(DevicePoolActor.Props(settings, device), "devices"), settings);
    }

    /// <summary>Makes <paramref name="pool"/> the system's pool (tests start their own).</summary>
    public static IActorRef Register(ActorSystem system, IActorRef pool, DeviceSettings settings)
    {
        var ext = Get(system);
        ext.Pool = pool;
        ext.AskTimeout = settings.RequestTimeout + TimeSpan.FromSeconds(1);
        return pool;
    }
}

public sealed class DevicePoolsProvider : ExtensionIdProvider<DevicePools>
{
    public override DevicePools CreateExtension(ExtendedActorSystem system) => new();
}
