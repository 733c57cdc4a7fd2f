using System.Runtime.InteropServices;

namespace OpenCryptokiActors.Tokens.Zcrypt;

/// <summary>
/// The real backend: ICARSAMODEXPO / ICARSACRT ioctls on the zcrypt misc device (/dev/z90crypt, or a device node made
/// with zcryptctl). The driver picks the AP queue itself among those the node may use (zcrypt_api.c zcrypt_rsa_crt:
/// the least weighted eligible queue); <paramref name="queue"/> is bookkeeping of the pool here: to pin requests to one
/// queue, give each queue its own node restricted to that APQN. The ioctl retries EAGAIN inside the kernel
/// (zcrypt_unlocked_ioctl) and answers 0 or -errno.
/// </summary>
public sealed class Z90cryptDevice : IZcryptDevice
{
    private const int O_RDWR = 2;
    private const int O_CLOEXEC = 0x80000;
    private readonly int _fd;

    public Z90cryptDevice(string node)
    {
        Node = node;
        _fd = Open(node, O_RDWR | O_CLOEXEC);
        if (_fd < 0) throw new IOException($"cannot open {node}: errno {Marshal.GetLastPInvokeError()}");
    }

    public string Node { get; }

    public string Name => $"z90crypt {Node}";

    public static bool Exists(string node) => File.Exists(node);

    public unsafe int Execute(ApQueueId queue, ZcryptRequest request, Span<byte> output)
    {
        if (output.Length < request.OutputLength) return Errno.EINVAL;
        fixed (byte* input = request.Input)
        fixed (byte* outp = output)
        {
            switch (request)
            {
                case ModExpoRequest m:
                    fixed (byte* b = m.Exponent)
                    fixed (byte* n = m.Modulus)
                    {
                        var s = new IcaRsaModExpo
                        {
                            InputData = (nint)input,
                            InputDataLength = (uint)m.Input.Length,
                            OutputData = (nint)outp,
                            OutputDataLength = (uint)m.OutputLength,
                            BKey = (nint)b,
                            NModulus = (nint)n,
                        };
                        return Ioctl(_fd, ZcryptAbi.IcaRsaModExpoIoctl, &s) < 0 ? Marshal.GetLastPInvokeError() : Errno.Ok;
                    }
                case CrtRequest c:
                    fixed (byte* bp = c.Bp)
                    fixed (byte* bq = c.Bq)
                    fixed (byte* np = c.Np)
                    fixed (byte* nq = c.Nq)
                    fixed (byte* u = c.U)
                    {
                        var s = new IcaRsaModExpoCrt
                        {
                            InputData = (nint)input,
                            InputDataLength = (uint)c.Input.Length,
                            OutputData = (nint)outp,
                            OutputDataLength = (uint)c.OutputLength,
                            BpKey = (nint)bp,
                            BqKey = (nint)bq,
                            NpPrime = (nint)np,
                            NqPrime = (nint)nq,
                            UMultInv = (nint)u,
                        };
                        return Ioctl(_fd, ZcryptAbi.IcaRsaCrtIoctl, &s) < 0 ? Marshal.GetLastPInvokeError() : Errno.Ok;
                    }
                default:
                    return Errno.EINVAL;
            }
        }
    }

    public void Dispose() => Close(_fd);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern unsafe int Ioctl(int fd, nuint request, void* arg);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
