using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>The edge's encoder: a typed reply's result to the reply frame's payload (docs/wire-protocol.md).</summary>
public static class ReplyEncoder
{
    /// <summary>Writes the payload of <paramref name="reply"/> into <paramref name="w"/> (nothing for a bare <see cref="Reply"/>).</summary>
    public static void Encode(IReply reply, WireWriter w)
    {
        switch (reply)
        {
            case Reply:
                return;
            case Reply<Output> o:
                Write(w, o.Result);
                return;
            case Reply<Handle> h:
                w.WriteULong(h.Result.Value);
                return;
            case Reply<Handles> l:
                w.WriteULongs(l.Result.Values.AsSpan());
                return;
            case Reply<Bytes> b:
                w.WriteBytes(b.Result.Value);
                return;
            case Reply<NewObjects> n:
                foreach (var handle in n.Result.Handles) w.WriteULong(handle);
                if (n.Result.Trailer is { } trailer) w.WriteRaw(trailer);
                return;
            case Reply<Encapsulated> e:
                Write(w, Output.Delivered(e.Result.Ciphertext));
                w.WriteULong(e.Result.Key);
                return;
            case Reply<MessageOutput> m:
                Write(w, Output.Delivered(m.Result.Data));
                if (m.Result.Iv is { } iv) w.WriteBytes(iv);
                w.WriteBytes(m.Result.Tag);
                return;
            case Reply<AttributeValues> a:
                w.WriteUInt32((uint)a.Result.Values.Length);
                foreach (var v in a.Result.Values)
                {
                    w.WriteULong(v.Length);
                    w.WriteNullableBytes(v.Value);
                }

                return;
            case Reply<SessionInfo> s:
                w.WriteULong(s.Result.SlotId);
                w.WriteULong(s.Result.State);
                w.WriteULong(s.Result.Flags);
                w.WriteULong(s.Result.DeviceError);
                return;
            case Reply<MechanismInfoResult> m:
                w.WriteULong(m.Result.MinKeySize);
                w.WriteULong(m.Result.MaxKeySize);
                w.WriteULong(m.Result.Flags);
                return;
            case Reply<SlotInfo> s:
                w.WritePadded(s.Result.Description, 64);
                w.WritePadded(s.Result.Manufacturer, 32);
                w.WriteULong(s.Result.Flags);
                w.WriteByte(s.Result.HardwareMajor);
                w.WriteByte(s.Result.HardwareMinor);
                w.WriteByte(s.Result.FirmwareMajor);
                w.WriteByte(s.Result.FirmwareMinor);
                return;
            case Reply<ForkClone> f:
                w.WriteULong(f.Result.AppId);
                w.WriteRaw(f.Result.Secret);
                return;
            case Reply<TokenInfo> t:
                Write(w, t.Result);
                return;
            default:
                throw new ArgumentException($"no wire form for {reply.GetType().Name}", nameof(reply));
        }
    }

    private static void Write(WireWriter w, Output o)
    {
        w.WriteULong(o.Length);
        w.WriteNullableBytes(o.Data);
    }

    private static void Write(WireWriter w, TokenInfo t)
    {
        w.WritePadded(t.Label, 32);
        w.WritePadded(t.Manufacturer, 32);
        w.WritePadded(t.Model, 16);
        w.WritePadded(t.Serial, 16);
        w.WriteULong(t.Flags);
        w.WriteULong(t.MaxSessionCount);
        w.WriteULong(t.SessionCount);
        w.WriteULong(t.MaxRwSessionCount);
        w.WriteULong(t.RwSessionCount);
        w.WriteULong(t.MaxPinLen);
        w.WriteULong(t.MinPinLen);
        w.WriteULong(t.TotalPublicMemory);
        w.WriteULong(t.FreePublicMemory);
        w.WriteULong(t.TotalPrivateMemory);
        w.WriteULong(t.FreePrivateMemory);
        w.WriteByte(t.HardwareMajor);
        w.WriteByte(t.HardwareMinor);
        w.WriteByte(t.FirmwareMajor);
        w.WriteByte(t.FirmwareMinor);
        w.WritePadded(t.UtcTime, 16);
    }
}
