using Akka.Actor;
using OpenCryptokiActors.Actors.Server;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Actors.Tokens;

/// <summary>Messages of the TokenActor and the replies it sends to sessions.</summary>
public static class TokenProtocol
{
    /// <summary>Marker of every command the TokenActor serves.</summary>
    public interface ITokenCommand;

    /// <summary>A client request for this token. <paramref name="Session"/> is the session actor for session-scoped calls.</summary>
    public sealed record Request(ClientRequest Client, ulong AppId, IActorRef? Session) : ITokenCommand;

    /// <summary>C_OpenSession: the application allocated <paramref name="Handle"/>; the token answers the application with <see cref="SessionOpenResult"/>.</summary>
    public sealed record OpenSession(ClientRequest Client, ulong AppId, ulong Handle, ulong Flags) : ITokenCommand;

    public sealed record SessionOpenResult(ClientRequest Client, ulong Handle, ulong Rv);

    /// <summary>The application's connection ended: its sessions, session objects and login go.</summary>
    public sealed record ApplicationGone(ulong AppId) : ITokenCommand;

    /// <summary>New objects made by a session (generate, unwrap, derive): validated already, to be stored; reply = their handles.</summary>
    public sealed record StoreNewObjects(ClientRequest Client, ulong AppId, ulong SessionHandle, IReadOnlyList<AttributeSet> Objects) : ITokenCommand;

    /// <summary>Answered with <see cref="Ready"/> once the token has recovered.</summary>
    public sealed record AwaitReady : ITokenCommand
    {
        public static readonly AwaitReady Instance = new();
    }

    public sealed record Ready(ulong SlotId);

    // ---- to the session actor ----

    /// <summary>A key resolved for an operation: the handle and its full (unsealed) attributes, immutable for the session.</summary>
    public sealed record KeySnapshot(ulong Handle, AttributeSet Attributes);

    /// <summary>*Init with a key the token resolved and found visible: the session checks usage and starts the operation.</summary>
    public sealed record BeginOperation(ClientRequest Client, WireMechanism Mechanism, KeySnapshot Key);

    public sealed record BeginDigestKey(ClientRequest Client, KeySnapshot Key);

    public sealed record BeginWrap(ClientRequest Client, WireMechanism Mechanism, KeySnapshot WrappingKey, KeySnapshot Key, ulong Capacity);

    public sealed record BeginUnwrap(ClientRequest Client, WireMechanism Mechanism, KeySnapshot UnwrappingKey, byte[] Wrapped, AttributeSet Template);

    public sealed record BeginDerive(ClientRequest Client, WireMechanism Mechanism, KeySnapshot BaseKey, AttributeSet Template);
}
