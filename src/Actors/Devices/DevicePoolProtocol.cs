using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Tokens.Zcrypt;

namespace OpenCryptokiActors.Actors.Devices;

/// <summary>What the device pool (/user/devices) speaks.</summary>
public static class DevicePoolProtocol
{
    /// <summary>
    /// Run one RSA private-key operation on some queue. Answered exactly once to the sender with <see cref="Result"/>
    /// carrying the same <paramref name="Tag"/>. <paramref name="Timeout"/>: this request's deadline (default: the pool's).
    /// </summary>
    [LocalOnly("the device pool serves this node's own adapters: its messages never leave the node")]
    public sealed record Execute(long Tag, ZcryptRequest Request, TimeSpan? Timeout = null);

    /// <summary>
    /// The answer: <paramref name="Errno"/> 0 with <paramref name="Output"/>, or the last errno (EINVAL bad input,
    /// ENODEV no usable queue, EIO/EAGAIN/EINTR after the last attempt, ETIMEDOUT deadline passed, EBUSY refused at
    /// admission). <paramref name="Queue"/>: the queue that answered (null when none did).
    /// </summary>
    [LocalOnly("the device pool serves this node's own adapters: its messages never leave the node")]
    public sealed record Result(long Tag, int Errno, byte[]? Output, string? Queue, int Attempts)
    {
        public override string ToString() => $"Result({Tag}, {OpenCryptokiActors.Tokens.Zcrypt.Errno.Name(Errno)}, {Queue}, attempts {Attempts})";
    }

    /// <summary>Asks for the pool's state; answered with <see cref="PoolStatus"/>.</summary>
    [LocalOnly("the device pool serves this node's own adapters: its messages never leave the node")]
    public sealed record GetStatus;

    /// <summary>One queue as `ock devices` shows it.</summary>
    [LocalOnly("the device pool serves this node's own adapters: its messages never leave the node")]
    public sealed record QueueStatus(string Queue, QueueHealth Health, int HwType, int Depth, long Load, int InFlight, long Completed, long Errors,
        double LatencyMicros, string? LastError);

    /// <summary>The pool: its backend, queues and counters.</summary>
    [LocalOnly("the device pool serves this node's own adapters: its messages never leave the node")]
    public sealed record PoolStatus(string Backend, IReadOnlyList<QueueStatus> Queues, int Pending, long Rejected, long TimedOut, long Retried);

    /// <summary>Read sysfs now (as the poll does), e.g. after a hot-plug event.</summary>
    [LocalOnly("the device pool serves this node's own adapters: its messages never leave the node")]
    public sealed record Rescan;
}
