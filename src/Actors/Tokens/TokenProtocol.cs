using OpenCryptokiActors.Actors.Protocol;

namespace OpenCryptokiActors.Actors.Tokens;

/// <summary>Messages of the TokenActor and the replies it sends to sessions.</summary>
public static class TokenProtocol
{
    /// <summary>The application's connection ended: its sessions, session objects and login go.</summary>
    public sealed record ApplicationGone(ulong AppId) : ITokenCommand;

    /// <summary>Answered with <see cref="Ready"/> once the token has recovered.</summary>
    public sealed record AwaitReady : ITokenCommand
    {
        public static readonly AwaitReady Instance = new();
    }

    public sealed record Ready(ulong SlotId) : IProtocolMessage;

    /// <summary>Answered with <see cref="StoreStats"/>: how many journal writes (batches) carried how many events since the token started.</summary>
    public sealed record GetStoreStats : ITokenCommand
    {
        public static readonly GetStoreStats Instance = new();
    }

    public sealed record StoreStats(long Batches, long Events, int Objects, long LastSequenceNr) : IProtocolMessage;

    /// <summary>`ock token backup`: answered with <see cref="ExportedState"/> (the token's snapshot as stored, manifest + bytes; empty if uninitialised).</summary>
    public sealed record ExportState : ITokenCommand
    {
        public static readonly ExportState Instance = new();
    }

    public sealed record ExportedState(bool Initialized, string Manifest, byte[] Snapshot, string? Busy = null) : IProtocolMessage;

    /// <summary>`ock token restore`: journals the snapshot's token, PINs and objects as stored into an uninitialised token; answered with <see cref="ImportedState"/>.</summary>
    public sealed record ImportState(string Manifest, byte[] Snapshot, int Pid, int Uid) : ITokenCommand;

    public sealed record ImportedState(bool Ok, string Message) : IProtocolMessage;

    /// <summary>
    /// `ock token rekey`: re-encrypts every private object under a new master key, in batches of opencryptoki.rekey-batch, while the
    /// token goes on serving; resumes a rekey that was under way. The SO PIN and, when the token has one, the User PIN (the new key is
    /// wrapped under both). Answered with <see cref="RekeyDone"/> once every private object is under the new key.
    /// </summary>
    public sealed record StartRekey(byte[] SoPin, byte[]? UserPin, int Pid, int Uid) : ITokenWrite;

    public sealed record RekeyDone(bool Ok, string Message) : IProtocolMessage;

    /// <summary>For `ock status` and tests: answered with <see cref="TokenUsage"/> (what the token holds in memory).</summary>
    public sealed record GetUsage : ITokenCommand
    {
        public static readonly GetUsage Instance = new();
    }

    public sealed record TokenUsage(ulong SlotId, bool Initialized, string Label, int Sessions, int RwSessions, int SessionObjects, int LoggedInApplications, int Applications) : IProtocolMessage;
}
