using System.Collections.Concurrent;
using System.Numerics;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace OpenCryptokiActors.Tokens.Zcrypt;

/// <summary>What the emulator does to one queue's requests: its latency and the faults injected into it.</summary>
public sealed class EmulatedQueueState
{
    private int _eioBurst;

    /// <summary>Time one request takes on this queue (the card's work; the blocking thread sleeps it).</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Offline (online = 0): the driver has no eligible device, ENODEV.</summary>
    public bool Offline { get; set; }

    /// <summary>Check-stopped (chkstop = 1): ENODEV.</summary>
    public bool CheckStopped { get; set; }

    /// <summary>Removed (no sysfs directory): ENODEV.</summary>
    public bool Removed { get; set; }

    /// <summary>The next N requests fail with EIO.</summary>
    public void EioBurst(int count) => Interlocked.Exchange(ref _eioBurst, count);

    internal bool TakeEio()
    {
        while (true)
        {
            var n = Volatile.Read(ref _eioBurst);
            if (n <= 0) return false;
            if (Interlocked.CompareExchange(ref _eioBurst, n - 1, n) == n) return true;
        }
    }
}

/// <summary>
/// The emulated backend for machines without Crypto Express adapters: the same results as a card, the driver's input
/// rules (<see cref="ZcryptRules"/>: EINVAL before any work), a latency per queue and injected faults (offline,
/// check-stop, EIO bursts, a slow card, removal). A <see cref="FakeSysfs"/> given to it mirrors every fault into the
/// fake sysfs tree so that discovery sees what a real machine would show.
/// The math: .NET's RSA key (RSAOpenSsl) of the request's CRT values, its unpadded private operation asked of OpenSSL
/// (<see cref="OpenSslRaw"/>: .NET has no public "no padding" mode); where that is unavailable, and for mod-expo
/// requests (any odd modulus), BouncyCastle's RsaEngine, which the soft token uses for CKM_RSA_X_509. Never a
/// hand-written modular exponentiation.
/// </summary>
public sealed class ZcryptEmulator(FakeSysfs? sysfs = null) : IZcryptDevice
{
    private readonly ConcurrentDictionary<ApQueueId, EmulatedQueueState> _queues = new();
    private readonly ConcurrentDictionary<int, (byte[] P, byte[] Q, RsaPrivateCrtKeyParameters Key, SafeEvpPKeyHandle? Net)> _keys = new();
    private long _executed;
    private long _executedByDotNet;

    public string Name => "emulator";

    /// <summary>Requests that reached the math (for tests: what ran, not what was refused).</summary>
    public long Executed => Interlocked.Read(ref _executed);

    /// <summary>Of those, the CRT requests .NET's RSA key (OpenSSL) computed.</summary>
    public long ExecutedByDotNet => Interlocked.Read(ref _executedByDotNet);

    /// <summary>The state of a queue (created on first use: online, no latency).</summary>
    public EmulatedQueueState Queue(ApQueueId id) => _queues.GetOrAdd(id, _ => new EmulatedQueueState());

    public void SetLatency(ApQueueId id, TimeSpan latency) => Queue(id).Latency = latency;

    public void SetOffline(ApQueueId id, bool offline)
    {
        Queue(id).Offline = offline;
        sysfs?.SetQueue(id, online: !offline);
    }

    public void SetCheckStop(ApQueueId id, bool stopped)
    {
        Queue(id).CheckStopped = stopped;
        sysfs?.SetQueue(id, chkstop: stopped);
    }

    public void Remove(ApQueueId id)
    {
        Queue(id).Removed = true;
        sysfs?.RemoveQueue(id);
    }

    /// <summary>Puts a removed queue back (hot-plug), online.</summary>
    public void Restore(ApQueueId id, int hwtype = FakeSysfs.DefaultHwType)
    {
        var q = Queue(id);
        q.Removed = false;
        q.Offline = false;
        q.CheckStopped = false;
        sysfs?.AddQueue(id, hwtype);
    }

    public int Execute(ApQueueId queue, ZcryptRequest request, Span<byte> output)
    {
        var state = Queue(queue);
        if (state.Removed || state.Offline || state.CheckStopped) return Errno.ENODEV;
        var rule = ZcryptRules.Check(request);
        if (rule != Errno.Ok) return rule;
        if (output.Length < request.OutputLength) return Errno.EINVAL;
        if (state.Latency > TimeSpan.Zero) Thread.Sleep(state.Latency);
        if (state.TakeEio()) return Errno.EIO;
        Interlocked.Increment(ref _executed);
        output[..request.OutputLength].Clear();
        if (request is CrtRequest crt && CrtKey(crt).Net is { } net)
        {
            // .NET's RSA key (OpenSSL's CRT); the request's input is right-justified in the modulus length.
            var k = crt.Input.Length;
            var n = (ZcryptRequests.Big(crt.Np.AsSpan(ZcryptAbi.CrtAdjustment)) * ZcryptRequests.Big(crt.Nq)).ToByteArray(isUnsigned: true, isBigEndian: true).Length;
            var buffer = new byte[n];
            if (OpenSslRaw.Private(net, crt.Input.AsSpan(k - n), buffer, out var written))
            {
                buffer.AsSpan(0, written).CopyTo(output[(request.OutputLength - written)..request.OutputLength]);
                Interlocked.Increment(ref _executedByDotNet);
                return Errno.Ok;
            }
        }

        var engine = new RsaEngine();
        engine.Init(false, request switch
        {
            CrtRequest c => CrtKey(c).Key,
            ModExpoRequest m => new RsaKeyParameters(true, new BcBigInteger(1, m.Modulus), new BcBigInteger(1, m.Exponent)),
            _ => throw new ArgumentException("unknown request"),
        });
        var result = engine.ProcessBlock(request.Input, 0, request.Input.Length);
        result.CopyTo(output[(request.OutputLength - result.Length)..request.OutputLength]);
        return Errno.Ok;
    }

    /// <summary>The CRT key of a request (e and d recovered from dp, p and q), cached by its primes.</summary>
    private (RsaPrivateCrtKeyParameters Key, SafeEvpPKeyHandle? Net) CrtKey(CrtRequest c)
    {
        var pBytes = c.Np.AsSpan(ZcryptAbi.CrtAdjustment);
        var hash = new HashCode();
        hash.AddBytes(pBytes);
        hash.AddBytes(c.Nq);
        var h = hash.ToHashCode();
        if (_keys.TryGetValue(h, out var hit) && hit.P.AsSpan().SequenceEqual(pBytes) && hit.Q.AsSpan().SequenceEqual(c.Nq)) return (hit.Key, hit.Net);
        var p = ZcryptRequests.Big(pBytes);
        var q = ZcryptRequests.Big(c.Nq);
        var dp = ZcryptRequests.Big(c.Bp.AsSpan(ZcryptAbi.CrtAdjustment));
        var e = Mechanisms.Rsa.RsaKeys.ModInverse(dp, p - 1);
        var lambda = (p - 1) * (q - 1) / BigInteger.GreatestCommonDivisor(p - 1, q - 1);
        var d = Mechanisms.Rsa.RsaKeys.ModInverse(e, lambda);
        static BcBigInteger Bc(BigInteger v) => new(1, v.ToByteArray(isUnsigned: true, isBigEndian: true));
        var key = new RsaPrivateCrtKeyParameters(Bc(p * q), Bc(e), Bc(d), Bc(p), Bc(q), Bc(dp), new BcBigInteger(1, c.Bq),
            new BcBigInteger(1, c.U.AsSpan(ZcryptAbi.CrtAdjustment).ToArray()));
        SafeEvpPKeyHandle? net = null;
        try
        {
            var nBytes = (p * q).ToByteArray(isUnsigned: true, isBigEndian: true);
            var half = (nBytes.Length + 1) / 2;
            byte[] F(BigInteger v, int len) => ZcryptRequests.Field(v, len);
            net = OpenSslRaw.Import(new System.Security.Cryptography.RSAParameters
            {
                Modulus = nBytes, Exponent = e.ToByteArray(isUnsigned: true, isBigEndian: true), D = F(d, nBytes.Length),
                P = F(p, half), Q = F(q, half), DP = F(dp, half), DQ = F(ZcryptRequests.Big(c.Bq), half),
                InverseQ = F(ZcryptRequests.Big(c.U.AsSpan(ZcryptAbi.CrtAdjustment)), half),
            }).Handle;
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or DllNotFoundException or EntryPointNotFoundException or ArgumentException)
        {
            net = null; // no OpenSSL 3 here, or a key .NET will not import: BouncyCastle's engine computes it
        }

        if (_keys.Count > 1024) _keys.Clear();
        _keys[h] = (pBytes.ToArray(), c.Nq.ToArray(), key, net);
        return (key, net);
    }

    public void Dispose()
    {
    }
}
