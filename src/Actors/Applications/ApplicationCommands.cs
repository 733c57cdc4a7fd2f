using OpenCryptokiActors.Actors.Protocol;

namespace OpenCryptokiActors.Actors.Applications;

/// <summary>A call the application's own actor answers (the slot table, slot events) or routes (sessions it owns).</summary>
public interface IApplicationCommand : IProtocolMessage;

/// <summary>The slot-level PKCS#11 calls an ApplicationActor answers itself.</summary>
public static class ApplicationCommands
{
    public abstract record ApplicationRequest : Request, IApplicationCommand;

    /// <summary>C_GetSlotList: answered with <see cref="Handles"/>.</summary>
    public sealed record GetSlotList(bool TokenPresent) : ApplicationRequest;

    /// <summary>C_GetSlotInfo: answered with <see cref="SlotInfo"/>.</summary>
    public sealed record GetSlotInfo(ulong Slot) : ApplicationRequest;

    /// <summary>C_GetMechanismList: answered with <see cref="Handles"/>.</summary>
    public sealed record GetMechanismList(ulong Slot) : ApplicationRequest;

    /// <summary>C_GetMechanismInfo: answered with <see cref="MechanismInfoResult"/>.</summary>
    public sealed record GetMechanismInfo(ulong Slot, ulong Type) : ApplicationRequest;

    /// <summary>C_OpenSession: the application allocates the handle, the token decides; answered with <see cref="Handle"/>.</summary>
    public sealed record OpenSession(ulong Slot, ulong Flags) : ApplicationRequest;

    /// <summary>C_WaitForSlotEvent: answered at once, <see cref="Handle"/> (the slot) or CKR_NO_EVENT.</summary>
    public sealed record WaitForSlotEvent(ulong Flags) : ApplicationRequest;

    /// <summary>The module is about to fork() (CKF_INTERFACE_FORK_SAFE): the application is cloned; answered with <see cref="ForkClone"/>.</summary>
    public sealed record ForkPrepare : ApplicationRequest;

    /// <summary>A call the edge could not decode into a command of this protocol: CKR_FUNCTION_NOT_SUPPORTED.</summary>
    public sealed record Unsupported(ushort Function) : ApplicationRequest;
}
