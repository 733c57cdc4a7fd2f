using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Tokens.Zcrypt;
using static OpenCryptokiActors.Actors.Devices.DeviceQueueProtocol;

namespace OpenCryptokiActors.Actors.Devices;

/// <summary>
/// One AP queue (/user/devices/queue-XX.YYYY): hands its requests to the blocking pool (the ioctl never runs on this
/// actor's thread), and owns its health: what sysfs shows, what requests answered, and probes that bring it back.
/// The completion of a request goes from the blocking thread to the pool directly (one hop less on the reply path);
/// the pool tells this actor the outcome.
/// </summary>
public sealed class DeviceQueueActor : ReceiveActor, IWithTimers
{
    /// <summary>
    /// A request any card answers: 2^3 mod n = 8, n = (2^521 - 1)(2^127 - 1), a product of two Mersenne primes (odd, no
    /// small factor, composite: a modulus the emulator's RSA engine accepts too).
    /// </summary>
    private static readonly ModExpoRequest Probe = ZcryptRequests.ModExpo([2], [3],
        (((System.Numerics.BigInteger.One << 521) - 1) * ((System.Numerics.BigInteger.One << 127) - 1)).ToByteArray(isUnsigned: true, isBigEndian: true));

    private readonly ApQueueId _id;
    private readonly IZcryptDevice _device;
    private readonly BlockingPool _blocking;
    private readonly int _degradedAfter;
    private readonly TimeSpan _reprobe;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private QueueHealth _health = QueueHealth.Offline;
    private QueueHealth _sysfsHealth = QueueHealth.Online;
    private int _consecutiveErrors;
    private bool _probing;
    private bool _seen;

    public DeviceQueueActor(ApQueueId id, IZcryptDevice device, BlockingPool blocking, int degradedAfter, TimeSpan reprobe)
    {
        _id = id;
        _device = device;
        _blocking = blocking;
        _degradedAfter = degradedAfter;
        _reprobe = reprobe;
        Receive<Run>(OnRun);
        Receive<Outcome>(OnOutcome);
        Receive<Sysfs>(OnSysfs);
        Receive<ProbeDone>(OnProbeDone);
        Receive<Reprobe>(_ => StartProbe());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ApQueueId id, IZcryptDevice device, BlockingPool blocking, int degradedAfter, TimeSpan reprobe) =>
        Akka.Actor.Props.Create(() => new DeviceQueueActor(id, device, blocking, degradedAfter, reprobe));

    private void OnRun(Run run)
    {
        var pool = Context.Parent;
        var id = _id;
        var device = _device;
        var submitted = _blocking.Submit(() =>
        {
            var started = Stopwatch.GetTimestamp();
            int errno;
            byte[]? output = new byte[run.Request.OutputLength];
            try
            {
                errno = device.Execute(id, run.Request, output);
            }
            catch (Exception)
            {
                errno = Errno.EIO; // an infrastructure fault of the backend: this queue failed the request
            }

            if (errno != Errno.Ok) output = null;
            pool.Tell(new Done(run.Id, id, errno, output, Stopwatch.GetElapsedTime(started).TotalMicroseconds));
        });
        if (!submitted) pool.Tell(new Done(run.Id, id, Errno.ENODEV, null, 0));
    }

    private void OnOutcome(Outcome o)
    {
        switch (o.Errno)
        {
            case Errno.Ok:
                _consecutiveErrors = 0;
                if (_health == QueueHealth.Degraded) Become(QueueHealth.Online, "requests succeed again");
                break;
            case Errno.ENODEV:
                Become(QueueHealth.Offline, "the driver answered ENODEV");
                break;
            case Errno.EIO or Errno.EAGAIN or Errno.EINTR:
                if (++_consecutiveErrors >= _degradedAfter && _health == QueueHealth.Online)
                    Become(QueueHealth.Degraded, $"{_consecutiveErrors} failed requests in a row ({Errno.Name(o.Errno)})");
                break;
        }
    }

    private void OnSysfs(Sysfs s)
    {
        var was = _sysfsHealth;
        _sysfsHealth = QueueRules.FromSysfs(s.Info);
        if (!_seen)
        {
            // First sight: a queue sysfs shows online at discovery is used at once (the driver has already bound it).
            _seen = true;
            Become(_sysfsHealth, "discovered");
            return;
        }

        if (_sysfsHealth != QueueHealth.Online)
        {
            if (_health != _sysfsHealth) Become(_sysfsHealth, $"sysfs: {Describe(_sysfsHealth)}");
            return;
        }

        // sysfs says online: a queue that was not in use (new, back online, check-stop cleared) is probed first.
        if (!QueueRules.Usable(_health) && (was != QueueHealth.Online || !_probing)) StartProbe();
    }

    private void StartProbe()
    {
        if (_probing || _sysfsHealth != QueueHealth.Online) return;
        _probing = true;
        var self = Self;
        var id = _id;
        var device = _device;
        var submitted = _blocking.Submit(() =>
        {
            var started = Stopwatch.GetTimestamp();
            int errno;
            var output = new byte[Probe.OutputLength];
            try
            {
                errno = device.Execute(id, Probe, output);
                if (errno == Errno.Ok && (output[^1] != 8 || output.AsSpan(0, output.Length - 1).ContainsAnyExcept((byte)0))) errno = Errno.EIO;
            }
            catch (Exception)
            {
                errno = Errno.EIO;
            }

            self.Tell(new ProbeDone(errno, Stopwatch.GetElapsedTime(started).TotalMicroseconds));
        });
        if (!submitted) _probing = false;
    }

    private void OnProbeDone(ProbeDone p)
    {
        _probing = false;
        if (_sysfsHealth != QueueHealth.Online) return;
        if (p.Errno == Errno.Ok)
        {
            _consecutiveErrors = 0;
            if (_health != QueueHealth.Online) Become(QueueHealth.Online, "probe succeeded");
            return;
        }

        if (_health == QueueHealth.Online) Become(QueueHealth.Degraded, $"probe failed ({Errno.Name(p.Errno)})");
        else if (p.Errno == Errno.ENODEV && _health != QueueHealth.Offline) Become(QueueHealth.Offline, "probe answered ENODEV");
        Timers.StartSingleTimer("reprobe", new Reprobe(), _reprobe);
    }

    private void Become(QueueHealth health, string reason)
    {
        if (health == _health) return;
        _log.Info("zcrypt queue {0}: {1} -> {2} ({3})", _id, _health, health, reason);
        _health = health;
        Context.Parent.Tell(new HealthChanged(_id, health, reason));
        if (health is QueueHealth.Offline or QueueHealth.Degraded) Timers.StartSingleTimer("reprobe", new Reprobe(), _reprobe);
        else Timers.Cancel("reprobe");
    }

    private static string Describe(QueueHealth h) => h switch
    {
        QueueHealth.Removed => "the queue is gone",
        QueueHealth.CheckStopped => "chkstop = 1",
        QueueHealth.Offline => "online = 0 or config = 0",
        _ => h.ToString(),
    };
}
