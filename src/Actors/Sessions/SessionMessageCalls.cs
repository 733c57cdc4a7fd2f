using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Objects;
using static OpenCryptokiActors.Actors.Sessions.SessionCommands;
using static OpenCryptokiActors.Actors.Sessions.SessionProtocol;

namespace OpenCryptokiActors.Actors.Sessions;

/// <summary>
/// The message-based functions of a session (PKCS#11 3.0 §5.15–5.18) on its <see cref="MessageCipher"/> and
/// <see cref="MessageSigner"/> contexts. A failed message ends that message only; the context stays until C_Message*Final.
/// </summary>
public sealed class SessionMessageCalls(SessionContext ctx)
{
    public static MessageSigner NewSigner(ulong type, byte[]? parameter, IMechanism impl, AttributeSet key, bool sign)
    {
        var signer = new MessageSigner(type, parameter, impl, key, sign);
        signer.Probe();
        return signer;
    }

    public void Handle(Request request)
    {
        switch (request)
        {
            case EncryptMessage c: EncryptMessage(c); break;
            case DecryptMessage c: DecryptMessage(c); break;
            case CipherMessageBegin c: CipherBegin(c); break;
            case CipherMessageNext c: CipherNext(c); break;
            case SignMessage c: SignMessage(c); break;
            case VerifyMessage c: VerifyMessage(c); break;
            case SignerMessageBegin c:
                MessageSigner.CheckParameter(c.Parameter);
                Signer(c.Kind).Begin();
                c.Ok();
                break;
            case SignMessageNext c: SignNext(c); break;
            case VerifyMessageNext c: VerifyNext(c); break;
            case MessageFinal c:
                // Ending the operation needs no context login (one that never got it is simply given up).
                if (!ctx.Active.Remove(c.Kind)) throw new CkException(CKR.OPERATION_NOT_INITIALIZED);
                c.Ok();
                break;
            default:
                throw new CkException(CKR.FUNCTION_NOT_SUPPORTED);
        }
    }

    private MessageCipher Cipher(OperationKind kind) =>
        ctx.Take(kind) is MessageCipherOperation m ? m.Cipher : throw new CkException(CKR.OPERATION_NOT_INITIALIZED);

    private MessageSigner Signer(OperationKind kind) =>
        ctx.Take(kind) is MessageSignerOperation m ? m.Signer : throw new CkException(CKR.OPERATION_NOT_INITIALIZED);

    /// <summary>
    /// Output rules without computing: a NULL or short buffer gets the length (CKR_OK / CKR_BUFFER_TOO_SMALL) and the call
    /// does nothing else. False when the answer has been sent.
    /// </summary>
    public static bool Fits(Request c, ulong length, ulong capacity)
    {
        if (capacity != Frame.NullBuffer && capacity >= length) return true;
        c.Answer(capacity == Frame.NullBuffer ? CKR.OK : CKR.BUFFER_TOO_SMALL, Output.LengthOnly(length));
        return false;
    }

    private void EncryptMessage(EncryptMessage c)
    {
        var cipher = Cipher(OperationKind.MessageEncrypt);
        if (cipher.InMessage) throw new CkException(CKR.OPERATION_ACTIVE);
        if (!Fits(c, (ulong)c.Data.Length, c.Capacity)) return;
        var iv = cipher.Iv(c.Parameter);
        var (output, tag) = cipher.Encrypt(c.Parameter, iv, c.Aad, c.Data);
        c.Ok(new MessageOutput(output, iv, tag));
    }

    private void DecryptMessage(DecryptMessage c)
    {
        var cipher = Cipher(OperationKind.MessageDecrypt);
        if (cipher.InMessage) throw new CkException(CKR.OPERATION_ACTIVE);
        if (!Fits(c, (ulong)c.Data.Length, c.Capacity)) return;
        c.Ok(Output.Delivered(cipher.Decrypt(c.Parameter, cipher.Iv(c.Parameter), c.Aad, c.Data)));
    }

    private void CipherBegin(CipherMessageBegin c)
    {
        var cipher = Cipher(c.Kind);
        if (cipher.InMessage) throw new CkException(CKR.OPERATION_ACTIVE);
        var iv = cipher.Iv(c.Parameter);
        cipher.Begin(c.Parameter, iv, c.Aad);
        c.Ok(new Bytes(iv));
    }

    /// <summary>Parts before CKF_END_OF_MESSAGE return no output; the last returns the whole message (and the tag when encrypting).</summary>
    private void CipherNext(CipherMessageNext c)
    {
        var cipher = Cipher(c.Kind);
        var end = (c.Flags & CKF.END_OF_MESSAGE) != 0;
        if (!Fits(c, end ? (ulong)cipher.LengthWith(c.Part.Length) : 0, c.Capacity)) return;
        var (output, tag) = cipher.Next(c.Parameter, c.Part, end);
        c.Ok(new MessageOutput(output, null, tag));
    }

    private void SignMessage(SignMessage c)
    {
        MessageSigner.CheckParameter(c.Parameter);
        var signer = Signer(OperationKind.MessageSign);
        if (signer.InMessage) throw new CkException(CKR.OPERATION_ACTIVE);
        DeliverSignature(c, signer, c.Data, c.Capacity, () => signer.Sign(c.Data));
    }

    private void VerifyMessage(VerifyMessage c)
    {
        MessageSigner.CheckParameter(c.Parameter);
        var verifier = Signer(OperationKind.MessageVerify);
        if (verifier.InMessage) throw new CkException(CKR.OPERATION_ACTIVE);
        c.Answer(verifier.Verify(c.Data, c.Signature) ? CKR.OK : CKR.SIGNATURE_INVALID);
    }

    private void SignNext(SignMessageNext c)
    {
        MessageSigner.CheckParameter(c.Parameter);
        var signer = Signer(OperationKind.MessageSign);
        if (!c.Last)
        {
            signer.Update(c.Part);
            c.Ok();
            return;
        }

        DeliverSignature(c, signer, c.Part, c.Capacity, () => signer.SignFinal(c.Part));
    }

    private void VerifyNext(VerifyMessageNext c)
    {
        MessageSigner.CheckParameter(c.Parameter);
        var verifier = Signer(OperationKind.MessageVerify);
        if (c.Signature is null)
        {
            verifier.Update(c.Part);
            c.Ok();
            return;
        }

        c.Answer(verifier.VerifyFinal(c.Part, c.Signature) ? CKR.OK : CKR.SIGNATURE_INVALID);
    }

    /// <summary>A signature under the output rules: a NULL or short buffer keeps it for the repeated call with the same data.</summary>
    private static void DeliverSignature(Request c, MessageSigner signer, byte[] data, ulong capacity, Func<byte[]> compute)
    {
        var signature = signer.StashInput is not null && signer.StashInput.AsSpan().SequenceEqual(data) ? signer.StashOutput! : compute();
        signer.StashInput = null;
        signer.StashOutput = null;
        if (!Fits(c, (ulong)signature.Length, capacity))
        {
            signer.StashInput = data;
            signer.StashOutput = signature;
            return;
        }

        c.Ok(Output.Delivered(signature));
    }
}
