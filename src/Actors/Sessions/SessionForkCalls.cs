using System.Security.Cryptography;
using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.State;
using static OpenCryptokiActors.Actors.Applications.ForkProtocol;
using static OpenCryptokiActors.Actors.Sessions.SessionProtocol;

namespace OpenCryptokiActors.Actors.Sessions;

/// <summary>
/// The session's part of fork safety (<see cref="Applications.ForkProtocol"/>): a parent session sends copies of its
/// operations; a clone's session starts them again with the same keys and feeds them what they had seen (the replay of
/// <see cref="Recording"/>, as C_SetOperationState does). Operations that cannot be replayed (message-based, recover,
/// C_VerifySignatureInit, a digest that has seen a key, more than <see cref="Recording.Limit"/> bytes) are not in the child.
/// </summary>
public sealed class SessionForkCalls(SessionContext ctx)
{
    public List<ClonedOperation> Operations()
    {
        var list = new List<ClonedOperation>();
        foreach (var (kind, a) in ctx.Active)
        {
            if (kind is not (OperationKind.Encrypt or OperationKind.Decrypt or OperationKind.Sign or OperationKind.Verify or OperationKind.Digest)) continue;
            if (a.Recording is not { Saveable: true } recording || (kind != OperationKind.Digest && a.Key is null)) continue;
            list.Add(new ClonedOperation(kind, recording.Origin, recording.Seen.ToArray(), a.Key, a.AwaitsContextLogin));
        }

        return list;
    }

    /// <summary>Starts the parent's operations again here; the clone is told <see cref="CloneReady"/> whatever happens.</summary>
    public void Restore(RestoreClone m)
    {
        try
        {
            foreach (var o in m.Operations) ctx.Active[o.Kind] = Restart(o);
        }
        catch (Exception e)
        {
            ctx.Log.Warning("session {0}: an operation of the fork()ed parent could not be started again: {1}", ctx.Handle, e.Message);
        }
        finally
        {
            m.ReplyTo.Tell(CloneReady.Instance);
        }
    }

    private ActiveOperation Restart(ClonedOperation o)
    {
        var origin = o.Origin;
        var (_, flag) = ForInit(o.Kind);
        var (_, impl) = ctx.Mechanism(origin.Mechanism, flag, origin.Parameter);
        ActiveOperation op = o.Kind switch
        {
            OperationKind.Digest => new DigestOperation(impl.CreateDigest(origin.Mechanism, origin.Parameter)),
            OperationKind.Encrypt => new CipherOperation(impl.CreateEncrypt(origin.Mechanism, origin.Parameter, o.Key!)),
            OperationKind.Decrypt => new CipherOperation(impl.CreateDecrypt(origin.Mechanism, origin.Parameter, o.Key!)),
            OperationKind.Sign => new SignOperation(impl.CreateSign(origin.Mechanism, origin.Parameter, o.Key!)),
            _ => new VerifyOperation(impl.CreateVerify(origin.Mechanism, origin.Parameter, o.Key!)),
        };
        if (op is CipherOperation) CryptographicOperations.ZeroMemory(op.UpdateWithOutput(o.Seen));
        else op.Update(o.Seen);
        var recording = new Recording(origin);
        recording.Record(o.Seen);
        CryptographicOperations.ZeroMemory(o.Seen);
        op.Recording = recording;
        op.Key = o.Key;
        op.AwaitsContextLogin = o.AwaitsContextLogin;
        op.Phase = o.Seen.Length > 0 ? OperationPhase.MultiPart : OperationPhase.Initialized;
        return op;
    }
}
