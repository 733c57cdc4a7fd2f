namespace OpenCryptokiActors.Cryptoki.Wire;

/// <summary>
/// A Hello request's payload (docs/wire-protocol.md): <c>u32 magic</c>, <c>u32 version</c>, <c>u32 pid</c>,
/// <c>u8 mode</c> (0 new application, 1 join: <c>u64 application id</c> + 16 raw bytes secret).
/// </summary>
public sealed record HelloRequest(uint Magic, uint Version, uint Pid, bool Join, ulong ApplicationId, byte[]? Secret)
{
    /// <summary>Length of the JoinApplication secret.</summary>
    public const int SecretLength = 16;

    /// <summary>The largest Hello payload (a join): what a reader needs before admission.</summary>
    public const int MaxLength = 4 + 4 + 4 + 1 + 8 + SecretLength;

    /// <summary>
    /// Parses a Hello payload; a malformed one (short, trailing bytes, unknown mode) throws
    /// <see cref="WireFormatException"/>. Magic and version are returned as sent, for the caller to judge.
    /// </summary>
    public static HelloRequest Parse(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxLength) throw new WireFormatException("Hello longer than its largest form");
        var r = new WireReader(payload);
        var magic = r.ReadUInt32();
        var version = r.ReadUInt32();
        var pid = r.ReadUInt32();
        var mode = r.ReadByte();
        switch (mode)
        {
            case 0:
                r.ExpectEnd();
                return new HelloRequest(magic, version, pid, false, 0, null);
            case 1:
                var id = r.ReadULong();
                var secret = r.ReadRaw(SecretLength).ToArray();
                r.ExpectEnd();
                return new HelloRequest(magic, version, pid, true, id, secret);
            default:
                throw new WireFormatException("unknown Hello mode");
        }
    }
}
