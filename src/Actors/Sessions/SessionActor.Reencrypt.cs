using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens;
using OpenCryptokiActors.Tokens.Objects;
using static OpenCryptokiActors.Actors.Sessions.SessionProtocol;
using static OpenCryptokiActors.Actors.Tokens.TokenProtocol;

namespace OpenCryptokiActors.Actors.Sessions;

public sealed partial class SessionActor
{
    /// <summary>
    /// C_IBM_ReencryptSingle (openCryptoki's "Vendor IBM" 1.0 interface): decrypts under the first key and encrypts the
    /// result under the second in one call; the plaintext exists only here and is wiped. Each key is checked as its
    /// C_DecryptInit / C_EncryptInit would check it (usage flag, CKA_ALLOWED_MECHANISMS, mechanism flags, policy). As in
    /// openCryptoki, an active encryption or decryption of the session makes it CKR_OPERATION_ACTIVE; a NULL or short
    /// output buffer gets the length (the work is done again when the call is repeated).
    /// </summary>
    private void Reencrypt(BeginReencrypt m)
    {
        if (_active.ContainsKey(OperationKind.Encrypt) || _active.ContainsKey(OperationKind.Decrypt)) throw new CkException(CKR.OPERATION_ACTIVE);
        var (decInfo, dec) = Mechanism(m.DecryptMechanism.Type, CKF.DECRYPT, m.DecryptMechanism.Parameter);
        var (encInfo, enc) = Mechanism(m.EncryptMechanism.Type, CKF.ENCRYPT, m.EncryptMechanism.Parameter);
        KeyUsage.Check(m.DecryptKey.Attributes, CKA.DECRYPT, m.DecryptMechanism.Type, decInfo);
        KeyUsage.Check(m.EncryptKey.Attributes, CKA.ENCRYPT, m.EncryptMechanism.Type, encInfo);
        // A key that wants a context login before each use cannot be used by a call that has no room for one.
        if (m.DecryptKey.Attributes.IsTrue(CKA.ALWAYS_AUTHENTICATE)) throw new CkException(CKR.USER_NOT_LOGGED_IN);
        PolicyKeys(m.DecryptKey.Attributes, m.EncryptKey.Attributes);
        var plain = dec.CreateDecrypt(m.DecryptMechanism.Type, m.DecryptMechanism.Parameter, m.DecryptKey.Attributes).OneShot(m.Data);
        byte[] output;
        try
        {
            output = enc.CreateEncrypt(m.EncryptMechanism.Type, m.EncryptMechanism.Parameter, m.EncryptKey.Attributes).OneShot(plain);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }

        _stats?.Count(m.DecryptMechanism.Type, m.DecryptKey.Attributes);
        _stats?.Count(m.EncryptMechanism.Type, m.EncryptKey.Attributes);
        _out.Reset();
        _out.WriteULong((ulong)output.Length);
        if (m.Capacity == Frame.NullBuffer || m.Capacity < (ulong)output.Length)
        {
            _out.WriteNullableBytes(null);
            m.Client.Reply(m.Capacity == Frame.NullBuffer ? CKR.OK : CKR.BUFFER_TOO_SMALL, _out);
            return;
        }

        _out.WriteBytes(output);
        m.Client.Reply(CKR.OK, _out);
    }
}
