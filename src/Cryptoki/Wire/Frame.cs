namespace OpenCryptokiActors.Cryptoki.Wire;

/// <summary>
/// Frame layout on the Unix stream socket (all integers little-endian).
/// Request: u32 length (of everything after this field), u32 request id, u16 opcode, u16 flags (0), payload.
/// Reply:   u32 length (of everything after this field), u32 request id, u64 CK_RV, payload.
/// </summary>
public static class Frame
{
    /// <summary>Protocol magic sent in Hello: "OCKA".</summary>
    public const uint Magic = 0x414B434F;

    /// <summary>Version of the payload layouts in docs/wire-protocol.md.</summary>
    public const uint ProtocolVersion = 3;

    public const int RequestHeaderSize = 4 + 4 + 2 + 2;
    public const int ReplyHeaderSize = 4 + 4 + 8;

    /// <summary>Largest frame either side accepts; a larger length prefix is a protocol error.</summary>
    public const int MaxFrameLength = 64 * 1024 * 1024;

    /// <summary>Marks a NULL output pointer in an output capacity field: the caller asks for the length only.</summary>
    public const ulong NullBuffer = ulong.MaxValue;

    /// <summary>
    /// Hello reply rv (vendor-defined) of a daemon that accepts but is not ready yet (tokens recovering): the module
    /// retries within its connect budget, then reports "starting". Payload: the reason (bytes).
    /// </summary>
    public const ulong HelloStarting = 0x8000_0001;

    /// <summary>
    /// Request id of a keep-alive: a reply frame (id 0, rv 0, payload u32 = the request id still being worked on) the
    /// daemon sends while a request takes longer than its keep-alive interval; the module skips it and waits on.
    /// Request ids are never 0.
    /// </summary>
    public const uint KeepAliveId = 0;

    /// <summary>Size of a whole keep-alive frame (length prefix included).</summary>
    public const int KeepAliveSize = ReplyHeaderSize + 4;

    /// <summary>Largest Hello request frame (length prefix included): read before admission, nothing larger is.</summary>
    public const int MaxHelloFrame = 128;

    /// <summary>Marks a NULL byte string (u32 length field).</summary>
    public const uint NullBytes = uint.MaxValue;
}
