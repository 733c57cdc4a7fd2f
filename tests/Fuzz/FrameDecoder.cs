using System.Buffers.Binary;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Fuzz;

/// <summary>
/// The frame target's one entry point: a request frame (header + payload) decoded as the daemon decodes it: the edge's
/// <see cref="Actors.Server.RequestDecoder"/> makes the command of the actor protocol, and the payload is also decoded by
/// the documented grammar with the same readers, so that mechanism parameters and templates are decoded as deep as the
/// actors decode them.
/// </summary>
public static class FrameDecoder
{
    /// <summary>What decoding a frame can legitimately refuse with: the wire's own format error and PKCS#11 errors.</summary>
    public static bool IsExpected(Exception e) => e is WireFormatException or Tokens.CkException;

    public static void Decode(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < Frame.RequestHeaderSize) throw new WireFormatException("short header");
        var length = BinaryPrimitives.ReadUInt32LittleEndian(frame);
        var opcode = (Opcode)BinaryPrimitives.ReadUInt16LittleEndian(frame[8..]);
        if (length < Frame.RequestHeaderSize - 4 || length > Frame.MaxFrameLength) throw new WireFormatException("frame length out of range");
        var payload = frame[Frame.RequestHeaderSize..];
        var size = (int)length - (Frame.RequestHeaderSize - 4);
        if (size > payload.Length) throw new WireFormatException("frame shorter than its length");
        DecodePayload(opcode, payload[..size]);
    }

    public static void DecodePayload(Opcode opcode, ReadOnlySpan<byte> payload)
    {
        if (opcode == Opcode.Hello)
        {
            HelloRequest.Parse(payload);
            return;
        }

        Actors.Server.RequestDecoder.Decode(0, opcode, payload, Akka.Actor.ActorRefs.Nobody, new Actors.Protocol.Caller(0, null), null);
        if (!WireGrammar.Requests.TryGetValue(opcode, out var fields)) throw new WireFormatException("unknown opcode");
        var r = new WireReader(payload);
        foreach (var field in fields)
        {
            switch (field)
            {
                case Field.Bool: r.ReadBool(); break;
                case Field.U32: r.ReadUInt32(); break;
                case Field.U64 or Field.Session or Field.Slot or Field.Handle or Field.Cap: r.ReadULong(); break;
                case Field.Bytes: r.ReadBytes(); break;
                case Field.NullableBytes: r.ReadNullableBytes(); break;
                case Field.Padded32: r.ReadPadded(32); break;
                case Field.Template: Template(r.ReadTemplate()); break;
                case Field.Mechanism:
                    var m = r.ReadMechanism();
                    ParamDecoders.Decode(MechanismParams.KindOf(m.Type), m.Type, m.Parameter);
                    break;
                case Field.AttributeQuery:
                    var count = r.ReadUInt32();
                    if (count > (uint)(r.Remaining / 16)) throw new WireFormatException("query longer than frame");
                    for (var i = 0; i < count; i++)
                    {
                        r.ReadULong();
                        r.ReadULong();
                    }
                    break;
                case Field.MessageParam: MessageParams.Decode(r.ReadBytes()); break;
            }
        }

        r.ExpectEnd();
    }

    /// <summary>A template as the token reads it: the attribute set, then any nested key templates.</summary>
    private static void Template(WireAttribute[] template)
    {
        var set = AttributeSet.FromTemplate(template);
        foreach (var nested in (ulong[])[Cryptoki.Pkcs11.CKA.WRAP_TEMPLATE, Cryptoki.Pkcs11.CKA.UNWRAP_TEMPLATE, Cryptoki.Pkcs11.CKA.DERIVE_TEMPLATE])
            KeyUsage.NestedTemplate(set, nested);
        TemplateValidator.Matches(set, set);
    }
}
