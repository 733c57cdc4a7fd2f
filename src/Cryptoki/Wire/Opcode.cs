namespace OpenCryptokiActors.Cryptoki.Wire;

/// <summary>
/// One operation code per Cryptoki function that reaches the daemon. Payload layouts are in
/// docs/wire-protocol.md. Values are part of the protocol: never renumber, only append.
/// </summary>
public enum Opcode : ushort
{
    Hello = 1,

    GetSlotList = 10,
    GetSlotInfo = 11,
    GetTokenInfo = 12,
    GetMechanismList = 13,
    GetMechanismInfo = 14,
    InitToken = 15,
    InitPIN = 16,
    SetPIN = 17,

    OpenSession = 20,
    CloseSession = 21,
    CloseAllSessions = 22,
    GetSessionInfo = 23,
    Login = 24,
    Logout = 25,

    CreateObject = 30,
    CopyObject = 31,
    DestroyObject = 32,
    GetObjectSize = 33,
    GetAttributeValue = 34,
    SetAttributeValue = 35,
    FindObjectsInit = 36,
    FindObjects = 37,
    FindObjectsFinal = 38,

    EncryptInit = 40,
    Encrypt = 41,
    EncryptUpdate = 42,
    EncryptFinal = 43,
    DecryptInit = 44,
    Decrypt = 45,
    DecryptUpdate = 46,
    DecryptFinal = 47,

    DigestInit = 50,
    Digest = 51,
    DigestUpdate = 52,
    DigestKey = 53,
    DigestFinal = 54,

    SignInit = 60,
    Sign = 61,
    SignUpdate = 62,
    SignFinal = 63,
    SignRecoverInit = 64,
    SignRecover = 65,
    VerifyInit = 66,
    Verify = 67,
    VerifyUpdate = 68,
    VerifyFinal = 69,
    VerifyRecoverInit = 70,
    VerifyRecover = 71,

    GenerateKey = 80,
    GenerateKeyPair = 81,
    WrapKey = 82,
    UnwrapKey = 83,
    DeriveKey = 84,

    SeedRandom = 90,
    GenerateRandom = 91,

    /// <summary>C_WaitForSlotEvent: request u64 flags; reply u64 slot (CKR_OK) or CKR_NO_EVENT, always at once.</summary>
    WaitForSlotEvent = 100,

    /// <summary>Dual-function updates (§5.13): request <c>u64 session, bytes part, u64 cap</c>; reply as EncryptUpdate.</summary>
    DigestEncryptUpdate = 110,
    DecryptDigestUpdate = 111,
    SignEncryptUpdate = 112,
    DecryptVerifyUpdate = 113,

    /// <summary>C_SessionCancel: request <c>u64 session, u64 flags</c>; empty reply.</summary>
    SessionCancel = 114,

    /// <summary>C_GetOperationState: request <c>u64 session, u64 cap</c>; reply <c>output</c> (the state blob).</summary>
    GetOperationState = 115,

    /// <summary>C_SetOperationState: request <c>u64 session, bytes state, u64 encryptionKey, u64 authenticationKey</c>; empty reply.</summary>
    SetOperationState = 116,

    /// <summary>
    /// Message-based encryption and decryption (§5.15, §5.16). Init: as EncryptInit. The per-message parameter travels
    /// as <c>bytes</c> holding the canonical <see cref="MessageParams"/> form; see docs/wire-protocol.md for each layout.
    /// </summary>
    MessageEncryptInit = 117,
    EncryptMessage = 118,
    EncryptMessageBegin = 119,
    EncryptMessageNext = 120,
    MessageEncryptFinal = 121,
    MessageDecryptInit = 122,
    DecryptMessage = 123,
    DecryptMessageBegin = 124,
    DecryptMessageNext = 125,
    MessageDecryptFinal = 126,

    /// <summary>Message-based signing and verification (§5.17, §5.18). Init: as SignInit; the per-message parameter is <c>nullable bytes</c> (raw).</summary>
    MessageSignInit = 127,
    SignMessage = 128,
    SignMessageBegin = 129,
    SignMessageNext = 130,
    MessageSignFinal = 131,
    MessageVerifyInit = 132,
    VerifyMessage = 133,
    VerifyMessageBegin = 134,
    VerifyMessageNext = 135,
    MessageVerifyFinal = 136,

    /// <summary>
    /// PKCS#11 3.2 (offered through the "PKCS 11" 3.2 interface). EncapsulateKey: request <c>u64 session, mechanism,
    /// u64 publicKey, template, u64 cap</c>; reply <c>output</c> (the ciphertext) then, when delivered, <c>u64 handle</c>.
    /// DecapsulateKey: request <c>u64 session, mechanism, u64 privateKey, template, bytes ciphertext</c>; reply <c>u64 handle</c>.
    /// </summary>
    EncapsulateKey = 137,
    DecapsulateKey = 138,

    /// <summary>C_VerifySignatureInit: request <c>u64 session, mechanism, u64 key, bytes signature</c>; then VerifySignature (<c>bytes data</c>), VerifySignatureUpdate (<c>bytes part</c>), VerifySignatureFinal (nothing more).</summary>
    VerifySignatureInit = 139,
    VerifySignature = 140,
    VerifySignatureUpdate = 141,
    VerifySignatureFinal = 142,

    /// <summary>
    /// C_IBM_ReencryptSingle (openCryptoki's "Vendor IBM" 1.0 interface): request <c>u64 session, mechanism decrypt,
    /// u64 decryptKey, mechanism encrypt, u64 encryptKey, bytes data, u64 cap</c>; reply <c>output</c> (the re-encrypted data).
    /// </summary>
    IbmReencryptSingle = 143,

    /// <summary>
    /// Fork safety (CKF_INTERFACE_FORK_SAFE): sent by the module just before fork(), empty request; the daemon clones the
    /// application (sessions, operation states, session objects, logins) and replies <c>u64 cloneId, 16 bytes secret</c>,
    /// which the child presents in a Hello of mode 2 to take the clone over.
    /// </summary>
    ForkPrepare = 144,
}
