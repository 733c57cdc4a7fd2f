using System.Text;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native;

/// <summary>
/// Caller memory ↔ wire primitives (docs/wire-protocol.md): byte strings, templates, mechanisms, the
/// <c>cap</c>/<c>output</c> buffer convention and the count convention of the list functions.
/// Methods return CKR_OK or the rv the call must answer.
/// </summary>
internal static unsafe class Marshalling
{
    private const int MaxNesting = 4;

    /// <summary>True for the attributes whose value is itself an array of CK_ATTRIBUTE.</summary>
    public static bool IsNestedTemplate(ulong type) =>
        type is CKA.WRAP_TEMPLATE or CKA.UNWRAP_TEMPLATE or CKA.DERIVE_TEMPLATE;

    /// <summary>Caller bytes as <c>bytes</c>; NULL with length 0 is an empty string, NULL with a length is bad.</summary>
    public static ulong WriteData(WireWriter w, byte* data, ulong length)
    {
        if (length > Frame.MaxFrameLength) return CKR.DATA_LEN_RANGE;
        if (data is null)
        {
            if (length != 0) return CKR.ARGUMENTS_BAD;
            w.WriteUInt32(0);
            return CKR.OK;
        }

        w.WriteBytes(new ReadOnlySpan<byte>(data, (int)length));
        return CKR.OK;
    }

    /// <summary>Like <see cref="WriteData"/>, but a NULL pointer travels as the NULL marker (PINs: protected path).</summary>
    public static ulong WriteNullableData(WireWriter w, byte* data, ulong length)
    {
        if (data is null)
        {
            w.WriteUInt32(Frame.NullBytes);
            return CKR.OK;
        }

        return WriteData(w, data, length);
    }

    /// <summary>A <c>template</c>: values copied raw; CKA_WRAP/UNWRAP/DERIVE_TEMPLATE values as a nested template.</summary>
    public static ulong WriteTemplate(WireWriter w, CK_ATTRIBUTE* template, ulong count, int depth = 0)
    {
        if (template is null && count != 0) return CKR.ARGUMENTS_BAD;
        if (count > Frame.MaxFrameLength / 12) return CKR.ARGUMENTS_BAD;
        w.WriteUInt32((uint)count);
        for (ulong i = 0; i < count; i++)
        {
            var a = template + i;
            w.WriteULong(a->type);
            if (a->pValue is null)
            {
                w.WriteUInt32(Frame.NullBytes);
                continue;
            }

            if (IsNestedTemplate(a->type))
            {
                if (depth >= MaxNesting || a->ulValueLen % (ulong)sizeof(CK_ATTRIBUTE) != 0) return CKR.ATTRIBUTE_VALUE_INVALID;
                var at = w.Reserve(4);
                var start = w.Length;
                var rv = WriteTemplate(w, (CK_ATTRIBUTE*)a->pValue, a->ulValueLen / (ulong)sizeof(CK_ATTRIBUTE), depth + 1);
                if (rv != CKR.OK) return rv;
                w.PatchUInt32(at, (uint)(w.Length - start));
                continue;
            }

            if (a->ulValueLen > Frame.MaxFrameLength) return CKR.ATTRIBUTE_VALUE_INVALID;
            w.WriteBytes(new ReadOnlySpan<byte>(a->pValue, (int)a->ulValueLen));
        }

        return CKR.OK;
    }

    /// <summary>A <c>mechanism</c>: parameters holding pointers flattened (MechanismParams), others raw.</summary>
    public static ulong WriteMechanism(WireWriter w, CK_MECHANISM* mechanism)
    {
        if (mechanism is null) return CKR.ARGUMENTS_BAD;
        w.WriteULong(mechanism->mechanism);
        var p = mechanism->pParameter;
        var len = mechanism->ulParameterLen;
        if (p is null)
        {
            w.WriteUInt32(Frame.NullBytes);
            return CKR.OK;
        }

        if (len > Frame.MaxFrameLength) return CKR.MECHANISM_PARAM_INVALID;
        var kind = MechanismParams.KindOf(mechanism->mechanism);
        if (!MechanismParams.HoldsPointers(kind))
        {
            w.WriteBytes(new ReadOnlySpan<byte>(p, (int)len));
            return CKR.OK;
        }

        var at = w.Reserve(4);
        var start = w.Length;
        var rv = WriteFlattened(w, kind, (byte*)p, len);
        if (rv != CKR.OK) return rv;
        w.PatchUInt32(at, (uint)(w.Length - start));
        return CKR.OK;
    }

    private static ulong WriteGcm(WireWriter w, void* p, ulong len)
    {
        if (len == (ulong)sizeof(CK_GCM_PARAMS))
        {
            var g = (CK_GCM_PARAMS*)p;
            if (!Span(g->pIv, g->ulIvLen, out var iv) || !Span(g->pAAD, g->ulAADLen, out var aad)) return CKR.MECHANISM_PARAM_INVALID;
            GcmParams.Write(w, iv, g->ulIvBits, aad, g->ulTagBits);
            return CKR.OK;
        }

        if (len == (ulong)sizeof(CK_GCM_PARAMS_V240))
        {
            var g = (CK_GCM_PARAMS_V240*)p;
            if (!Span(g->pIv, g->ulIvLen, out var iv) || !Span(g->pAAD, g->ulAADLen, out var aad)) return CKR.MECHANISM_PARAM_INVALID;
            GcmParams.Write(w, iv, g->ulIvLen * 8, aad, g->ulTagBits);
            return CKR.OK;
        }

        return CKR.MECHANISM_PARAM_INVALID;
    }

    private static ulong WriteOaep(WireWriter w, void* p, ulong len)
    {
        if (len != (ulong)sizeof(CK_RSA_PKCS_OAEP_PARAMS)) return CKR.MECHANISM_PARAM_INVALID;
        var o = (CK_RSA_PKCS_OAEP_PARAMS*)p;
        if (!Span((byte*)o->pSourceData, o->ulSourceDataLen, out var source)) return CKR.MECHANISM_PARAM_INVALID;
        OaepParams.Write(w, o->hashAlg, o->mgf, o->source, source);
        return CKR.OK;
    }

    private static ulong WriteEcdh1(WireWriter w, void* p, ulong len)
    {
        if (len != (ulong)sizeof(CK_ECDH1_DERIVE_PARAMS)) return CKR.MECHANISM_PARAM_INVALID;
        var e = (CK_ECDH1_DERIVE_PARAMS*)p;
        if (!Span(e->pSharedData, e->ulSharedDataLen, out var shared) || !Span(e->pPublicData, e->ulPublicDataLen, out var pub))
            return CKR.MECHANISM_PARAM_INVALID;
        Ecdh1DeriveParams.Write(w, e->kdf, shared, pub);
        return CKR.OK;
    }

    /// <summary>
    /// The pointer-holding parameters by their kind (docs/wire-protocol.md, "Flattened mechanism parameters"), read at their LP64
    /// offsets: CK_ULONG and pointers are 8 bytes, a leading CK_BBOOL is padded to 8.
    /// </summary>
    private static ulong WriteFlattened(WireWriter w, ParamKind kind, byte* p, ulong len)
    {
        static ulong U(byte* b, int offset) => *(ulong*)(b + offset);
        static byte* P(byte* b, int offset) => *(byte**)(b + offset);
        switch (kind)
        {
            case ParamKind.Gcm:
                return WriteGcm(w, p, len);

            case ParamKind.Oaep:
                return WriteOaep(w, p, len);

            case ParamKind.Ecdh1:
                return WriteEcdh1(w, p, len);

            case ParamKind.Ccm:
            {
                // CK_CCM_PARAMS { ulDataLen; pNonce; ulNonceLen; pAAD; ulAADLen; ulMACLen }
                if (len != 48 || !Span(P(p, 8), U(p, 16), out var nonce) || !Span(P(p, 24), U(p, 32), out var aad)) return CKR.MECHANISM_PARAM_INVALID;
                CcmParams.Write(w, U(p, 0), nonce, aad, U(p, 40));
                return CKR.OK;
            }

            case ParamKind.KeyDerivationStringData:
            {
                // CK_KEY_DERIVATION_STRING_DATA { pData; ulLen }
                if (len != 16 || !Span(P(p, 0), U(p, 8), out var data)) return CKR.MECHANISM_PARAM_INVALID;
                KeyDerivationStringData.Write(w, data);
                return CKR.OK;
            }

            case ParamKind.AesCbcEncryptData:
            {
                // CK_AES_CBC_ENCRYPT_DATA_PARAMS { iv[16]; pData; length }
                if (len != 32 || !Span(P(p, 16), U(p, 24), out var data)) return CKR.MECHANISM_PARAM_INVALID;
                AesCbcEncryptDataParams.Write(w, new ReadOnlySpan<byte>(p, 16), data);
                return CKR.OK;
            }

            case ParamKind.DesCbcEncryptData:
            {
                // CK_DES_CBC_ENCRYPT_DATA_PARAMS { iv[8]; pData; length }
                if (len != 24 || !Span(P(p, 8), U(p, 16), out var data)) return CKR.MECHANISM_PARAM_INVALID;
                AesCbcEncryptDataParams.Write(w, new ReadOnlySpan<byte>(p, 8), data);
                return CKR.OK;
            }

            case ParamKind.EdDsa:
            {
                // CK_EDDSA_PARAMS { phFlag (CK_BBOOL); ulContextDataLen; pContextData }
                if (len != 24 || !Span(P(p, 16), U(p, 8), out var context)) return CKR.MECHANISM_PARAM_INVALID;
                EdDsaParams.Write(w, p[0] != 0, context);
                return CKR.OK;
            }

            case ParamKind.Hkdf:
            {
                // CK_HKDF_PARAMS { bExtract; bExpand; prfHashMechanism; ulSaltType; pSalt; ulSaltLen; hSaltKey; pInfo; ulInfoLen }
                if (len != 64 || !Span(P(p, 24), U(p, 32), out var salt) || !Span(P(p, 48), U(p, 56), out var info)) return CKR.MECHANISM_PARAM_INVALID;
                HkdfParams.Write(w, p[0] != 0, p[1] != 0, U(p, 8), U(p, 16), salt, U(p, 40), info);
                return CKR.OK;
            }

            case ParamKind.Pbkdf2:
            {
                // CK_PKCS5_PBKD2_PARAMS2 { saltSource; pSaltSourceData; ulSaltSourceDataLen; iterations; prf; pPrfData;
                //                          ulPrfDataLen; pPassword; ulPasswordLen }
                if (len != 72 || !Span(P(p, 8), U(p, 16), out var salt) || !Span(P(p, 40), U(p, 48), out var prfData)
                    || !Span(P(p, 56), U(p, 64), out var password))
                    return CKR.MECHANISM_PARAM_INVALID;
                Pbkdf2Params.Write(w, U(p, 0), salt, U(p, 24), U(p, 32), prfData, password);
                return CKR.OK;
            }

            case ParamKind.ChaCha20Poly1305:
            {
                // CK_SALSA20_CHACHA20_POLY1305_PARAMS { pNonce; ulNonceLen; pAAD; ulAADLen }
                if (len != 32 || !Span(P(p, 0), U(p, 8), out var nonce) || !Span(P(p, 16), U(p, 24), out var aad)) return CKR.MECHANISM_PARAM_INVALID;
                ChaCha20Poly1305Params.Write(w, nonce, aad);
                return CKR.OK;
            }

            case ParamKind.ChaCha20:
            {
                // CK_CHACHA20_PARAMS { pBlockCounter; blockCounterBits; pNonce; ulNonceBits }
                if (len != 32 || U(p, 8) % 8 != 0 || U(p, 24) % 8 != 0 || !Span(P(p, 0), U(p, 8) / 8, out var counter)
                    || !Span(P(p, 16), U(p, 24) / 8, out var nonce))
                    return CKR.MECHANISM_PARAM_INVALID;
                ChaCha20Params.Write(w, counter, U(p, 8), nonce);
                return CKR.OK;
            }

            case ParamKind.RsaAesKeyWrap:
            {
                // CK_RSA_AES_KEY_WRAP_PARAMS { ulAESKeyBits; pOAEPParams }
                if (len != 16 || P(p, 8) is null) return CKR.MECHANISM_PARAM_INVALID;
                w.WriteULong(U(p, 0));
                return WriteOaep(w, P(p, 8), (ulong)sizeof(CK_RSA_PKCS_OAEP_PARAMS));
            }

            case ParamKind.Sp800108:
                // CK_SP800_108_KDF_PARAMS { prfType; ulNumberOfDataParams; pDataParams; ulAdditionalDerivedKeys; pAdditionalDerivedKeys }
                return len == 40 ? WriteSp800108(w, U(p, 0), U(p, 8), P(p, 16), default, U(p, 24), P(p, 32)) : CKR.MECHANISM_PARAM_INVALID;

            case ParamKind.Sp800108Feedback:
            {
                // CK_SP800_108_FEEDBACK_KDF_PARAMS { prfType; ulNumberOfDataParams; pDataParams; ulIVLen; pIV;
                //                                    ulAdditionalDerivedKeys; pAdditionalDerivedKeys }
                if (len != 56 || !Span(P(p, 32), U(p, 24), out var iv)) return CKR.MECHANISM_PARAM_INVALID;
                return WriteSp800108(w, U(p, 0), U(p, 8), P(p, 16), iv, U(p, 40), P(p, 48));
            }

            case ParamKind.Tls12MasterKeyDerive:
                // CK_TLS12_MASTER_KEY_DERIVE_PARAMS { RandomInfo; pVersion; prfHashMechanism }
                return len == 48 ? WriteTls(w, U(p, 40), p, P(p, 32) is not null, 0, 0, 0, false, default, default) : CKR.MECHANISM_PARAM_INVALID;

            case ParamKind.Ssl3MasterKeyDerive:
                // CK_SSL3_MASTER_KEY_DERIVE_PARAMS { RandomInfo; pVersion }
                return len == 40 ? WriteTls(w, 0, p, P(p, 32) is not null, 0, 0, 0, false, default, default) : CKR.MECHANISM_PARAM_INVALID;

            case ParamKind.Tls12KeyMat:
            case ParamKind.Ssl3KeyMat:
            {
                // CK_TLS12_KEY_MAT_PARAMS { ulMacSizeInBits; ulKeySizeInBits; ulIVSizeInBits; bIsExport; RandomInfo;
                //                           pReturnedKeyMaterial; prfHashMechanism } (CK_SSL3_KEY_MAT_PARAMS: without the last)
                if (len != (kind == ParamKind.Tls12KeyMat ? 80UL : 72UL) || P(p, 64) is null) return CKR.MECHANISM_PARAM_INVALID;
                var keyMat = (CK_SSL3_KEY_MAT_OUT*)P(p, 64);
                if (U(p, 16) % 8 != 0 || U(p, 16) > 1024 || (U(p, 16) > 0 && (keyMat->pIVClient is null || keyMat->pIVServer is null)))
                    return CKR.MECHANISM_PARAM_INVALID;
                return WriteTls(w, kind == ParamKind.Tls12KeyMat ? U(p, 72) : 0, p + 32, false, U(p, 0), U(p, 8), U(p, 16), p[24] != 0, default, default);
            }

            case ParamKind.TlsKdf:
            {
                // CK_TLS_KDF_PARAMS { prfMechanism; pLabel; ulLabelLength; RandomInfo; pContextData; ulContextDataLength }
                if (len != 72 || !Span(P(p, 8), U(p, 16), out var label) || !Span(P(p, 56), U(p, 64), out var context)) return CKR.MECHANISM_PARAM_INVALID;
                return WriteTls(w, U(p, 0), p + 24, false, 0, 0, 0, false, label, context);
            }

            case ParamKind.SignAdditionalContext:
            {
                // CK_SIGN_ADDITIONAL_CONTEXT { hedgeVariant; pContext; ulContextLen } and
                // CK_HASH_SIGN_ADDITIONAL_CONTEXT { hedgeVariant; pContext; ulContextLen; hash }
                if (len is not (24 or 32) || !Span(P(p, 8), U(p, 16), out var context)) return CKR.MECHANISM_PARAM_INVALID;
                SignContextParams.Write(w, U(p, 0), context, len == 32 ? U(p, 24) : CK.UNAVAILABLE_INFORMATION);
                return CKR.OK;
            }

            default:
                return CKR.MECHANISM_PARAM_INVALID;
        }
    }

    /// <summary>The TLS parameters as <see cref="TlsParams"/>; <paramref name="random"/> points at a CK_SSL3_RANDOM_DATA.</summary>
    private static ulong WriteTls(WireWriter w, ulong prf, byte* random, bool versionWanted, ulong macBits, ulong keyBits, ulong ivBits, bool export,
        ReadOnlySpan<byte> label, ReadOnlySpan<byte> context)
    {
        // CK_SSL3_RANDOM_DATA { pClientRandom; ulClientRandomLen; pServerRandom; ulServerRandomLen }
        if (!Span(*(byte**)random, *(ulong*)(random + 8), out var client) || !Span(*(byte**)(random + 16), *(ulong*)(random + 24), out var server))
            return CKR.MECHANISM_PARAM_INVALID;
        TlsParams.Write(w, prf, client, server, versionWanted, macBits, keyBits, ivBits, export, label, context);
        return CKR.OK;
    }

    /// <summary>
    /// The outputs of C_DeriveKey: the new key's handle into *phKey, and what some mechanisms return through their parameter —
    /// the handles of SP 800-108 additional keys, the CK_VERSION of a TLS/SSL3 master key derivation, the CK_SSL3_KEY_MAT_OUT
    /// handles and IVs of a key and MAC derivation (which makes no key of its own).
    /// </summary>
    public static void ReadDeriveOutputs(ulong rv, ref WireReader reply, CK_MECHANISM* mechanism, ulong* phKey)
    {
        var p = (byte*)mechanism->pParameter;
        switch (MechanismParams.KindOf(mechanism->mechanism))
        {
            case ParamKind.Tls12KeyMat or ParamKind.Ssl3KeyMat:
            {
                if (rv != CKR.OK) return;
                var keyMat = (CK_SSL3_KEY_MAT_OUT*)*(byte**)(p + 64);
                var macBits = *(ulong*)p;
                var keyBits = *(ulong*)(p + 8);
                keyMat->hClientMacSecret = macBits > 0 ? reply.ReadULong() : 0;
                keyMat->hServerMacSecret = macBits > 0 ? reply.ReadULong() : 0;
                keyMat->hClientKey = keyBits > 0 ? reply.ReadULong() : 0;
                keyMat->hServerKey = keyBits > 0 ? reply.ReadULong() : 0;
                var ivLength = mechanism->mechanism == CKM.TLS12_KEY_SAFE_DERIVE ? 0 : (int)(*(ulong*)(p + 16) / 8);
                if (ivLength == 0) return;
                reply.ReadRaw(ivLength).CopyTo(new Span<byte>(keyMat->pIVClient, ivLength));
                reply.ReadRaw(ivLength).CopyTo(new Span<byte>(keyMat->pIVServer, ivLength));
                return;
            }

            case ParamKind.Tls12MasterKeyDerive or ParamKind.Ssl3MasterKeyDerive:
            {
                Exports.Calls.ReadHandle(rv, ref reply, phKey);
                if (rv != CKR.OK) return;
                // The token answers the version exactly when the caller gave pVersion (TlsParams.VersionWanted).
                var pVersion = *(byte**)(p + 32);
                if (pVersion is not null) reply.ReadRaw(2).CopyTo(new Span<byte>(pVersion, 2));
                return;
            }

            case ParamKind.Sp800108 or ParamKind.Sp800108Feedback:
                Exports.Calls.ReadHandle(rv, ref reply, phKey);
                ReadAdditionalKeys(rv, ref reply, mechanism);
                return;
            default:
                Exports.Calls.ReadHandle(rv, ref reply, phKey);
                return;
        }
    }

    /// <summary>
    /// The SP 800-108 parameters as <see cref="Sp800108Params"/>: each CK_PRF_DATA_PARAM { type; pValue; ulValueLen } with its
    /// value's bytes, then each CK_DERIVED_KEY { pTemplate; ulAttributeCount; phKey } as its template (phKey must not be NULL).
    /// </summary>
    private static ulong WriteSp800108(WireWriter w, ulong prf, ulong count, byte* data, ReadOnlySpan<byte> iv, ulong keys, byte* derived)
    {
        if (count > 64 || keys > 64 || (count > 0 && data is null) || (keys > 0 && derived is null)) return CKR.MECHANISM_PARAM_INVALID;
        w.WriteULong(prf);
        w.WriteUInt32((uint)count);
        for (ulong i = 0; i < count; i++)
        {
            var d = data + (i * 24);
            if (!Span(*(byte**)(d + 8), *(ulong*)(d + 16), out var value)) return CKR.MECHANISM_PARAM_INVALID;
            w.WriteULong(*(ulong*)d);
            w.WriteBytes(value);
        }

        w.WriteBytes(iv);
        w.WriteUInt32((uint)keys);
        for (ulong i = 0; i < keys; i++)
        {
            var k = derived + (i * 24);
            if (*(ulong**)(k + 16) is null) return CKR.MECHANISM_PARAM_INVALID;
            var rv = WriteTemplate(w, *(CK_ATTRIBUTE**)k, *(ulong*)(k + 8));
            if (rv != CKR.OK) return rv == CKR.ARGUMENTS_BAD ? CKR.MECHANISM_PARAM_INVALID : rv;
        }

        return CKR.OK;
    }

    /// <summary>
    /// After C_DeriveKey with an SP 800-108 KDF: the handles of the additional derived keys (read from the reply after the
    /// first key's handle) into each CK_DERIVED_KEY.phKey; CK_INVALID_HANDLE in each when the call failed.
    /// </summary>
    private static void ReadAdditionalKeys(ulong rv, ref WireReader reply, CK_MECHANISM* mechanism)
    {
        var p = (byte*)mechanism->pParameter;
        if (p is null) return;
        var feedback = MechanismParams.KindOf(mechanism->mechanism) == ParamKind.Sp800108Feedback;
        if (mechanism->ulParameterLen != (feedback ? 56UL : 40UL)) return;
        var keys = *(ulong*)(p + (feedback ? 40 : 24));
        var derived = *(byte**)(p + (feedback ? 48 : 32));
        if (derived is null || keys > 64) return;
        for (ulong i = 0; i < keys; i++)
        {
            var phKey = *(ulong**)(derived + (i * 24) + 16);
            var handle = rv == CKR.OK ? reply.ReadULong() : 0;
            if (phKey is not null) *phKey = handle;
        }
    }

    private static bool Span(byte* p, ulong len, out ReadOnlySpan<byte> span)
    {
        span = default;
        if (len == 0) return true;
        if (p is null || len > Frame.MaxFrameLength) return false;
        span = new ReadOnlySpan<byte>(p, (int)len);
        return true;
    }

    /// <summary>The <c>cap</c> of an output buffer: NullBuffer for a NULL pointer, else *pulLen.</summary>
    public static ulong Cap(byte* output, ulong* pulLen) => output is null ? Frame.NullBuffer : *pulLen;

    /// <summary>
    /// Reads an <c>output</c> reply into the caller's buffer. On CKR_OK and CKR_BUFFER_TOO_SMALL sets *pulLen and
    /// copies the data when delivered; any other rv leaves the caller's memory alone.
    /// </summary>
    public static ulong ReadOutput(ulong rv, ref WireReader reply, byte* output, ulong* pulLen, ulong cap)
    {
        if (rv != CKR.OK && rv != CKR.BUFFER_TOO_SMALL) return rv;
        var length = reply.ReadULong();
        if (ReadNullable(ref reply, out var data))
        {
            if (output is null || (ulong)data.Length > cap || (ulong)data.Length != length)
                throw new WireFormatException("output longer than the caller's buffer");
            data.CopyTo(new Span<byte>(output, data.Length));
        }

        *pulLen = length;
        return rv;
    }

    /// <summary><c>bytes</c> that may be the NULL marker, without copying. False for NULL.</summary>
    public static bool ReadNullable(ref WireReader reply, out ReadOnlySpan<byte> data)
    {
        var n = reply.ReadUInt32();
        if (n == Frame.NullBytes)
        {
            data = default;
            return false;
        }

        if (n > int.MaxValue) throw new WireFormatException("byte string longer than frame");
        data = reply.ReadRaw((int)n);
        return true;
    }

    /// <summary>
    /// A <c>ulongs</c> reply under the count convention of C_GetSlotList/C_GetMechanismList: NULL list → count only;
    /// *pulCount too small → CKR_BUFFER_TOO_SMALL with the count; otherwise copy.
    /// </summary>
    public static ulong ReadList(ref WireReader reply, ulong* list, ulong* pulCount)
    {
        var count = reply.ReadUInt32();
        if (count > (uint)(reply.Remaining / 8)) throw new WireFormatException("list longer than frame");
        if (list is null)
        {
            *pulCount = count;
            return CKR.OK;
        }

        if (*pulCount < count)
        {
            *pulCount = count;
            return CKR.BUFFER_TOO_SMALL;
        }

        for (uint i = 0; i < count; i++) list[i] = reply.ReadULong();
        *pulCount = count;
        return CKR.OK;
    }

    /// <summary>Copies exactly <paramref name="width"/> bytes of a <c>padded(n)</c> field into a CK_UTF8CHAR array.</summary>
    public static void ReadPadded(ref WireReader reply, byte* destination, int width) =>
        reply.ReadRaw(width).CopyTo(new Span<byte>(destination, width));

    /// <summary>Fills a CK_UTF8CHAR array with space-padded UTF-8 text.</summary>
    public static void Pad(string text, byte* destination, int width)
    {
        var span = new Span<byte>(destination, width);
        span.Fill((byte)' ');
        var bytes = Encoding.UTF8.GetBytes(text);
        bytes.AsSpan(0, Math.Min(bytes.Length, width)).CopyTo(span);
    }

    public static CK_VERSION ReadVersion(ref WireReader reply) => new(reply.ReadByte(), reply.ReadByte());

    // ---- trace formatting: types, handles and lengths only, never values ----

    public static string Describe(CK_MECHANISM* m) =>
        m is null ? "mech=NULL" : $"mech={Trace.Hex(m->mechanism)} paramLen={(m->pParameter is null ? "NULL" : m->ulParameterLen.ToString())}";

    public static string Describe(CK_ATTRIBUTE* template, ulong count)
    {
        if (template is null) return $"template=NULL count={count}";
        var sb = new StringBuilder("template=[");
        for (ulong i = 0; i < count && i < 64; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append(Trace.Hex(template[i].type)).Append('/')
                .Append(template[i].pValue is null ? "NULL" : template[i].ulValueLen.ToString());
        }

        if (count > 64) sb.Append(" ...");
        return sb.Append(']').ToString();
    }

    public static string Len(ulong* pul) => pul is null ? "NULL" : (*pul).ToString();
}
