using static OpenCryptokiActors.Actors.Sessions.DeviceRsaHandoff;
using static OpenCryptokiActors.Actors.Sessions.SessionProtocol;

namespace OpenCryptokiActors.Actors.Sessions;

/// <summary>The session's side of the zcrypt hand-off (DeviceRsaHandoff): delivering a device call's output.</summary>
public sealed partial class SessionActor
{
    private void DeviceDone(DeviceRsaDone d)
    {
        // The operation may have ended meanwhile (a C_SignInit/C_DecryptInit over it, the session closing its operations).
        if (!_active.TryGetValue(d.Kind, out var active) || !ReferenceEquals(active.Operation, d.Operation))
        {
            d.Client.Reply(Cryptoki.Pkcs11.CKR.OPERATION_NOT_INITIALIZED);
            return;
        }

        byte[] output;
        try
        {
            output = Output(d);
        }
        catch
        {
            _active.Remove(d.Kind);
            throw;
        }

        DeliverOutput(d.Client, d.Kind, active, d.Input, output, d.Capacity, ends: true);
    }
}
