using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Tokens.Zcrypt;

namespace OpenCryptokiActors.Actors.Devices;

/// <summary>What a DeviceQueueActor and its pool say to each other.</summary>
internal static class DeviceQueueProtocol
{
    /// <summary>Pool → queue: run this request on the blocking pool; <see cref="Done"/> goes to the pool.</summary>
    [LocalOnly("the device pool serves this node's own adapters: its messages never leave the node")]
    public sealed record Run(long Id, ZcryptRequest Request);

    /// <summary>Blocking thread → pool: the request finished on this queue, after <paramref name="Micros"/>.</summary>
    [LocalOnly("the device pool serves this node's own adapters: its messages never leave the node")]
    public sealed record Done(long Id, ApQueueId Queue, int Errno, byte[]? Output, double Micros);

    /// <summary>Pool → queue: how a request of this queue ended (its health follows).</summary>
    [LocalOnly("the device pool serves this node's own adapters: its messages never leave the node")]
    public sealed record Outcome(int Errno);

    /// <summary>Pool → queue: what sysfs shows now (null: the queue's directory is gone).</summary>
    [LocalOnly("the device pool serves this node's own adapters: its messages never leave the node")]
    public sealed record Sysfs(ApQueueInfo? Info);

    /// <summary>Queue → pool: its health changed.</summary>
    [LocalOnly("the device pool serves this node's own adapters: its messages never leave the node")]
    public sealed record HealthChanged(ApQueueId Queue, QueueHealth Health, string Reason);

    /// <summary>Queue → itself: a probe finished.</summary>
    [LocalOnly("the device pool serves this node's own adapters: its messages never leave the node")]
    public sealed record ProbeDone(int Errno, double Micros);

    /// <summary>Queue → itself: time to probe again.</summary>
    [LocalOnly("the device pool serves this node's own adapters: its messages never leave the node")]
    public sealed record Reprobe;
}
