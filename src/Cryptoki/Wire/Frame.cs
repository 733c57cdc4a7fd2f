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
    public const uint ProtocolVersion = 2;

    public const int RequestHeaderSize = 4 + 4 + 2 + 2;
    public const int ReplyHeaderSize = 4 + 4 + 8;

    /// <summary>Largest frame either side accepts; a larger length prefix is a protocol error.</summary>
    public const int MaxFrameLength = 64 * 1024 * 1024;

    /// <summary>Marks a NULL output pointer in an output capacity field: the caller asks for the length only.</summary>
    public const ulong NullBuffer = ulong.MaxValue;

    /// <summary>Marks a NULL byte string (u32 length field).</summary>
    public const uint NullBytes = uint.MaxValue;
}
