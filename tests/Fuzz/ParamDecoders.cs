using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Fuzz;

/// <summary>The mechanism-parameter decoders of src/Cryptoki/Wire/MechanismParams*.cs, selected by kind.</summary>
public static class ParamDecoders
{
    /// <summary>Decodes <paramref name="parameter"/> in the canonical form of <paramref name="kind"/> (mechanisms
    /// with a flattened form of their own are told by <paramref name="mechanism"/>).</summary>
    public static void Decode(ParamKind kind, ulong mechanism, byte[]? parameter)
    {
        if (parameter is null) return;
        switch (mechanism)
        {
            case CKM.AES_GCM: GcmParams.Decode(parameter); return;
            case CKM.RSA_PKCS_OAEP: OaepParams.Decode(parameter); return;
            case CKM.ECDH1_DERIVE or CKM.ECDH1_COFACTOR_DERIVE: Ecdh1DeriveParams.Decode(parameter); return;
        }

        switch (kind)
        {
            case ParamKind.Gcm: GcmParams.Decode(parameter); break;
            case ParamKind.Oaep: OaepParams.Decode(parameter); break;
            case ParamKind.Ecdh1: Ecdh1DeriveParams.Decode(parameter); break;
            case ParamKind.Ccm: CcmParams.Decode(parameter); break;
            case ParamKind.KeyDerivationStringData: KeyDerivationStringData.Decode(parameter); break;
            case ParamKind.AesCbcEncryptData or ParamKind.DesCbcEncryptData: AesCbcEncryptDataParams.Decode(parameter); break;
            case ParamKind.EdDsa: EdDsaParams.Decode(parameter); break;
            case ParamKind.Hkdf: HkdfParams.Decode(parameter); break;
            case ParamKind.Pbkdf2: Pbkdf2Params.Decode(parameter); break;
            case ParamKind.ChaCha20Poly1305: ChaCha20Poly1305Params.Decode(parameter); break;
            case ParamKind.ChaCha20: ChaCha20Params.Decode(parameter); break;
            case ParamKind.RsaAesKeyWrap: RsaAesKeyWrapParams.Decode(parameter); break;
            case ParamKind.Sp800108 or ParamKind.Sp800108Feedback: Sp800108Params.Decode(parameter); break;
            case ParamKind.Tls12MasterKeyDerive or ParamKind.Ssl3MasterKeyDerive or ParamKind.Tls12KeyMat or ParamKind.Ssl3KeyMat or ParamKind.TlsKdf:
                TlsParams.Decode(parameter);
                break;
            case ParamKind.SignAdditionalContext: SignContextParams.Decode(parameter); break;
            case ParamKind.Raw: break;
        }
    }

    /// <summary>The mechparams target: first byte picks a decoder (all of them, MessageParams last), the rest is its input.</summary>
    public static void FromInput(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty) return;
        // the corpus's first bytes pick from this order (the decoders with a kind of their own; GCM, OAEP and ECDH1 below)
        ReadOnlySpan<ParamKind> kinds =
        [
            ParamKind.Raw, ParamKind.Ccm, ParamKind.KeyDerivationStringData, ParamKind.AesCbcEncryptData, ParamKind.DesCbcEncryptData,
            ParamKind.EdDsa, ParamKind.Hkdf, ParamKind.Pbkdf2, ParamKind.ChaCha20Poly1305, ParamKind.ChaCha20, ParamKind.RsaAesKeyWrap,
            ParamKind.Sp800108, ParamKind.Sp800108Feedback, ParamKind.Tls12MasterKeyDerive, ParamKind.Ssl3MasterKeyDerive,
            ParamKind.Tls12KeyMat, ParamKind.Ssl3KeyMat, ParamKind.TlsKdf, ParamKind.SignAdditionalContext,
        ];
        var pick = input[0] % (kinds.Length + 4);
        var parameter = input[1..].ToArray();
        if (pick < kinds.Length) Decode(kinds[pick], ulong.MaxValue, parameter);
        else if (pick == kinds.Length) GcmParams.Decode(parameter);
        else if (pick == kinds.Length + 1) OaepParams.Decode(parameter);
        else if (pick == kinds.Length + 2) Ecdh1DeriveParams.Decode(parameter);
        else MessageParams.Decode(parameter);
    }
}
