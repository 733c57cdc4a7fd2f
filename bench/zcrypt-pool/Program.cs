using System.Diagnostics;
using System.Security.Cryptography;
using Akka.Actor;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Actors.Devices;
using OpenCryptokiActors.Tokens.Zcrypt;
using static OpenCryptokiActors.Actors.Devices.DevicePoolProtocol;

// zcrypt-pool [SECONDS]: per-request cost of the device pool's routing (admission, scoring, queue actor, dedicated
// blocking thread, reply) with 4 zero-latency emulated queues: median time of an RSA-2048 CRT request through the pool
// minus the same request run directly on the emulator, one request at a time; then pool throughput at 1, 4 and 16
// concurrent clients. Prints TSV lines: name, value, unit.
var seconds = args.Length > 0 ? double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 3;
var root = Directory.CreateTempSubdirectory("zcrypt-pool-").FullName;
try
{
    FakeSysfs.Create(root, cards: 4);
    using var rsa = RSA.Create(2048);
    var key = rsa.ExportParameters(true);
    var block = new byte[256];
    block[1] = 1;
    block.AsSpan(2, 200).Fill(0xff);
    var request = ZcryptRequests.Crt(key, block);
    var emulator = new ZcryptEmulator();
    var output = new byte[256];

    double Median(List<double> xs)
    {
        xs.Sort();
        return xs[xs.Count / 2];
    }

    List<double> Loop(Func<double> one)
    {
        var list = new List<double>();
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < 0.3) one(); // warm-up
        watch.Restart();
        while (watch.Elapsed.TotalSeconds < seconds) list.Add(one());
        return list;
    }

    var direct = Loop(() =>
    {
        var t = Stopwatch.GetTimestamp();
        emulator.Execute(new ApQueueId(0, 5), request, output);
        return Stopwatch.GetElapsedTime(t).TotalMicroseconds;
    });
    var hash = SHA256.HashData(block);
    var dotnet = Loop(() =>
    {
        var t = Stopwatch.GetTimestamp();
        rsa.SignHash(hash, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return Stopwatch.GetElapsedTime(t).TotalMicroseconds;
    });

    var system = ActorSystem.Create("bench", "akka.loglevel = WARNING");
    var settings = new DeviceSettings(true, DeviceBackend.Emulator, "/dev/z90crypt", root, false, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), 3, 4096, 32, 3,
        TimeSpan.FromSeconds(5), new EmulatorSettings(TimeSpan.Zero, new Dictionary<ApQueueId, TimeSpan>()));
    var pool = system.ActorOf(DevicePoolActor.Props(settings, new ZcryptEmulator()), "devices");
    while (!(await pool.Ask<PoolStatus>(new GetStatus())).Queues.All(q => q.Health == QueueHealth.Online)) await Task.Delay(20);
    var viaPool = new List<double>();
    {
        var watch = Stopwatch.StartNew();
        var warm = true;
        while (true)
        {
            if (warm && watch.Elapsed.TotalSeconds > 0.3)
            {
                warm = false;
                watch.Restart();
            }

            if (!warm && watch.Elapsed.TotalSeconds > seconds) break;
            var t = Stopwatch.GetTimestamp();
            var r = await pool.Ask<Result>(new Execute(0, request));
            if (r.Errno != Errno.Ok) throw new InvalidOperationException(r.ToString());
            if (!warm) viaPool.Add(Stopwatch.GetElapsedTime(t).TotalMicroseconds);
        }
    }

    Console.WriteLine($"emulator-direct-median\t{Median(direct):0.0}\tus");
    Console.WriteLine($"dotnet-rsa-signhash-median\t{Median(dotnet):0.0}\tus");
    Console.WriteLine($"pool-median\t{Median(viaPool):0.0}\tus");
    Console.WriteLine($"routing-overhead-median\t{Median(viaPool) - Median(direct):0.0}\tus");
    foreach (var clients in new[] { 1, 4, 16 })
    {
        long done = 0;
        var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var tasks = Enumerable.Range(0, clients).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                var r = await pool.Ask<Result>(new Execute(0, request));
                if (r.Errno != Errno.Ok) throw new InvalidOperationException(r.ToString());
                Interlocked.Increment(ref done);
            }
        }).ToArray();
        await Task.WhenAll(tasks);
        Console.WriteLine($"pool-throughput-{clients}-clients\t{done / seconds:0}\tops/s");
    }

    await system.Terminate();
}
finally
{
    Directory.Delete(root, recursive: true);
}
