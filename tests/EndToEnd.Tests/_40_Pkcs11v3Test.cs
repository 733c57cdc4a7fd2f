using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// A private daemon with one initialised token, and clients/v3client.c (which drives the module through the 3.0
/// function list from C_GetInterface("PKCS 11", {3,0})) run once against it; the tests read its report.
/// </summary>
public sealed class Pkcs11v3Daemon : IDisposable
{
    public Pkcs11v3Daemon()
    {
        Daemon = StartDaemon("v3", [new SlotConfig(0, "v3-token", "PKCS#11 3.0 token")], group: "pkcs11");
        InitToken(Daemon, 0, "v3");
        var dir = NewDir("v3client");
        var client = Path.Combine(dir, "v3client");
        var source = Path.Combine(AppContext.BaseDirectory, "clients", "v3client.c");
        var build = ProcessRunner.Run("gcc", ["-O1", "-Wall", "-Werror", "-I/usr/include/p11-kit-1", "-o", client, source, "-ldl"],
            null, TimeSpan.FromSeconds(120));
        if (build.ExitCode != 0) throw new InvalidOperationException("gcc could not build v3client (needs gcc, libp11-kit-dev):\n" + build);
        Run = ProcessRunner.Run(client, [Repo.ModulePath, "0", UserPin], Env(Daemon.SocketPath), TimeSpan.FromSeconds(60));
    }

    public SlotDaemon Daemon { get; }

    /// <summary>The client's report: one line per check.</summary>
    public ProcessResult Run { get; }

    public void Dispose() => Discard(Daemon);
}

/// <summary>
/// The PKCS#11 3.0 functions through the real module: C_LoginUser, the dual-function updates, C_SessionCancel, digest operation state,
/// message-based encryption (AES-GCM, AES-CCM, ChaCha20-Poly1305, checked against .NET) and message-based signing (HMAC, ECDSA, RSA-PSS).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _40_Pkcs11v3Test(Pkcs11v3Daemon v3) : IClassFixture<Pkcs11v3Daemon>
{
    private void Line(string expected)
    {
        var r = v3.Run;
        Assert.True(r.ExitCode == 0 && r.Stdout.Contains("DONE\n"), r + "\n" + v3.Daemon.OutputTail());
        Assert.True(r.Stdout.Contains(expected + "\n"), $"expected line '{expected}' in\n{r.Stdout}");
    }

    [Fact]
    public void The_client_gets_the_3_0_function_list_from_C_GetInterface() => Line("interface version=3.0");

    [Fact]
    public void C_LoginUser_accepts_no_name_or_the_fixed_name_of_the_role_and_then_behaves_as_C_Login()
    {
        Line("loginuser-wrong-name rv=0xa0"); // CKR_PIN_INCORRECT: no such user
        Line("loginuser-null-name-with-length rv=0x7"); // CKR_ARGUMENTS_BAD
        Line("loginuser-wrong-pin rv=0xa0");
        Line("loginuser-null-name rv=0x0");
        Line("loginuser-named rv=0x0");
        Line("session state=3"); // CKS_RW_USER_FUNCTIONS
        Line("loginuser-again rv=0x100"); // CKR_USER_ALREADY_LOGGED_IN
    }

    [Fact]
    public void C_DigestEncryptUpdate_encrypts_and_digests_in_one_call_with_the_output_buffer_conventions()
    {
        Line("digestencrypt-none-active rv=0x91"); // CKR_OPERATION_NOT_INITIALIZED
        Line("digestencrypt-digest-missing rv=0x91");
        Line("digestinit-twice rv=0x90"); // CKR_OPERATION_ACTIVE
        Line("digestencrypt-null rv=0x0 len=32");
        Line("digestencrypt-short rv=0x150 len=32"); // CKR_BUFFER_TOO_SMALL
        Line("digestencrypt rv=0x0 len=32 match=1");
        Line("digestencrypt-digest match=1"); // digested once, although asked three times
    }

    [Fact]
    public void C_DecryptDigestUpdate_decrypts_and_digests_the_plaintext()
    {
        Line("decryptdigest rv=0x0 len=32 match=1");
        Line("decryptdigest-digest match=1");
    }

    [Fact]
    public void C_SignEncryptUpdate_signs_and_encrypts_in_parts()
    {
        Line("signencrypt-encrypt-missing rv=0x91");
        Line("signencrypt rv=0x0 rv2=0x0 match=1");
        Line("signencrypt-mac match=1");
    }

    [Fact]
    public void C_DecryptVerifyUpdate_decrypts_and_verifies_the_plaintext()
    {
        Line("decryptverify rv=0x0 len=32 match=1");
        Line("decryptverify-verify rv=0x0");
        Line("decryptverify-verify-bad rv=0xc0"); // CKR_SIGNATURE_INVALID
    }

    [Fact]
    public void C_SessionCancel_ends_exactly_the_named_operations()
    {
        Line("cancel-digest rv=0x0");
        Line("cancel-digest-update rv=0x91");
        Line("cancel-encrypt-still-active rv=0x0");
        Line("cancel-several rv=0x0");
        Line("cancel-encrypt-update rv=0x91");
        Line("cancel-encrypt-init-again rv=0x0");
        Line("cancel-find rv=0x0");
        Line("cancel-find-objects rv=0x91");
        Line("cancel-find-init-again rv=0x0");
        Line("cancel-nothing-active rv=0x0");
        Line("cancel-bad-session rv=0xb3"); // CKR_SESSION_HANDLE_INVALID
    }

    /// <summary>The fields (name=hex or number) of the client's line that starts with <paramref name="name"/>, after checking rv=0x0.</summary>
    private Dictionary<string, string> Fields(string name)
    {
        var r = v3.Run;
        Assert.True(r.ExitCode == 0 && r.Stdout.Contains("DONE\n"), r + "\n" + v3.Daemon.OutputTail());
        var line = r.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no line '{name}' in\n{r.Stdout}");
        var fields = line.Split(' ').Skip(1).Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f[1]);
        Assert.Equal("0x0", fields["rv"]);
        return fields;
    }

    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    // The client's fixed inputs (clients/v3client.c).
    private static readonly byte[] AesKey = Hex("2b7e151628aed2a6abf7158809cf4f3c");
    private static readonly byte[] Data = Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + 1)).ToArray();
    private static readonly byte[] Aad = Enumerable.Range(0, 20).Select(i => (byte)(0xa0 + i)).ToArray();

    /// <summary>Ciphertext and tag of the client's line equal .NET AesGcm's under the IV the line reports.</summary>
    private byte[] AssertGcm(string name)
    {
        var f = Fields(name);
        var iv = Hex(f["iv"]);
        var expected = new byte[32];
        var tag = new byte[16];
        using (var gcm = new System.Security.Cryptography.AesGcm(AesKey, 16)) gcm.Encrypt(iv, Data, expected, tag, Aad);
        Assert.Equal(Convert.ToHexString(expected), f["ct"], ignoreCase: true);
        Assert.Equal(Convert.ToHexString(tag), f["tag"], ignoreCase: true);
        return iv;
    }

    [Fact]
    public void AES_GCM_message_encryption_matches_NET_AesGcm_with_the_caller_s_IV_and_writes_the_tag_back()
    {
        Line("gcm-info message-encrypt=1");
        Line("msg-encrypt-not-init rv=0x91"); // CKR_OPERATION_NOT_INITIALIZED
        Line("msg-encrypt-init-sign-key rv=0x63"); // CKR_KEY_TYPE_INCONSISTENT: a generic secret is no AES key
        Line("msg-encrypt-init-twice rv=0x90"); // CKR_OPERATION_ACTIVE
        Line("msg-gcm-null rv=0x0 len=32");
        Line("msg-gcm-short rv=0x150 len=32"); // CKR_BUFFER_TOO_SMALL
        var iv = AssertGcm("msg-gcm-nogen");
        Assert.Equal("cacbcccdcecfd0d1d2d3d4d5", Convert.ToHexString(iv), ignoreCase: true);
    }

    [Fact]
    public void IV_generators_write_the_generated_IV_into_the_caller_s_parameters()
    {
        // CKG_GENERATE_COUNTER: 32 fixed bits, then the context's counter 0, 1 (the message with CKG_NO_GENERATE does not count).
        Assert.Equal("010203040000000000000000", Convert.ToHexString(AssertGcm("msg-gcm-counter0")), ignoreCase: true);
        Assert.Equal("010203040000000000000001", Convert.ToHexString(AssertGcm("msg-gcm-counter1")), ignoreCase: true);
        // CKG_GENERATE_COUNTER_XOR: the caller's 50..5b with the counter (2) XORed into the low bits.
        Assert.Equal("505152535455565758595a59", Convert.ToHexString(AssertGcm("msg-gcm-xor")), ignoreCase: true);
        // CKG_GENERATE_RANDOM: 96 random bits (the caller passed zeros).
        Assert.NotEqual("000000000000000000000000", Convert.ToHexString(AssertGcm("msg-gcm-random")));
        Line("msg-gcm-all-fixed rv=0x71"); // CKR_MECHANISM_PARAM_INVALID: nothing left to generate
        Line("msg-gcm-bad-generator rv=0x71");
        Line("msg-gcm-bad-tagbits rv=0x71");
        Line("msg-gcm-bad-paramlen rv=0x71");
        Line("msg-gcm-null-param rv=0x7"); // CKR_ARGUMENTS_BAD
        Line("msg-gcm-chacha-param rv=0x71");
    }

    [Fact]
    public void A_multi_part_message_gives_the_same_ciphertext_and_tag_as_one_part()
    {
        Line("msg-next-no-begin rv=0x91");
        Line("msg-begin rv=0x0");
        Line("msg-encrypt-during-multipart rv=0x90");
        Line("msg-begin-twice rv=0x90");
        Line("msg-next1 rv=0x0 len=0");
        Line("msg-next2-null rv=0x0 len=32");
        Line("msg-next2 rv=0x0 len=32 same=1 tag-same=1");
        Line("msg-encrypt-final rv=0x0");
        Line("msg-encrypt-after-final rv=0x91");
    }

    [Fact]
    public void Message_decryption_checks_the_tag_and_keeps_the_context_after_a_failed_message()
    {
        Line("msg-decrypt rv=0x0 len=32 match=1");
        Line("msg-decrypt-bad-tag rv=0x35"); // CKR_AEAD_DECRYPT_FAILED
        Line("msg-decrypt-bad-aad rv=0x35");
        Line("msg-decrypt-generator rv=0x71");
        Line("msg-decrypt-next1 rv=0x0 len=0"); // nothing released before the tag verifies
        Line("msg-decrypt-next2 rv=0x0 len=32 match=1");
        Line("msg-decrypt-next-bad-tag rv=0x35");
        Line("msg-decrypt-after-failure rv=0x0 match=1");
        Line("msg-decrypt-cancel rv=0x0");
        Line("msg-decrypt-after-cancel rv=0x91");
    }

    [Fact]
    public void AES_CCM_and_ChaCha20_Poly1305_messages_match_NET_AesCcm_and_ChaCha20Poly1305()
    {
        var f = Fields("msg-ccm");
        var expected = new byte[32];
        var tag = new byte[16];
        using (var ccm = new System.Security.Cryptography.AesCcm(AesKey)) ccm.Encrypt(Hex(f["nonce"]), Data, expected, tag, Aad);
        Assert.Equal(Convert.ToHexString(expected), f["ct"], ignoreCase: true);
        Assert.Equal(Convert.ToHexString(tag), f["tag"], ignoreCase: true);
        Line("msg-ccm-wrong-datalen rv=0x21"); // CKR_DATA_LEN_RANGE: ulDataLen differs
        Line("msg-ccm-decrypt rv=0x0 match=1");
        Line("msg-ccm-decrypt-bad-mac rv=0x35");

        f = Fields("msg-chacha");
        var chachaKey = Enumerable.Range(0x80, 32).Select(i => (byte)i).ToArray();
        using (var chacha = new System.Security.Cryptography.ChaCha20Poly1305(chachaKey)) chacha.Encrypt(Hex(f["nonce"]), Data, expected, tag, Aad);
        Assert.Equal(Convert.ToHexString(expected), f["ct"], ignoreCase: true);
        Assert.Equal(Convert.ToHexString(tag), f["tag"], ignoreCase: true);
        Line("msg-chacha-gcm-param rv=0x71");
        Line("msg-chacha-decrypt rv=0x0 match=1");
        Line("msg-chacha-aes-key rv=0x63"); // CKR_KEY_TYPE_INCONSISTENT
    }

    [Fact]
    public void HMAC_messages_are_signed_and_verified_single_and_multi_part()
    {
        Line("msg-sign-not-init rv=0x91");
        Line("msg-hmac-null rv=0x0 len=32");
        Line("msg-hmac rv=0x0 len=32 match=1");
        Line("msg-hmac-param rv=0x71"); // no per-message parameter for HMAC
        Line("msg-sign-during-multipart rv=0x90");
        Line("msg-hmac-next1 rv=0x0");
        Line("msg-hmac-next2-short rv=0x150 len=32");
        Line("msg-hmac-next2 rv=0x0 match=1");
        Line("msg-sign-after-final rv=0x91");
        Line("msg-hmac-verify rv=0x0");
        Line("msg-hmac-verify-bad rv=0xc0"); // CKR_SIGNATURE_INVALID
        Line("msg-hmac-verify-multipart rv=0x0");
    }

    [Fact]
    public void ECDSA_and_RSA_PSS_message_signatures_verify_with_NET()
    {
        var f = Fields("msg-ecdsa");
        var point = Hex(f["point"]);
        // CKA_EC_POINT: DER OCTET STRING (04 41) around the uncompressed point 04 || X || Y.
        Assert.Equal(67, point.Length);
        using var ec = System.Security.Cryptography.ECDsa.Create(new System.Security.Cryptography.ECParameters
        {
            Curve = System.Security.Cryptography.ECCurve.NamedCurves.nistP256,
            Q = new System.Security.Cryptography.ECPoint { X = point[3..35], Y = point[35..67] },
        });
        Assert.True(ec.VerifyData(Data, Hex(f["sig"]), System.Security.Cryptography.HashAlgorithmName.SHA256));
        Assert.True(ec.VerifyData(Data, Hex(Fields("msg-ecdsa-multipart")["sig"]), System.Security.Cryptography.HashAlgorithmName.SHA256));
        Line("msg-ecdsa-verify rv=0x0");
        Line("msg-ecdsa-verify-other-data rv=0xc0");
        Line("msg-ecdsa-sign-with-public rv=0x63"); // CKR_KEY_TYPE_INCONSISTENT: a public key does not sign

        f = Fields("msg-pss");
        using var rsa = System.Security.Cryptography.RSA.Create(new System.Security.Cryptography.RSAParameters
        {
            Modulus = Hex(f["modulus"]), Exponent = [1, 0, 1],
        });
        Assert.True(rsa.VerifyData(Data, Hex(f["sig"]), System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pss));
        Line("msg-pss-verify rv=0x0");
        Line("msg-pss-verify-short rv=0xc1"); // CKR_SIGNATURE_LEN_RANGE
    }

    [Fact]
    public void A_digest_state_is_saved_and_restored_in_another_session_and_tampering_is_refused()
    {
        Line("getstate-none-active rv=0x91");
        Line("getstate-null rv=0x0 sized=1");
        Line("getstate-short rv=0x150 same=1");
        Line("getstate rv=0x0 same=1");
        Line("getstate-with-encrypt rv=0x0"); // digest and encryption saved together
        Line("setstate-tampered rv=0x160"); // CKR_SAVED_STATE_INVALID
        Line("setstate-key-given rv=0x64"); // CKR_KEY_NOT_NEEDED
        Line("setstate rv=0x0");
        Line("setstate-digest match=1");
        Line("getstate-original-goes-on match=1");
        Line("getstate-after-digestkey rv=0x180"); // CKR_STATE_UNSAVEABLE: key material never goes into a blob
    }

    [Fact]
    public void Encryption_and_MAC_states_are_sealed_and_restore_only_with_the_same_key()
    {
        Line("getstate-encrypt rv=0x0 plaintext-visible=0");
        Line("setstate-encrypt-no-key rv=0x66"); // CKR_KEY_NEEDED
        Line("setstate-encrypt-auth-key rv=0x64"); // CKR_KEY_NOT_NEEDED
        Line("setstate-encrypt-other-key rv=0x65"); // CKR_KEY_CHANGED
        Line("setstate-encrypt-bad-handle rv=0x60"); // CKR_KEY_HANDLE_INVALID
        Line("setstate-encrypt rv=0x0");
        Line("setstate-encrypt-continues rv=0x0 match=1");
        Line("getstate-encrypt-original-goes-on rv=0x0 match=1");
        Line("setstate-hmac-as-encryption-key rv=0x64");
        Line("setstate-hmac rv=0x0");
        Line("setstate-hmac-mac match=1");
        Line("getstate-message-encrypt rv=0x180"); // message-based operations are not saveable
    }

    [Fact]
    public void The_3_2_interface_extends_the_3_0_list_and_is_the_default()
    {
        Line("interface32 version=3.2 same-3.0-functions=1");
        Line("interface-default version=3.2");
        Line("session-validation-flags rv=0x54"); // CKR_FUNCTION_NOT_SUPPORTED: not offered
    }

    [Fact]
    public void ML_KEM_encapsulation_and_decapsulation_agree_on_the_shared_secret()
    {
        Line("mlkem-info encapsulate=1 decapsulate=1");
        Line("encapsulate-null rv=0x0 len=1088 handle=0"); // ML-KEM-768 ciphertext; no key made for a length query
        Line("encapsulate-short rv=0x150 len=1088");
        Line("encapsulate rv=0x0 len=1088 handle=1");
        Line("decapsulate rv=0x0 handle=1");
        Line("kem-shared-secret len=32 match=1");
        Line("decapsulate-tampered rv=0x0 match=0"); // implicit rejection: another secret, no error
        Line("decapsulate-short rv=0x41"); // CKR_ENCRYPTED_DATA_LEN_RANGE
        Line("encapsulate-private-key rv=0x63"); // CKR_KEY_TYPE_INCONSISTENT
        Line("decapsulate-public-key rv=0x63");
        Line("encapsulate-hmac rv=0x70"); // CKR_MECHANISM_INVALID: HMAC does not encapsulate
    }

    [Fact]
    public void C_VerifySignature_takes_the_signature_at_init()
    {
        Line("verifysig-not-init rv=0x91");
        Line("verifysig-init-twice rv=0x90");
        Line("verifysig-hmac rv=0x0");
        Line("verifysig-hmac-bad rv=0xc0");
        Line("verifysig-hmac-multipart rv=0x0");
        Line("verifysig-final-again rv=0x91");
        Line("verifysig-ecdsa rv=0x0");
        Line("verifysig-private-key rv=0x63");
    }

    [Fact]
    public void A_CKA_ALWAYS_AUTHENTICATE_key_signs_only_after_a_context_specific_login_each_time()
    {
        Line("always-auth-sign-before-login rv=0x101"); // CKR_USER_NOT_LOGGED_IN
        Line("always-auth-context-wrong-pin rv=0xa0"); // CKR_PIN_INCORRECT
        Line("always-auth-context-login rv=0x0");
        Line("always-auth-sign rv=0x0 len=64");
        Line("always-auth-second-sign-before-login rv=0x101");
        Line("always-auth-second-sign rv=0x0");
        Line("always-auth-verify rv=0x0");
        Line("ordinary-key-sign rv=0x0");
    }

    [Fact]
    public void A_CKA_ALWAYS_AUTHENTICATE_key_needs_a_context_specific_login_for_message_signing()
    {
        Line("always-auth-msg-sign-before-login rv=0x101"); // CKR_USER_NOT_LOGGED_IN
        Line("always-auth-msg-sign-begin-before-login rv=0x101");
        Line("always-auth-msg-sign rv=0x0 len=64");
        Line("always-auth-msg-verify rv=0x0");
        Line("always-auth-msg-final-without-login rv=0x0"); // an operation never authorised can still be ended
        Line("always-auth-secret-key rv=0x12"); // CKR_ATTRIBUTE_TYPE_INVALID: message decryption (AEAD) never meets such a key
    }

    [Fact]
    public void Wrap_unwrap_and_derive_templates_are_enforced()
    {
        Line("wrap-template-match rv=0x0 len=40");
        Line("wrap-template-mismatch rv=0x69"); // CKR_KEY_NOT_WRAPPABLE
        Line("unwrap-template-applied rv=0x0 sign=1 extractable=0");
        Line("unwrap-template-conflict rv=0xd1"); // CKR_TEMPLATE_INCONSISTENT
        Line("derive-template-applied rv=0x0 sensitive=1");
        Line("derive-template-conflict rv=0xd1");
    }

    [Fact]
    public void Generated_keys_carry_CKA_PUBLIC_KEY_INFO_as_NET_encodes_it()
    {
        var info = v3.Run.Stdout.Split('\n').First(l => l.StartsWith("public-key-info ", StringComparison.Ordinal));
        var f = info.Split(' ').Skip(1).Select(x => x.Split('=', 2)).ToDictionary(x => x[0], x => x[1]);
        Assert.Equal("1", f["rsa-private-same"]);
        var point = Hex(Fields("msg-ecdsa")["point"]);
        using var ec = System.Security.Cryptography.ECDsa.Create(new System.Security.Cryptography.ECParameters
        {
            Curve = System.Security.Cryptography.ECCurve.NamedCurves.nistP256,
            Q = new System.Security.Cryptography.ECPoint { X = point[3..35], Y = point[35..67] },
        });
        Assert.Equal(Convert.ToHexString(ec.ExportSubjectPublicKeyInfo()), f["ec"], ignoreCase: true);
        using var rsa = System.Security.Cryptography.RSA.Create(new System.Security.Cryptography.RSAParameters
        {
            Modulus = Hex(Fields("msg-pss")["modulus"]), Exponent = [1, 0, 1],
        });
        Assert.Equal(Convert.ToHexString(rsa.ExportSubjectPublicKeyInfo()), f["rsa"], ignoreCase: true);
    }

    [Fact]
    public void The_token_provides_its_profiles_a_clock_and_a_monotonic_counter()
    {
        Line("profiles count=2 ids=1,2"); // CKP_BASELINE_PROVIDER, CKP_EXTENDED_PROVIDER
        Line("find-all-lists-profiles=1"); // an empty template finds profiles (PKCS#11 3.0 §4.13 has no CKA_CLASS rule for them, unlike hardware features)
        Line("profile-destroy rv=0x1b"); // CKR_ACTION_PROHIBITED
        Line("profile-set rv=0x1b");
        Line("profile-create rv=0x13"); // CKR_ATTRIBUTE_VALUE_INVALID: provided by the token, not created
        var clock = v3.Run.Stdout.Split('\n').First(l => l.StartsWith("clock rv=", StringComparison.Ordinal));
        Assert.StartsWith("clock rv=0x0 len=16 value=", clock);
        var value = clock[(clock.IndexOf("value=", StringComparison.Ordinal) + 6)..];
        var time = DateTime.ParseExact(value[..14], "yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.Equal("00", value[14..]);
        Assert.InRange(time, DateTime.UtcNow.AddMinutes(-10), DateTime.UtcNow.AddMinutes(1));
        Line("counter found=1 len=8 increases=1");
        Line("find-all-lists-clock=0"); // hardware features only for a template naming CKO_HW_FEATURE
        Line("clock-destroy rv=0x1b");
    }
}
