using System.Runtime.InteropServices;

namespace OpenCryptokiActors.Tokens.Zcrypt;

/// <summary>
/// The user-space interface of the Linux zcrypt driver, as the uapi header arch/s390/include/uapi/asm/zcrypt.h
/// (zcrypt 2.2.0) declares it, for 64-bit user space (LP64: pointers 8 bytes, unsigned int 4 bytes, natural
/// alignment; no __packed on these two structs).
/// </summary>
public static class ZcryptAbi
{
    /// <summary>ZCRYPT_IOCTL_MAGIC 'z'.</summary>
    public const uint IoctlMagic = (byte)'z';

    // asm-generic/ioctl.h (used by s390): nr bits 0-7, type 8-15, size 16-29, direction 30-31; _IOC_WRITE = 1, _IOC_READ = 2.
    private const int NrShift = 0, TypeShift = 8, SizeShift = 16, DirShift = 30;
    private const uint IocWrite = 1, IocRead = 2;

    /// <summary>_IOC(dir, type, nr, size).</summary>
    public static uint Ioc(uint dir, uint type, uint nr, uint size) => (dir << DirShift) | (type << TypeShift) | (nr << NrShift) | (size << SizeShift);

    /// <summary>ICARSAMODEXPO = _IOC(_IOC_READ|_IOC_WRITE, ZCRYPT_IOCTL_MAGIC, 0x05, 0): an RSA operation with a modulus-exponent pair.</summary>
    public static readonly uint IcaRsaModExpoIoctl = Ioc(IocRead | IocWrite, IoctlMagic, 0x05, 0);

    /// <summary>ICARSACRT = _IOC(_IOC_READ|_IOC_WRITE, ZCRYPT_IOCTL_MAGIC, 0x06, 0): an RSA operation with a CRT key.</summary>
    public static readonly uint IcaRsaCrtIoctl = Ioc(IocRead | IocWrite, IoctlMagic, 0x06, 0);

    /// <summary>
    /// The CRT fields bp_key, np_prime and u_mult_inv are inputdatalength/2 + 8 bytes long: the driver skips their first
    /// MSGTYPE_ADJUSTMENT (8) bytes (drivers/s390/crypto/zcrypt_msgtype50.c, ICACRT_msg_to_type50CRT_msg: "correct the
    /// offset of p, bp and mult_inv according zcrypt.h").
    /// </summary>
    public const int CrtAdjustment = 8;

    /// <summary>Largest modulus the driver accepts: 512 bytes (4096 bits; zcrypt_msgtype50.c, CEX3A and newer).</summary>
    public const int MaxModulusBytes = 512;
}

/// <summary>
/// struct ica_rsa_modexpo: inputdata, inputdatalength, outputdata, outputdatalength, b_key, n_modulus.
/// LP64 offsets 0, 8, 16, 24, 32, 40; size 48 (ZcryptAbiSpec asserts them).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct IcaRsaModExpo
{
    public nint InputData;
    public uint InputDataLength;
    public nint OutputData;
    public uint OutputDataLength;
    public nint BKey;
    public nint NModulus;
}

/// <summary>
/// struct ica_rsa_modexpo_crt: inputdata, inputdatalength, outputdata, outputdatalength, bp_key, bq_key, np_prime,
/// nq_prime, u_mult_inv. LP64 offsets 0, 8, 16, 24, 32, 40, 48, 56, 64; size 72.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct IcaRsaModExpoCrt
{
    public nint InputData;
    public uint InputDataLength;
    public nint OutputData;
    public uint OutputDataLength;
    public nint BpKey;
    public nint BqKey;
    public nint NpPrime;
    public nint NqPrime;
    public nint UMultInv;
}

/// <summary>The errno values the zcrypt ioctls answer with (Linux asm-generic/errno-base.h), and what they mean here.</summary>
public static class Errno
{
    public const int Ok = 0;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EFAULT = 14;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    /// <summary>Not the driver's: the pool's answer when a request's deadline passed.</summary>
    public const int ETIMEDOUT = 110;
    /// <summary>Not the driver's: the pool refused the request at admission (all queues and the waiting room are full).</summary>
    public const int EBUSY = 16;

    /// <summary>
    /// Worth another queue: EIO (the card failed this request), ENODEV (no eligible device: offline, check-stopped,
    /// removed), EAGAIN (the driver took the queue offline under this request) and EINTR (interrupted). Never EINVAL: the
    /// request itself is wrong and would fail anywhere (zcrypt_error.h maps operand errors of the card to EINVAL).
    /// </summary>
    public static bool IsRetryable(int errno) => errno is EIO or ENODEV or EAGAIN or EINTR;

    public static string Name(int errno) => errno switch
    {
        Ok => "OK",
        EINTR => "EINTR",
        EIO => "EIO",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EFAULT => "EFAULT",
        ENODEV => "ENODEV",
        EINVAL => "EINVAL",
        ETIMEDOUT => "ETIMEDOUT",
        EBUSY => "EBUSY",
        _ => $"errno {errno}",
    };
}
