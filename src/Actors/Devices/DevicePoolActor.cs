using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Tokens.Zcrypt;
using static OpenCryptokiActors.Actors.Devices.DevicePoolProtocol;
using static OpenCryptokiActors.Actors.Devices.DeviceQueueProtocol;

namespace OpenCryptokiActors.Actors.Devices;

/// <summary>
/// The zcrypt device pool (/user/devices): discovers AP queues under sysfs (polled), keeps one DeviceQueueActor per
/// queue, admits requests up to a bound (beyond it: EBUSY at once), routes each to the queue with the lowest score
/// (<see cref="QueueRules.Score"/>), waits for a free queue slot when every usable queue is at its depth, retries a
/// retryable failure on another queue, and answers every request exactly once: with the result, the last errno, or
/// ETIMEDOUT at its deadline. A late completion after a deadline only frees its queue slot.
/// </summary>
public sealed class DevicePoolActor : ReceiveActor, IWithTimers
{
    private sealed class View(ApQueueId id, IActorRef actor, ApQueueInfo info)
    {
        public ApQueueId Id { get; } = id;
        public string Name { get; } = id.ToString();
        public IActorRef Actor { get; } = actor;
        public ApQueueInfo Info { get; set; } = info;
        public QueueHealth Health { get; set; } = QueueHealth.Offline;
        public double Rating { get; set; } = QueueRules.SeedRating(info.HwType);
        public int InFlight { get; set; }
        public long Completed { get; set; }
        public long Errors { get; set; }
        public string? LastError { get; set; }
    }

    private sealed class Pending(long tag, IActorRef replyTo, ZcryptRequest request, long deadline)
    {
        public long Tag { get; } = tag;
        public IActorRef ReplyTo { get; } = replyTo;
        public ZcryptRequest Request { get; } = request;
        public long Deadline { get; } = deadline;
        public List<ApQueueId> Tried { get; } = new(2);
        public int LastErrno { get; set; } = Errno.ENODEV;
    }

    private sealed record Poll;

    private sealed record Sweep;

    private readonly DeviceSettings _settings;
    private readonly IZcryptDevice _device;
    private readonly BlockingPool _blocking;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<ApQueueId, View> _queues = new();
    private readonly List<View> _order = new();
    private readonly Dictionary<long, Pending> _pending = new();
    private readonly LinkedList<long> _waiting = new();
    private long _nextId;
    private long _rejected, _timedOut, _retried;

    public DevicePoolActor(DeviceSettings settings, IZcryptDevice device)
    {
        _settings = settings;
        _device = device;
        _blocking = new BlockingPool(settings.BlockingThreads, "zcrypt");
        Receive<Execute>(OnExecute);
        Receive<Done>(OnDone);
        Receive<HealthChanged>(OnHealthChanged);
        Receive<Poll>(_ => Discover());
        Receive<Rescan>(_ => Discover());
        Receive<Sweep>(_ => ExpireDeadlines());
        Receive<GetStatus>(_ => Sender.Tell(MakeStatus()));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The pool over <paramref name="device"/>; the pool owns the device and disposes of it when it stops.</summary>
    public static Props Props(DeviceSettings settings, IZcryptDevice device) => Akka.Actor.Props.Create(() => new DevicePoolActor(settings, device));

    /// <summary>The backend the settings ask for: the real driver (auto: when its node exists) or the emulator.</summary>
    public static IZcryptDevice CreateDevice(DeviceSettings settings) => settings.Backend switch
    {
        DeviceBackend.Z90crypt => new Z90cryptDevice(settings.DeviceNode),
        DeviceBackend.Auto when Z90cryptDevice.Exists(settings.DeviceNode) => new Z90cryptDevice(settings.DeviceNode),
        _ => CreateEmulator(settings),
    };

    private static ZcryptEmulator CreateEmulator(DeviceSettings settings)
    {
        var emulator = new ZcryptEmulator();
        foreach (var q in ApSysfs.Read(settings.SysfsRoot, allDomains: true).Queues) emulator.SetLatency(q.Id, settings.Emulator.Latency);
        foreach (var (id, latency) in settings.Emulator.QueueLatency) emulator.SetLatency(id, latency);
        return emulator;
    }

    protected override void PreStart()
    {
        Discover();
        Timers.StartPeriodicTimer("poll", new Poll(), _settings.PollInterval);
        // Deadlines are checked every 10 ms: a request is answered at most that much after its deadline.
        Timers.StartPeriodicTimer("sweep", new Sweep(), TimeSpan.FromMilliseconds(10));
    }

    protected override void PostStop()
    {
        foreach (var p in _pending.Values) Answer(p, Errno.ENODEV, null, null);
        _pending.Clear();
        _blocking.Dispose();
        _device.Dispose();
    }

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(e =>
    {
        _log.Error(e, "zcrypt queue actor failed; restarting it");
        return Directive.Restart;
    });

    private void OnExecute(Execute e)
    {
        if (_pending.Count >= _settings.MaxPending)
        {
            _rejected++;
            Sender.Tell(new Result(e.Tag, Errno.EBUSY, null, null, 0));
            return;
        }

        var p = new Pending(e.Tag, Sender, e.Request,
            Stopwatch.GetTimestamp() + (long)((e.Timeout ?? _settings.RequestTimeout).TotalSeconds * Stopwatch.Frequency));
        if (!AnyUsable(p))
        {
            Sender.Tell(new Result(e.Tag, Errno.ENODEV, null, null, 0));
            return;
        }

        var id = ++_nextId;
        _pending[id] = p;
        if (!Dispatch(id, p)) _waiting.AddLast(id);
    }

    /// <summary>Sends the request to the best queue with a free slot; false when every usable queue is full.</summary>
    private bool Dispatch(long id, Pending p)
    {
        View? best = null;
        var bestScore = double.MaxValue;
        var onlineFree = HasFreeOnline(p);
        foreach (var v in _order)
        {
            if (!QueueRules.Usable(v.Health) || v.InFlight >= v.Info.Depth || p.Tried.Contains(v.Id)) continue;
            if (v.Health == QueueHealth.Degraded && onlineFree) continue;
            var score = QueueRules.Score(v.Rating, v.InFlight, v.Info.Load, v.Health);
            if (score < bestScore)
            {
                bestScore = score;
                best = v;
            }
        }

        if (best is null) return false;
        best.InFlight++;
        p.Tried.Add(best.Id);
        best.Actor.Tell(new Run(id, p.Request));
        return true;
    }

    private bool HasFreeOnline(Pending p)
    {
        foreach (var v in _order)
            if (v.Health == QueueHealth.Online && v.InFlight < v.Info.Depth && !p.Tried.Contains(v.Id))
                return true;
        return false;
    }

    private bool AnyUsable(Pending p)
    {
        foreach (var v in _order)
            if (QueueRules.Usable(v.Health) && !p.Tried.Contains(v.Id))
                return true;
        return false;
    }

    private void OnDone(Done d)
    {
        if (_queues.TryGetValue(d.Queue, out var v))
        {
            v.InFlight = Math.Max(0, v.InFlight - 1);
            if (d.Errno == Errno.Ok)
            {
                v.Completed++;
                v.Rating = QueueRules.Rate(v.Rating, d.Micros);
            }
            else if (d.Errno != Errno.EINVAL)
            {
                v.Errors++;
                v.LastError = Errno.Name(d.Errno);
            }

            v.Actor.Tell(new Outcome(d.Errno));
        }

        if (_pending.Remove(d.Id, out var p))
        {
            if (d.Errno == Errno.Ok || !Errno.IsRetryable(d.Errno))
            {
                Answer(p, d.Errno, d.Output, d.Queue.ToString());
            }
            else
            {
                p.LastErrno = d.Errno;
                if (p.Tried.Count < _settings.MaxAttempts && Stopwatch.GetTimestamp() < p.Deadline && AnyUsable(p))
                {
                    _retried++;
                    _pending[d.Id] = p;
                    if (!Dispatch(d.Id, p)) _waiting.AddFirst(d.Id);
                }
                else
                {
                    Answer(p, d.Errno, null, d.Queue.ToString());
                }
            }
        }

        DrainWaiting();
    }

    private void DrainWaiting()
    {
        while (_waiting.First is { } node)
        {
            if (!_pending.TryGetValue(node.Value, out var p))
            {
                _waiting.RemoveFirst();
                continue;
            }

            if (!AnyUsable(p))
            {
                _waiting.RemoveFirst();
                _pending.Remove(node.Value);
                Answer(p, p.LastErrno, null, null);
                continue;
            }

            if (!Dispatch(node.Value, p)) return;
            _waiting.RemoveFirst();
        }
    }

    private void ExpireDeadlines()
    {
        if (_pending.Count == 0) return;
        var now = Stopwatch.GetTimestamp();
        List<long>? expired = null;
        foreach (var (id, p) in _pending)
            if (now >= p.Deadline)
                (expired ??= []).Add(id);
        if (expired is null) return;
        foreach (var id in expired)
        {
            _pending.Remove(id, out var p);
            _timedOut++;
            Answer(p!, Errno.ETIMEDOUT, null, null);
        }
    }

    private void OnHealthChanged(HealthChanged h)
    {
        if (!_queues.TryGetValue(h.Queue, out var v)) return;
        var cameBack = !QueueRules.Usable(v.Health) && QueueRules.Usable(h.Health);
        v.Health = h.Health;
        if (cameBack) v.Rating = QueueRules.SeedRating(v.Info.HwType); // measured afresh once back
        DrainWaiting();
    }

    private void Discover()
    {
        ApBusSnapshot bus;
        try
        {
            bus = ApSysfs.Read(_settings.SysfsRoot, _settings.AllDomains);
        }
        catch (Exception e)
        {
            _log.Warning("zcrypt: cannot read {0}: {1}", _settings.SysfsRoot, e.Message);
            return;
        }

        var seen = new HashSet<ApQueueId>();
        foreach (var info in bus.Queues)
        {
            seen.Add(info.Id);
            if (!_queues.TryGetValue(info.Id, out var v))
            {
                var actor = Context.ActorOf(DeviceQueueActor.Props(info.Id, _device, _blocking, _settings.DegradedAfterErrors, _settings.ReprobeInterval),
                    "queue-" + info.Id);
                v = new View(info.Id, actor, info);
                _queues[info.Id] = v;
                _order.Add(v);
                _order.Sort((a, b) => a.Id.CompareTo(b.Id));
                _log.Info("zcrypt: found queue {0} (hwtype {1}, depth {2})", info.Id, info.HwType, info.Depth);
            }
            else
            {
                v.Info = info;
            }

            v.Actor.Tell(new Sysfs(info));
        }

        foreach (var v in _order)
            if (!seen.Contains(v.Id))
                v.Actor.Tell(new Sysfs(null));
    }

    private void Answer(Pending p, int errno, byte[]? output, string? queue) =>
        p.ReplyTo.Tell(new Result(p.Tag, errno, output, queue, p.Tried.Count));

    private PoolStatus MakeStatus() => new(_device.Name,
        _order.Select(v => new QueueStatus(v.Name, v.Health, v.Info.HwType, v.Info.Depth, v.Info.Load, v.InFlight, v.Completed, v.Errors, v.Rating, v.LastError)).ToList(),
        _pending.Count, _rejected, _timedOut, _retried);
}
