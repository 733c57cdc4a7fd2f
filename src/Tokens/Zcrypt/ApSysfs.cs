namespace OpenCryptokiActors.Tokens.Zcrypt;

/// <summary>
/// One AP queue as sysfs shows it (/sys/devices/ap/cardXX/XX.YYYY). Queue attributes win over the card's: online,
/// config and chkstop exist at both levels on current kernels (ap_queue.c, ap_card.c); hwtype and depth are the
/// card's; load is the queue's (zcrypt_queue.c; the card's when the queue has none). A missing attribute reads as
/// the healthy default (online 1, config 1, chkstop 0, load 0): older kernels lack config and chkstop.
/// </summary>
public sealed record ApQueueInfo(ApQueueId Id, bool Online, bool Config, bool CheckStop, int HwType, int Depth, long Load);

/// <summary>The AP bus as sysfs shows it: the queues of the usage domain (bus/ap/ap_domain) that exist now.</summary>
public sealed record ApBusSnapshot(int? Domain, IReadOnlyList<ApQueueInfo> Queues);

/// <summary>Reads the AP bus from a sysfs tree under a configurable root ("/sys" on a real machine).</summary>
public static class ApSysfs
{
    public static string DevicesDir(string root) => Path.Combine(root, "devices", "ap");

    public static string DomainFile(string root) => Path.Combine(root, "bus", "ap", "ap_domain");

    /// <summary>
    /// The queues under <paramref name="root"/>/devices/ap, sorted. With <paramref name="allDomains"/> false only those of
    /// the bus's default domain (ap_domain), as the driver's ICARSA* requests use. A tree that vanishes while it is read
    /// (a card removed) yields what could be read.
    /// </summary>
    public static ApBusSnapshot Read(string root, bool allDomains = false)
    {
        var domain = ReadInt(DomainFile(root), null, hex: false);
        var queues = new List<ApQueueInfo>();
        var devices = DevicesDir(root);
        if (!Directory.Exists(devices)) return new ApBusSnapshot(domain, queues);
        string[] cards;
        try
        {
            cards = Directory.GetDirectories(devices, "card*");
        }
        catch (IOException)
        {
            return new ApBusSnapshot(domain, queues);
        }

        foreach (var card in cards)
        {
            try
            {
                var hwtype = ReadInt(Path.Combine(card, "hwtype"), 0, hex: false)!.Value;
                var depth = ReadInt(Path.Combine(card, "depth"), 1, hex: false)!.Value;
                var cardOnline = ReadInt(Path.Combine(card, "online"), 1, hex: false) != 0;
                var cardConfig = ReadInt(Path.Combine(card, "config"), 1, hex: false) != 0;
                var cardChkstop = ReadInt(Path.Combine(card, "chkstop"), 0, hex: false) != 0;
                var cardLoad = ReadLong(Path.Combine(card, "load"), 0);
                foreach (var dir in Directory.GetDirectories(card))
                {
                    if (ApQueueId.Parse(Path.GetFileName(dir)) is not { } id) continue;
                    if (!allDomains && domain is { } d && id.Domain != d) continue;
                    queues.Add(new ApQueueInfo(id,
                        cardOnline && ReadInt(Path.Combine(dir, "online"), 1, hex: false) != 0,
                        cardConfig && ReadInt(Path.Combine(dir, "config"), 1, hex: false) != 0,
                        cardChkstop || ReadInt(Path.Combine(dir, "chkstop"), 0, hex: false) != 0,
                        hwtype, Math.Max(1, depth), ReadLong(Path.Combine(dir, "load"), cardLoad)));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The card went away while it was read: it is simply not there.
            }
        }

        queues.Sort((a, b) => a.Id.CompareTo(b.Id));
        return new ApBusSnapshot(domain, queues);
    }

    private static int? ReadInt(string file, int? dflt, bool hex)
    {
        var text = ReadText(file);
        if (text is null) return dflt;
        return int.TryParse(text, hex ? System.Globalization.NumberStyles.HexNumber : System.Globalization.NumberStyles.Integer, null, out var v) ? v : dflt;
    }

    private static long ReadLong(string file, long dflt) => ReadText(file) is { } t && long.TryParse(t, out var v) ? v : dflt;

    private static string? ReadText(string file)
    {
        try
        {
            return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>
/// Writes a fake AP bus under a directory, laid out as the kernel's sysfs (devices/ap/cardXX/{hwtype,depth,online,
/// config,chkstop,load}, devices/ap/cardXX/XX.YYYY/{online,config,chkstop,load}, bus/ap/ap_domain), for tests and
/// emulated deployments.
/// </summary>
public sealed class FakeSysfs
{
    /// <summary>CEX7 (hwtype 13).</summary>
    public const int DefaultHwType = 13;

    public FakeSysfs(string root, int domain)
    {
        Root = root;
        Domain = domain;
        Directory.CreateDirectory(ApSysfs.DevicesDir(root));
        Directory.CreateDirectory(Path.GetDirectoryName(ApSysfs.DomainFile(root))!);
        Write(ApSysfs.DomainFile(root), domain.ToString());
    }

    public string Root { get; }

    public int Domain { get; }

    /// <summary>A fake tree with <paramref name="cards"/> cards (0..n-1) each with one queue in <paramref name="domain"/>.</summary>
    public static FakeSysfs Create(string root, int cards, int domain = 5, int hwtype = DefaultHwType, int depth = 8)
    {
        var s = new FakeSysfs(root, domain);
        for (var c = 0; c < cards; c++) s.AddQueue(new ApQueueId(c, domain), hwtype, depth);
        return s;
    }

    public static IReadOnlyList<ApQueueId> Queues(int cards, int domain = 5) => Enumerable.Range(0, cards).Select(c => new ApQueueId(c, domain)).ToList();

    public void AddQueue(ApQueueId id, int hwtype = DefaultHwType, int depth = 8)
    {
        var card = CardDir(id);
        Directory.CreateDirectory(card);
        Write(Path.Combine(card, "hwtype"), hwtype.ToString());
        Write(Path.Combine(card, "depth"), depth.ToString());
        Write(Path.Combine(card, "online"), "1");
        Write(Path.Combine(card, "config"), "1");
        Write(Path.Combine(card, "chkstop"), "0");
        Write(Path.Combine(card, "load"), "0");
        var q = QueueDir(id);
        Directory.CreateDirectory(q);
        Write(Path.Combine(q, "online"), "1");
        Write(Path.Combine(q, "config"), "1");
        Write(Path.Combine(q, "chkstop"), "0");
        Write(Path.Combine(q, "load"), "0");
    }

    public void SetQueue(ApQueueId id, bool? online = null, bool? config = null, bool? chkstop = null, long? load = null)
    {
        var q = QueueDir(id);
        if (!Directory.Exists(q)) return;
        if (online is { } o) Write(Path.Combine(q, "online"), o ? "1" : "0");
        if (config is { } c) Write(Path.Combine(q, "config"), c ? "1" : "0");
        if (chkstop is { } s) Write(Path.Combine(q, "chkstop"), s ? "1" : "0");
        if (load is { } l) Write(Path.Combine(q, "load"), l.ToString());
    }

    /// <summary>Removes the queue (and its card when it was the card's last queue), as a hot-unplug does.</summary>
    public void RemoveQueue(ApQueueId id)
    {
        var q = QueueDir(id);
        if (Directory.Exists(q)) Directory.Delete(q, recursive: true);
        var card = CardDir(id);
        if (Directory.Exists(card) && Directory.GetDirectories(card).Length == 0) Directory.Delete(card, recursive: true);
    }

    private string CardDir(ApQueueId id) => Path.Combine(ApSysfs.DevicesDir(Root), $"card{id.Card:x2}");

    private string QueueDir(ApQueueId id) => Path.Combine(CardDir(id), id.ToString());

    private static void Write(string file, string text) => File.WriteAllText(file, text + "\n");
}
