using System.Collections.Immutable;
using Akka.Actor;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Actors.Protocol;

/// <summary>
/// Every message of the actor protocol (commands, hand-overs between actors, replies). Bound to a serializer in
/// reference.conf (Hyperion: these are transient; persisted events have their own versioned serializer), so that each
/// one can cross to another node. None holds a socket, a stream, a delegate or a mutable collection.
/// </summary>
public interface IProtocolMessage;

/// <summary>
/// A PKCS#11 call as the actors speak it: an immutable record of its decoded arguments. <see cref="Id"/> and
/// <see cref="ReplyTo"/> say where its one answer goes (the edge's connection reference with the wire's request id, a
/// temporary actor of the embedded API, ...). Whoever finishes the work answers exactly once.
/// </summary>
public abstract record Request : IProtocolMessage
{
    /// <summary>The caller's correlation id, returned in the reply (the wire's request id at the socket edge).</summary>
    public uint Id { get; init; }

    public IActorRef ReplyTo { get; init; } = ActorRefs.Nobody;

    public void Answer(ulong rv) => ReplyTo.Tell(new Reply(Id, rv));

    public void Answer<T>(ulong rv, T result) => ReplyTo.Tell(new Reply<T>(Id, rv, result));

    public void Ok() => ReplyTo.Tell(new Reply(Id, Cryptoki.Pkcs11.CKR.OK));

    public void Ok<T>(T result) => ReplyTo.Tell(new Reply<T>(Id, Cryptoki.Pkcs11.CKR.OK, result));
}

/// <summary>A call's answer: its CK_RV and, for <see cref="Reply{T}"/>, the call's result (also with some error codes, e.g. CKR_BUFFER_TOO_SMALL).</summary>
public interface IReply : IProtocolMessage
{
    uint Id { get; }

    ulong Rv { get; }
}

public sealed record Reply(uint Id, ulong Rv) : IReply;

public sealed record Reply<T>(uint Id, ulong Rv, T Result) : IReply;

/// <summary>Who makes a call: the application (one connected process) and its peer credentials, for the token's rules and audit trail.</summary>
public sealed record Caller(ulong AppId, PeerCredentials? Peer) : IProtocolMessage;

/// <summary>Peer credentials from SO_PEERCRED; <paramref name="Groups"/>: all the process's gids (from /proc) when known.</summary>
public sealed record PeerCredentials(int Pid, int Uid, int Gid, ImmutableArray<int> Groups = default) : IProtocolMessage
{
    public bool InGroup(int gid) => Gid == gid || (!Groups.IsDefault && Groups.Contains(gid));
}

/// <summary>A template as the caller gave it (pValue NULL allowed), frozen: the receiver makes its own attribute set of it.</summary>
public sealed record Template(ImmutableArray<WireAttribute> Attributes) : IProtocolMessage
{
    public static readonly Template Empty = new(ImmutableArray<WireAttribute>.Empty);

    public static Template Of(WireAttribute[] attributes) => new(System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(attributes));

    public AttributeSet ToAttributeSet() => AttributeSet.FromTemplate(Attributes);
}

/// <summary>
/// A message that never leaves its node and so has no serializer binding: it carries objects that only mean something
/// in this process (the session directory the connection threads read, slot tables with their mechanism registries).
/// The serializer spec checks that every other message of the protocol round-trips.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class LocalOnlyAttribute(string reason) : Attribute
{
    public string Reason { get; } = reason;
}
