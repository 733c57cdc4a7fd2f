using System.Security.Cryptography;
using Akka.Actor;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Actors.Devices;
using OpenCryptokiActors.Tokens.Zcrypt;

namespace OpenCryptokiActors.Actors.Tests.Devices;

/// <summary>A backend for the device pool's specs: the emulator over a fake sysfs tree, or the real driver.</summary>
public sealed class DeviceBackendUnderTest : IDisposable
{
    private DeviceBackendUnderTest(string kind, IZcryptDevice device, string sysfsRoot, ZcryptEmulator? emulator, FakeSysfs? sysfs, string? tempDir)
    {
        Kind = kind;
        Device = device;
        SysfsRoot = sysfsRoot;
        Emulator = emulator;
        Sysfs = sysfs;
        TempDir = tempDir;
    }

    public string Kind { get; }

    public IZcryptDevice Device { get; }

    public string SysfsRoot { get; }

    public ZcryptEmulator? Emulator { get; }

    public FakeSysfs? Sysfs { get; }

    public string? TempDir { get; }

    public const string RealNode = "/dev/z90crypt";

    /// <summary>The backends present on this machine: the emulator always, the real driver when /dev/z90crypt exists.</summary>
    public static IEnumerable<object[]> Present()
    {
        yield return ["emulator"];
        if (File.Exists(RealNode)) yield return ["z90crypt"];
    }

    public static DeviceBackendUnderTest Create(string kind, int cards = 4)
    {
        if (kind == "z90crypt") return new DeviceBackendUnderTest(kind, new Z90cryptDevice(RealNode), "/sys", null, null, null);
        var dir = Directory.CreateTempSubdirectory("ock-devices-").FullName;
        var sysfs = FakeSysfs.Create(dir, cards);
        var emulator = new ZcryptEmulator(sysfs);
        return new DeviceBackendUnderTest(kind, emulator, dir, emulator, sysfs, dir);
    }

    public DeviceSettings Settings(int maxPending = 256, TimeSpan? timeout = null, TimeSpan? poll = null, int maxAttempts = 3, int threads = 32) =>
        new(true, Kind == "z90crypt" ? DeviceBackend.Z90crypt : DeviceBackend.Emulator, RealNode, SysfsRoot, false,
            poll ?? TimeSpan.FromMilliseconds(100), timeout ?? TimeSpan.FromSeconds(60), maxAttempts, maxPending, threads, 3,
            TimeSpan.FromMilliseconds(100), new EmulatorSettings(TimeSpan.Zero, new Dictionary<ApQueueId, TimeSpan>()));

    public IActorRef StartPool(ActorSystem system, DeviceSettings settings, string name = "devices") =>
        system.ActorOf(DevicePoolActor.Props(settings, new NonOwning(Device)), name);

    public void Dispose()
    {
        Device.Dispose();
        if (TempDir is not null) Directory.Delete(TempDir, recursive: true);
    }

    /// <summary>The pool disposes of its device when it stops; the fixture keeps it for the next assertions.</summary>
    private sealed class NonOwning(IZcryptDevice inner) : IZcryptDevice
    {
        public string Name => inner.Name;

        public int Execute(ApQueueId queue, ZcryptRequest request, Span<byte> output) => inner.Execute(queue, request, output);

        public void Dispose()
        {
        }
    }
}

/// <summary>RSA material for the specs: a 2048-bit key and PKCS#1 v1.5 blocks to sign.</summary>
public static class RsaMaterial
{
    public static readonly RSAParameters Key = Make(2048);

    /// <summary>A 1024-bit key for the load specs: the emulator's math costs less CPU than the latencies they inject.</summary>
    public static readonly RSAParameters SmallKey = Make(1024);

    private static RSAParameters Make(int bits)
    {
        using var rsa = RSA.Create(bits);
        return rsa.ExportParameters(true);
    }

    public static byte[] Pkcs1Block(byte[] hash, int k = 256)
    {
        var prefix = Convert.FromHexString("3031300d060960864801650304020105000420");
        var block = new byte[k];
        block[1] = 1;
        var t = prefix.Length + hash.Length;
        block.AsSpan(2, k - t - 3).Fill(0xff);
        prefix.CopyTo(block, k - t);
        hash.CopyTo(block, k - hash.Length);
        return block;
    }

    public static ZcryptRequest SignRequest(int i) => ZcryptRequests.Crt(Key, Pkcs1Block(SHA256.HashData(BitConverter.GetBytes(i))));

    public static ZcryptRequest SmallSignRequest(int i) => ZcryptRequests.Crt(SmallKey, Pkcs1Block(SHA256.HashData(BitConverter.GetBytes(i)), 128));

    public static byte[] DotNetSignature(int i)
    {
        using var rsa = RSA.Create(Key);
        return rsa.SignHash(SHA256.HashData(BitConverter.GetBytes(i)), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }
}
