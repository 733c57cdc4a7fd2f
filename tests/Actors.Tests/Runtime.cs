using Akka.Actor;
using Akka.Configuration;
using OpenCryptokiActors.Actors.Applications;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Actors.Slots;

namespace OpenCryptokiActors.Actors.Tests;

/// <summary>The daemon's actors (without the socket) inside a given actor system.</summary>
public static class Runtime
{
    public static async Task<IActorRef> StartAsync(ActorSystem system, Config config)
    {
        var settings = OpenCryptokiSettings.From(config);
        OpenCryptokiDaemon.PrepareStore(config, settings);
        var slotManager = system.ActorOf(SlotManagerActor.Props(settings), "slot-manager");
        var table = await slotManager.Ask<SlotTable>(SlotManagerProtocol.GetSlotTable.Instance, TimeSpan.FromSeconds(60));
        return system.ActorOf(ApplicationsActor.Props(table, slotManager), "applications");
    }
}
