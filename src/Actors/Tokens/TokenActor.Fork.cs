using Akka.Actor;
using static OpenCryptokiActors.Actors.Applications.ForkProtocol;

namespace OpenCryptokiActors.Actors.Tokens;

/// <summary>
/// The token's part of fork safety (<see cref="Applications.ForkProtocol"/>): the clone of an application gets copies of the
/// parent's sessions on this token (same handles, find cursors included), of its session objects (same handles: session
/// objects are keyed by application, <see cref="SessionKey"/>) and of its login. Token objects are shared, as they are between
/// any two applications.
/// </summary>
public sealed partial class TokenActor
{
    /// <summary>Bits of a session object's handle in its key; the application id is above them.</summary>
    private const int SessionKeyShift = 44;

    /// <summary>The key of an application's session object: handles are the application's own, so a clone keeps them.</summary>
    private static ulong SessionKey(ulong app, ulong handle) => (app << SessionKeyShift) | handle;

    private static ulong HandleOf(ulong key) => key & ((1UL << SessionKeyShift) - 1);

    private void CloneApplication(CloneApplication m)
    {
        foreach (var s in _sessions.Values.Where(x => x.App == m.ParentId).ToList())
        {
            if (!m.Sessions.TryGetValue(s.Handle, out var actor)) continue;
            _sessions[(m.CloneId, s.Handle)] = new SessionEntry(m.CloneId, s.Handle, s.ReadWrite, actor)
            {
                FindResults = (ulong[]?)s.FindResults?.Clone(),
                FindPosition = s.FindPosition,
            };
        }

        foreach (var (key, o) in _sessionObjects.Where(kv => kv.Value.App == m.ParentId).ToList())
            PutSessionObject(SessionKey(m.CloneId, HandleOf(key)), new SessionObject(m.CloneId, o.Session, o.Attributes.Clone()));
        if (_logins.TryGetValue(m.ParentId, out var user)) _logins[m.CloneId] = user;
        if (_peers.TryGetValue(m.ParentId, out var peer)) _peers[m.CloneId] = peer;
        m.ReplyTo.Tell(CloneReady.Instance);
    }
}
