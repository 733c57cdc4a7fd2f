using Akka.Actor;
using OpenCryptokiActors.Actors.Devices;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens;
using OpenCryptokiActors.Tokens.Zcrypt;
using static OpenCryptokiActors.Actors.Sessions.SessionProtocol;

namespace OpenCryptokiActors.Actors.Sessions;

/// <summary>
/// The last step of a zcrypt token's sign or decrypt, handed to the device pool: the session asks the pool and goes on
/// with its mailbox; the pool's answer (or the ask's timeout, should the pool be gone) comes back to the session as
/// <see cref="DeviceRsaDone"/>, which the session delivers as it delivers any output. Nothing here blocks.
/// </summary>
internal static class DeviceRsaHandoff
{
    /// <summary>A device call finished (Result null: no pool, or it did not answer in time).</summary>
    [LocalOnly("a session's own continuation: it never leaves the session")]
    internal sealed record DeviceRsaDone(Request Client, OperationKind Kind, ActiveOperation Operation, byte[] Input, ulong Capacity, DeviceRsaCall Call,
        DevicePoolProtocol.Result? Result);

    /// <summary>Starts the hand-off when <paramref name="operation"/> is a device operation at its last step; false otherwise.</summary>
    public static bool TryStart(IActorContext context, Request req, OperationKind kind, ActiveOperation operation, byte[] input, ulong capacity, bool ends)
    {
        if (!ends || operation.Device is not { } device) return false;
        var call = device.Finish(input);
        var pools = DevicePools.Get(context.System);
        var self = context.Self;
        if (pools.Pool is not { } pool)
        {
            self.Tell(new DeviceRsaDone(req, kind, operation, input, capacity, call, null));
            return true;
        }

        pool.Ask<DevicePoolProtocol.Result>(new DevicePoolProtocol.Execute(0, call.Request), pools.AskTimeout)
            .PipeTo(self, success: r => new DeviceRsaDone(req, kind, operation, input, capacity, call, r),
                failure: _ => new DeviceRsaDone(req, kind, operation, input, capacity, call, null));
        return true;
    }

    /// <summary>
    /// The operation's output from the pool's answer: the card's result; for bad input CKR_DATA_INVALID; for a refusal at
    /// admission CKR_DEVICE_MEMORY; for anything else (no usable queue, deadline, the last retry's EIO) the software
    /// result or CKR_DEVICE_ERROR, by the slot's fallback.
    /// </summary>
    public static byte[] Output(DeviceRsaDone d)
    {
        var errno = d.Result?.Errno ?? Errno.ENODEV;
        switch (errno)
        {
            case Errno.Ok:
                return d.Call.Complete(d.Result!.Output);
            case Errno.EINVAL:
                throw new CkException(CKR.DATA_INVALID, "the device refused the request's input");
            case Errno.EBUSY:
                throw new CkException(CKR.DEVICE_MEMORY, "the device pool is full");
        }

        if (d.Operation.Device!.SoftwareFallback) return d.Call.Software();
        throw new CkException(CKR.DEVICE_ERROR, $"no device answered ({Errno.Name(errno)})");
    }
}
