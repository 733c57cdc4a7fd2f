using OpenCryptokiActors.Actors.Protocol;
using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using OpenCryptokiActors.Cryptoki.Wire;
using static OpenCryptokiActors.Actors.Applications.ApplicationProtocol;

namespace OpenCryptokiActors.Actors.Server;

/// <summary>
/// One client connection as <see cref="Edge"/> drives it. Before admission: the Hello frame alone, read without blocking
/// into a buffer of <see cref="Frame.MaxHelloFrame"/> bytes (a larger length prefix closes the connection; nothing is
/// allocated for it). Then <see cref="Admit"/> (on a reader thread: it may ask the actors). After admission: request
/// frames read with blocking calls on a reader thread (a 64 KiB read-ahead buffer from the shared pool while active),
/// a frame larger than that received into memory mapped as its bytes arrive, charged to the uid's frame budget and
/// unmapped once <see cref="OnFrame"/> returns; a frame begun must be whole within frame-timeout. After park-after of
/// silence between frames the thread is given back and the connection waits on epoll.
/// </summary>
internal abstract unsafe class EdgeConnection(Socket socket, PeerCredentials peer)
{
    private const int ReadAhead = 64 * 1024;
    private const int TickMs = 100;

    private byte[]? _hello = new byte[Frame.MaxHelloFrame];
    private int _helloGot;
    private int _closed;

    /// <summary>Read-ahead of an active connection: [_start, _end) of _in (null while parked).</summary>
    private byte[]? _in;
    private int _start;
    private int _end;
    private bool _timeoutSet;

    protected Socket Socket { get; } = socket;

    public PeerCredentials Peer { get; protected set; } = peer;

    public int Fd { get; } = (int)socket.Handle;

    internal Edge Edge { get; private set; } = null!;

    internal long Key { get; private set; }

    internal long HelloDeadline { get; private set; }

    /// <summary>True once the Hello was good and the limits allowed it.</summary>
    internal bool Admitted { get; private set; }

    /// <summary>Counted in the admitted connections (released at close).</summary>
    internal bool Counted { get; set; }

    /// <summary>Owned by a reader thread (queued or being served): the sweep leaves it alone.</summary>
    internal volatile bool Scheduled;

    internal bool IsClosed => Volatile.Read(ref _closed) != 0;

    internal void Attach(Edge edge, long key, long helloDeadline)
    {
        Edge = edge;
        Key = key;
        HelloDeadline = helloDeadline;
    }

    internal bool MarkClosed() => Interlocked.Exchange(ref _closed, 1) == 0;

    /// <summary>
    /// On the epoll thread: reads what has come of the Hello without blocking. True when it is whole (a reader thread
    /// admits it next); false when more is awaited (re-armed) or the connection was closed.
    /// </summary>
    internal bool ReadHello()
    {
        var hello = _hello!;
        while (true)
        {
            var need = _helloGot < 4 ? 4 : (int)BinaryPrimitives.ReadUInt32LittleEndian(hello) + 4;
            if (_helloGot >= 4 && (need < Frame.RequestHeaderSize || need > Frame.MaxHelloFrame))
            {
                Edge.Close(this, $"first frame of {need - 4} bytes is no Hello (at most {Frame.MaxHelloFrame} bytes before admission)");
                return false;
            }

            if (_helloGot == need) return true;
            nint n;
            fixed (byte* p = hello) n = Libc.recv(Fd, p + _helloGot, (nuint)(need - _helloGot), Libc.MSG_DONTWAIT);
            if (n > 0)
            {
                _helloGot += (int)n;
                continue;
            }

            var errno = n == 0 ? 0 : Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR) continue;
            if (errno == Libc.EAGAIN)
            {
                Edge.Arm(this);
                return false;
            }

            Edge.Close(this, null);
            return false;
        }
    }

    /// <summary>On a reader thread: admits (once), then serves frames until the connection parks or ends.</summary>
    internal void Serve()
    {
        if (!Admitted)
        {
            var hello = _hello!;
            _hello = null;
            var length = BinaryPrimitives.ReadUInt32LittleEndian(hello);
            var id = BinaryPrimitives.ReadUInt32LittleEndian(hello.AsSpan(4));
            var op = BinaryPrimitives.ReadUInt16LittleEndian(hello.AsSpan(8));
            var admitted = Admit(id, op, hello.AsSpan(Frame.RequestHeaderSize, (int)length + 4 - Frame.RequestHeaderSize));
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(hello); // a joining Hello holds the application's secret
            if (!admitted)
            {
                Edge.Close(this, null);
                return;
            }

            Edge.Admitted(this);
            Admitted = true;
            // the next request comes through epoll: a connection that stays silent after its Hello holds no thread
            Scheduled = false;
            Edge.Arm(this);
            return;
        }

        if (!_timeoutSet)
        {
            // SO_RCVTIMEO = a tick of at most 100 ms: after park-after of silence (or sooner when connections wait for a
            // reader thread) the connection parks.
            var tv = stackalloc long[2];
            var ms = (long)Math.Min(Edge.Limits.ParkAfter.TotalMilliseconds, TickMs);
            tv[0] = ms / 1000;
            tv[1] = ms % 1000 * 1000;
            Libc.setsockopt(Fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv, 16);
            _timeoutSet = true;
        }

        _in = ArrayPool<byte>.Shared.Rent(ReadAhead);
        _start = _end = 0;
        try
        {
            while (!IsClosed)
            {
                var r = ReadFrame();
                if (r == Read.Park)
                {
                    ArrayPool<byte>.Shared.Return(_in, clearArray: true); // requests carry PINs and key values
                    _in = null;
                    Scheduled = false;
                    Edge.Arm(this);
                    return;
                }

                if (r == Read.End)
                {
                    Edge.Close(this, null);
                    return;
                }
            }
        }
        finally
        {
            if (_in is not null)
            {
                ArrayPool<byte>.Shared.Return(_in, clearArray: true);
                _in = null;
            }
        }
    }

    private enum Read
    {
        Frame,
        Park,
        End,
    }

    /// <summary>Reads one frame and hands it to <see cref="OnFrame"/>; Park after park-after of silence between frames.</summary>
    private Read ReadFrame()
    {
        var started = 0L;
        var f = Fill(Frame.RequestHeaderSize, ref started);
        if (f != Read.Frame) return f;
        if (started == 0) started = Stopwatch.GetTimestamp(); // the header came with an earlier read
        var header = _in.AsSpan(_start, Frame.RequestHeaderSize);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var id = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        var opcode = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        if (length < Frame.RequestHeaderSize - 4 || length > MaxFrame)
        {
            Edge.Close(this, $"frame length {length} out of range");
            return Read.End;
        }

        var size = (int)length - (Frame.RequestHeaderSize - 4);
        _start += Frame.RequestHeaderSize;
        if (size <= ReadAhead - Frame.RequestHeaderSize)
        {
            f = Fill(size, ref started);
            if (f != Read.Frame) return f == Read.Park ? Read.End : f;
            var payload = _in.AsSpan(_start, size);
            _start += size;
            if (_start == _end) _start = _end = 0;
            OnFrame(id, opcode, payload);
            return Read.Frame;
        }

        return LargeFrame(id, opcode, size, started == 0 ? Stopwatch.GetTimestamp() : started);
    }

    /// <summary>Largest request frame on this socket (after admission).</summary>
    protected virtual uint MaxFrame => (uint)Frame.MaxFrameLength;

    /// <summary>
    /// A frame above the read-ahead: anonymous memory mapped in steps as its bytes arrive (never as announced), charged
    /// to the uid's frame budget, unmapped when <see cref="OnFrame"/> returns or the connection ends.
    /// </summary>
    private Read LargeFrame(uint id, ushort opcode, int size, long started)
    {
        byte* buffer = null;
        nuint mapped = 0;
        try
        {
            var got = 0;
            var buffered = _end - _start;
            while (got < size)
            {
                if ((nuint)got == mapped)
                {
                    var next = (nuint)Math.Min(size, Math.Max((long)mapped * 2, 1 << 20));
                    if (!Edge.Charge(Peer.Uid, (long)(next - mapped)))
                    {
                        Edge.Close(this, $"a frame of {size} bytes exceeds the frame memory budget (opencryptoki.limits.frame-budget-per-uid {Edge.Limits.FrameBudgetPerUid}, frame-budget {Edge.Limits.FrameBudget})");
                        return Read.End;
                    }

                    var p = buffer is null
                        ? Libc.mmap(null, next, 0x3 /* PROT_READ|WRITE */, 0x22 /* MAP_PRIVATE|ANONYMOUS */, -1, 0)
                        : Libc.mremap(buffer, mapped, next, 1 /* MREMAP_MAYMOVE */);
                    if (p == (void*)-1)
                    {
                        Edge.Uncharge(Peer.Uid, (long)(next - mapped));
                        Edge.Close(this, $"no memory for a frame of {size} bytes");
                        return Read.End;
                    }

                    buffer = (byte*)p;
                    mapped = next;
                }

                if (buffered > 0)
                {
                    var take = Math.Min(buffered, (int)mapped - got);
                    _in.AsSpan(_start, take).CopyTo(new Span<byte>(buffer + got, take));
                    _start += take;
                    buffered -= take;
                    got += take;
                    continue;
                }

                var n = Receive(buffer + got, (int)mapped - got, started);
                if (n < 0) return Read.End;
                got += n;
            }

            _start = _end = 0;
            OnFrame(id, opcode, new ReadOnlySpan<byte>(buffer, size));
            return Read.Frame;
        }
        finally
        {
            if (buffer is not null)
            {
                Libc.munmap(buffer, mapped);
                Edge.Uncharge(Peer.Uid, (long)mapped);
            }
        }
    }

    /// <summary>
    /// Makes sure at least <paramref name="count"/> bytes are buffered. Park: silence with nothing of a frame buffered;
    /// End: end of stream, an error, or a frame begun and not whole within frame-timeout.
    /// </summary>
    private Read Fill(int count, ref long started)
    {
        var buffer = _in!;
        if (_end - _start >= count) return Read.Frame;
        if (_start + count > buffer.Length)
        {
            buffer.AsSpan(_start, _end - _start).CopyTo(buffer);
            _end -= _start;
            _start = 0;
        }

        var silent = 0;
        while (_end - _start < count)
        {
            if (_end > _start && started == 0) started = Stopwatch.GetTimestamp();
            nint n;
            fixed (byte* p = buffer) n = Libc.recv(Fd, p + _end, (nuint)(buffer.Length - _end), 0);
            if (n > 0)
            {
                if (started == 0) started = Stopwatch.GetTimestamp();
                _end += (int)n;
                continue;
            }

            if (n == 0) return Read.End;
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR) continue;
            if (errno != Libc.EAGAIN) return Read.End;
            if (_end == _start && started == 0)
            {
                silent += TickMs;
                if (silent >= Edge.Limits.ParkAfter.TotalMilliseconds || Edge.Waiting) return Read.Park;
                continue;
            }

            if (Stopwatch.GetElapsedTime(started) > Edge.Limits.FrameTimeout)
            {
                Edge.Close(this, $"a frame begun was not whole within {Edge.Limits.FrameTimeout.TotalSeconds:0.#} s (opencryptoki.limits.frame-timeout)");
                return Read.End;
            }
        }

        return Read.Frame;
    }

    /// <summary>One blocking recv into a large frame; -1 at the end of the stream, an error, or the frame deadline.</summary>
    private int Receive(byte* into, int count, long started)
    {
        while (true)
        {
            var n = Libc.recv(Fd, into, (nuint)count, 0);
            if (n > 0) return (int)n;
            if (n == 0) return -1;
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR) continue;
            if (errno != Libc.EAGAIN) return -1;
            if (Stopwatch.GetElapsedTime(started) > Edge.Limits.FrameTimeout)
            {
                Edge.Close(this, $"a frame begun was not whole within {Edge.Limits.FrameTimeout.TotalSeconds:0.#} s (opencryptoki.limits.frame-timeout)");
                return -1;
            }
        }
    }

    /// <summary>
    /// The Hello (header fields and payload): checks it, <see cref="Edge.TryAdmit"/> for the limits, answers it. False closes
    /// the connection. Runs on a reader thread.
    /// </summary>
    protected abstract bool Admit(uint requestId, ushort opcode, ReadOnlySpan<byte> payload);

    /// <summary>One request frame of an admitted connection; the span is valid during the call only.</summary>
    protected abstract void OnFrame(uint requestId, ushort opcode, ReadOnlySpan<byte> payload);

    /// <summary>Once a second on the epoll thread, for an admitted connection (keep-alives).</summary>
    internal virtual void Tick(long now)
    {
    }

    /// <summary>After <see cref="Edge.Close"/>: the socket is closed; subclasses tell whom it concerns.</summary>
    internal virtual void Closed()
    {
        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        Socket.Dispose();
    }
}
