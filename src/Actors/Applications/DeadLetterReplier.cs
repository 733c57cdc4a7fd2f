using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Actors.Sessions;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using static OpenCryptokiActors.Actors.Applications.ApplicationProtocol;
using static OpenCryptokiActors.Actors.Tokens.TokenCommands;

namespace OpenCryptokiActors.Actors.Applications;

/// <summary>
/// Answers requests that reached an actor which had stopped meanwhile (a session closed or a slot removed while another
/// thread of the process still used it, a connection routing on a session map that was just replaced): the caller gets
/// an answer instead of waiting forever. Every such request was never processed, so it is answered exactly once:
/// CKR_SESSION_HANDLE_INVALID for a session's call, CKR_DEVICE_REMOVED for a slot's.
/// </summary>
public sealed class DeadLetterReplier : ReceiveActor
{
    public DeadLetterReplier()
    {
        Receive<DeadLetter>(d =>
        {
            switch (d.Message)
            {
                case OpenSession o:
                    o.Origin.Answer(CKR.DEVICE_REMOVED);
                    break;
                case ISessionCommand or SessionTokenRequest or SessionProtocol.SessionBegin:
                    ((Request)d.Message).Answer(CKR.SESSION_HANDLE_INVALID);
                    break;
                case Request r:
                    r.Answer(CKR.DEVICE_REMOVED);
                    break;
                case AddConnection a:
                    a.Asker.Tell(new JoinRefused("the application has ended"));
                    break;
            }
        });
    }

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(DeadLetter));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    public static Props Props() => Akka.Actor.Props.Create(() => new DeadLetterReplier());
}
