using System.Security.Cryptography;
using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Mechanisms;
using static OpenCryptokiActors.Actors.Applications.ForkProtocol;
using static OpenCryptokiActors.Actors.Sessions.SessionProtocol;

namespace OpenCryptokiActors.Actors.Sessions;

/// <summary>
/// The session's part of fork safety (<see cref="Applications.ForkProtocol"/>): a parent session sends copies of its
/// operations; a clone's session starts them again with the same keys and feeds them what they had seen (the replay of
/// <see cref="Recording"/>, as C_SetOperationState does). Operations that cannot be replayed (message-based, recover,
/// C_VerifySignatureInit, a digest that has seen a key, more than <see cref="Recording.Limit"/> bytes) are not in the child.
/// </summary>
public sealed partial class SessionActor
{
    private void ForkReceives()
    {
        Receive<CloneSessionTo>(m => m.Target.Tell(new RestoreClone(Operations(), m.ReplyTo)));
        Receive<RestoreClone>(m =>
        {
            try
            {
                Restore(m.Operations);
            }
            catch (Exception e)
            {
                _log.Warning("session {0}: an operation of the fork()ed parent could not be started again: {1}", _handle, e.Message);
            }
            finally
            {
                m.ReplyTo.Tell(CloneReady.Instance);
            }
        });
    }

    private List<ClonedOperation> Operations()
    {
        var list = new List<ClonedOperation>();
        foreach (var (kind, a) in _active)
        {
            if (kind is not (OperationKind.Encrypt or OperationKind.Decrypt or OperationKind.Sign or OperationKind.Verify or OperationKind.Digest)) continue;
            if (a.Recording is not { Saveable: true } recording || (kind != OperationKind.Digest && a.Key is null)) continue;
            list.Add(new ClonedOperation(kind, recording.Origin, recording.Seen.ToArray(), a.Key, a.AwaitsContextLogin));
        }

        return list;
    }

    private void Restore(IReadOnlyList<ClonedOperation> operations)
    {
        foreach (var o in operations)
        {
            var origin = o.Origin;
            var (_, impl) = Mechanism(origin.Mechanism, o.Kind switch
            {
                OperationKind.Digest => CKF.DIGEST,
                OperationKind.Encrypt => CKF.ENCRYPT,
                OperationKind.Decrypt => CKF.DECRYPT,
                OperationKind.Sign => CKF.SIGN,
                _ => CKF.VERIFY,
            }, origin.Parameter);
            object op = o.Kind switch
            {
                OperationKind.Digest => impl.CreateDigest(origin.Mechanism, origin.Parameter),
                OperationKind.Encrypt => impl.CreateEncrypt(origin.Mechanism, origin.Parameter, o.Key!),
                OperationKind.Decrypt => impl.CreateDecrypt(origin.Mechanism, origin.Parameter, o.Key!),
                OperationKind.Sign => impl.CreateSign(origin.Mechanism, origin.Parameter, o.Key!),
                _ => impl.CreateVerify(origin.Mechanism, origin.Parameter, o.Key!),
            };
            switch (op)
            {
                case IDigestOperation digest: digest.Update(o.Seen); break;
                case ICipherOperation cipher: CryptographicOperations.ZeroMemory(cipher.Update(o.Seen)); break;
                case ISignOperation sign: sign.Update(o.Seen); break;
                case IVerifyOperation verify: verify.Update(o.Seen); break;
            }

            var recording = new Recording(origin);
            recording.Record(o.Seen);
            CryptographicOperations.ZeroMemory(o.Seen);
            _active[o.Kind] = new Active(op, recording) { Key = o.Key, AwaitsContextLogin = o.AwaitsContextLogin };
        }
    }
}
