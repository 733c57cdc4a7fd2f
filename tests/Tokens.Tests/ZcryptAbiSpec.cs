using System.Runtime.InteropServices;
using OpenCryptokiActors.Tokens.Zcrypt;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>The 64-bit layouts and ioctl numbers of arch/s390/include/uapi/asm/zcrypt.h.</summary>
public class ZcryptAbiSpec
{
    [Fact]
    public void Ica_rsa_modexpo_has_the_LP64_layout_of_the_uapi_header()
    {
        Assert.Equal(48, Marshal.SizeOf<IcaRsaModExpo>());
        Assert.Equal(48, Unsafe.SizeOf<IcaRsaModExpo>());
        Assert.Equal(0, Off<IcaRsaModExpo>(nameof(IcaRsaModExpo.InputData)));
        Assert.Equal(8, Off<IcaRsaModExpo>(nameof(IcaRsaModExpo.InputDataLength)));
        Assert.Equal(16, Off<IcaRsaModExpo>(nameof(IcaRsaModExpo.OutputData)));
        Assert.Equal(24, Off<IcaRsaModExpo>(nameof(IcaRsaModExpo.OutputDataLength)));
        Assert.Equal(32, Off<IcaRsaModExpo>(nameof(IcaRsaModExpo.BKey)));
        Assert.Equal(40, Off<IcaRsaModExpo>(nameof(IcaRsaModExpo.NModulus)));
    }

    [Fact]
    public void Ica_rsa_modexpo_crt_has_the_LP64_layout_of_the_uapi_header()
    {
        Assert.Equal(72, Marshal.SizeOf<IcaRsaModExpoCrt>());
        Assert.Equal(72, Unsafe.SizeOf<IcaRsaModExpoCrt>());
        string[] fields = [nameof(IcaRsaModExpoCrt.InputData), nameof(IcaRsaModExpoCrt.InputDataLength), nameof(IcaRsaModExpoCrt.OutputData),
            nameof(IcaRsaModExpoCrt.OutputDataLength), nameof(IcaRsaModExpoCrt.BpKey), nameof(IcaRsaModExpoCrt.BqKey), nameof(IcaRsaModExpoCrt.NpPrime),
            nameof(IcaRsaModExpoCrt.NqPrime), nameof(IcaRsaModExpoCrt.UMultInv)];
        for (var i = 0; i < fields.Length; i++) Assert.Equal(i * 8, Off<IcaRsaModExpoCrt>(fields[i]));
    }

    [Fact]
    public void Ioctl_numbers_are_IOC_read_write_z_5_and_6_with_size_0()
    {
        Assert.Equal(0xC0007A05u, ZcryptAbi.IcaRsaModExpoIoctl);
        Assert.Equal(0xC0007A06u, ZcryptAbi.IcaRsaCrtIoctl);
    }

    [Fact]
    public void Only_EIO_ENODEV_EAGAIN_and_EINTR_are_retryable()
    {
        Assert.True(Errno.IsRetryable(Errno.EIO));
        Assert.True(Errno.IsRetryable(Errno.ENODEV));
        Assert.True(Errno.IsRetryable(Errno.EAGAIN));
        Assert.True(Errno.IsRetryable(Errno.EINTR));
        Assert.False(Errno.IsRetryable(Errno.EINVAL));
        Assert.False(Errno.IsRetryable(Errno.EFAULT));
        Assert.False(Errno.IsRetryable(Errno.ETIMEDOUT));
    }

    [Fact]
    public void Queue_ids_print_and_parse_as_sysfs_names()
    {
        Assert.Equal("0a.0005", new ApQueueId(10, 5).ToString());
        Assert.Equal(new ApQueueId(0x3f, 0x4e), ApQueueId.Parse("3f.004e"));
        Assert.Null(ApQueueId.Parse("card0a"));
    }

    private static int Off<TStruct>(string field) => (int)Marshal.OffsetOf<TStruct>(field);

    private static class Unsafe
    {
        public static unsafe int SizeOf<TStruct>() where TStruct : unmanaged => sizeof(TStruct);
    }
}
