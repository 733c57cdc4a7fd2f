using System.Buffers.Binary;
using System.Net.Sockets;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A client of the daemon's socket written by hand (docs/wire-protocol.md), for what the module never does: thousands of
/// idle connections, frames announced and not sent, no Hello at all. Also reads a process's threads and RSS from /proc.
/// </summary>
public static class RawClient
{
    public static Socket Connect(string path)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Connect(new UnixDomainSocketEndPoint(path));
        return s;
    }

    /// <summary>Sends a new-application Hello; returns the rv of its reply and the reply's payload.</summary>
    public static (ulong Rv, byte[] Payload) Hello(Socket s)
    {
        var frame = new byte[Frame.RequestHeaderSize + 13];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(frame.Length - 4));
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(8), (ushort)Opcode.Hello);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(12), Frame.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(16), Frame.ProtocolVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(20), (uint)Environment.ProcessId);
        s.Send(frame);
        return ReadReply(s);
    }

    public static (ulong Rv, byte[] Payload) ReadReply(Socket s)
    {
        var header = new byte[Frame.ReplyHeaderSize];
        ReadExactly(s, header);
        var payload = new byte[BinaryPrimitives.ReadUInt32LittleEndian(header) + 4 - Frame.ReplyHeaderSize];
        ReadExactly(s, payload);
        return (BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(8)), payload);
    }

    /// <summary>A request header announcing <paramref name="payloadLength"/> bytes of payload (opcode GetSlotList).</summary>
    public static byte[] Announce(int payloadLength, ushort opcode = (ushort)Opcode.GetSlotList)
    {
        var header = new byte[Frame.RequestHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(payloadLength + Frame.RequestHeaderSize - 4));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), opcode);
        return header;
    }

    /// <summary>Sends <paramref name="count"/> bytes of zeros; false when the daemon closed the connection meanwhile.</summary>
    public static bool SendZeros(Socket s, int count)
    {
        var chunk = new byte[Math.Min(count, 1 << 20)];
        try
        {
            for (var sent = 0; sent < count;)
                sent += s.Send(chunk, 0, Math.Min(chunk.Length, count - sent), SocketFlags.None);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>True when the daemon closes <paramref name="s"/> within <paramref name="timeout"/> (recv sees the end or a reset).</summary>
    public static bool ClosedByPeer(Socket s, TimeSpan timeout)
    {
        s.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        try
        {
            var buffer = new byte[4096];
            while (true)
                if (s.Receive(buffer) == 0) return true;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode != SocketError.TimedOut && e.SocketErrorCode != SocketError.WouldBlock;
        }
    }

    private static void ReadExactly(Socket s, Span<byte> buffer)
    {
        for (var n = 0; n < buffer.Length;)
        {
            var got = s.Receive(buffer[n..]);
            if (got == 0) throw new IOException("the daemon closed the connection");
            n += got;
        }
    }

    /// <summary>A field of /proc/PID/status as a number (Threads; VmRSS in kB).</summary>
    public static long Status(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]);
        throw new InvalidOperationException($"no {field} in /proc/{pid}/status");
    }
}
