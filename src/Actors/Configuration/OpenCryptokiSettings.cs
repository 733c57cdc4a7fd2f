using Akka.Configuration;
using Akka.Configuration.Hocon;
using OpenCryptokiActors.Cryptoki.Configuration;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Policy;

namespace OpenCryptokiActors.Actors.Configuration;

/// <summary>
/// One slot of the slot table (HOCON opencryptoki.slots). <paramref name="Group"/>: when set, only root, the
/// daemon's own user and members of this Unix group see the slot (others: not in C_GetSlotList, CKR_SLOT_ID_INVALID).
/// </summary>
public sealed record SlotSettings(ulong Id, string TokenType, string TokenName, string Description, int MaxLoginFailures, string? Group = null)
{
    /// <summary>CK_SLOT_INFO.manufacturerID (HOCON manufacturer; classic manufacturer).</summary>
    public string Manufacturer { get; init; } = "OpenCryptokiActors";

    /// <summary>CK_SLOT_INFO.hardwareVersion (HOCON hardware-version "major.minor"; classic hwversion).</summary>
    public (byte Major, byte Minor) HardwareVersion { get; init; } = (0, 1);

    /// <summary>CK_SLOT_INFO.firmwareVersion (HOCON firmware-version; classic firmwareversion).</summary>
    public (byte Major, byte Minor) FirmwareVersion { get; init; } = (0, 1);

    /// <summary>The slot's mechanism policy (HOCON policy { allow | deny, min-strength, curves, mgfs, kdfs, legacy }); none by default.</summary>
    public MechanismPolicy Policy { get; init; } = MechanismPolicy.None;

    /// <summary>zcrypt tokens: when the device pool cannot run a private-key operation (HOCON fallback = software | fail).</summary>
    public DeviceFallback Fallback { get; init; } = DeviceFallback.Software;

    /// <summary>Checks one slot as a configuration line would: the message says which slot and what is wrong.</summary>
    public static SlotSettings Validate(SlotSettings s)
    {
        if (s.TokenType is not ("soft" or "zcrypt")) throw new ConfigurationException($"slot {s.Id}: unknown token-type '{s.TokenType}' (known: soft, zcrypt)");
        if (string.IsNullOrWhiteSpace(s.TokenName) || s.TokenName.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new ConfigurationException($"slot {s.Id}: token-name '{s.TokenName}' must be letters, digits, '-', '_' or '.'");
        if (s.MaxLoginFailures < 0) throw new ConfigurationException($"slot {s.Id}: max-login-failures must be 0 or more");
        return s;
    }
}

/// <summary>The admin socket (ock slot add|remove|reload|list, ock status).</summary>
public sealed record AdminSettings(string Socket, string SocketMode, string Group);

/// <summary>The opencryptoki section of the configuration, parsed once.</summary>
public sealed record OpenCryptokiSettings(
    string DataDir,
    string Socket,
    string SocketMode,
    string Group,
    string PidFile,
    int Pbkdf2Iterations,
    int MinPinLength,
    int MaxPinLength,
    int SnapshotEvery,
    IReadOnlyList<SlotSettings> Slots,
    int RekeyBatch = 1000,
    TimeSpan? RecoveryTimeout = null)
{
    /// <summary>The admin socket; null when opencryptoki.admin.socket is empty (no run-time administration).</summary>
    public AdminSettings? Admin { get; init; }

    /// <summary>
    /// opencryptoki.snapshot-tail-ratio: a snapshot also waits until the events since the last one reach this fraction of the
    /// token's object count (0: snapshot-every alone).
    /// </summary>
    public double SnapshotTailRatio { get; init; } = 0.25;

    /// <summary>opencryptoki.metrics.port: Prometheus text metrics on http://127.0.0.1:PORT/metrics; 0 = off.</summary>
    public int MetricsPort { get; init; }

    /// <summary>
    /// opencryptoki.user: started as root, ock-slotd binds its sockets, gives the data directory to this user and
    /// becomes it (groups, gid, uid; no capabilities left). Empty: it stays who it was started as.
    /// </summary>
    public string User { get; init; } = "";

    /// <summary>The configuration file the daemon was started with (for `ock slot reload`); null when none.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>The embedded reference.conf holding every default.</summary>
    public static Config Reference { get; } = LoadReference();

    private static Config LoadReference()
    {
        using var stream = typeof(OpenCryptokiSettings).Assembly.GetManifestResourceStream("OpenCryptokiActors.Actors.reference.conf")
            ?? throw new InvalidOperationException("embedded reference.conf missing");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    public static OpenCryptokiSettings From(Config config)
    {
        var c = config.GetConfig("opencryptoki") ?? throw new ConfigurationException("no opencryptoki section in configuration");
        var slots = ParseSlots(c);
        var adminSocket = ConfigCheck.Path(c, "admin.socket", emptyOk: true, socket: true);
        var minPin = ConfigCheck.Int(c, "min-pin-length", 1, 255);
        var maxPin = ConfigCheck.Int(c, "max-pin-length", 1, 255);
        if (minPin > maxPin)
            throw new ConfigurationException($"opencryptoki.min-pin-length ({minPin}) is more than opencryptoki.max-pin-length ({maxPin})");
        return new OpenCryptokiSettings(
            ConfigCheck.Path(c, "data-dir"),
            ConfigCheck.Path(c, "socket", socket: true),
            ConfigCheck.Mode(c, "socket-mode", "0660"),
            c.GetString("group"),
            ConfigCheck.Path(c, "pid-file"),
            ConfigCheck.Int(c, "pbkdf2-iterations", 1000, 100_000_000),
            minPin,
            maxPin,
            ConfigCheck.Int(c, "snapshot-every", 1, int.MaxValue),
            slots,
            ConfigCheck.Int(c, "rekey-batch", 1, 1_000_000, 1000),
            ConfigCheck.Duration(c, "recovery-timeout", TimeSpan.FromMinutes(30)))
        {
            MetricsPort = ConfigCheck.Int(c, "metrics.port", 0, 65535, 0),
            User = c.HasPath("user") ? c.GetString("user", "") : "",
            SnapshotTailRatio = ConfigCheck.Double(c, "snapshot-tail-ratio", 0, 0.25),
            Admin = string.IsNullOrEmpty(adminSocket)
                ? null
                : new AdminSettings(adminSocket, ConfigCheck.Mode(c, "admin.socket-mode", "0666"), c.GetString("admin.group", "")),
            Limits = Server.EdgeLimits.From(c),
        };
    }

    /// <summary>The edge's limits (opencryptoki.limits): connections, Hello and frame deadlines, frame memory budgets.</summary>
    public Server.EdgeLimits Limits { get; init; } = new();

    /// <summary>
    /// A slot's policy block: names through the project's constant tables (CKM_/CKG_/CKD_, prefix optional) and the
    /// curve names OpenSSL and NIST use; an unknown name, an allow list beside a deny list or another strength than
    /// 0/112/128/192/256 is a configuration error naming the slot and the key.
    /// </summary>
    private static MechanismPolicy ParsePolicy(ulong id, HoconObject o)
    {
        IReadOnlyList<string>? List(string key) =>
            o.Items.TryGetValue(key, out var v) ? v.GetArray().Select(x => x.GetString()).ToList() : null;
        HashSet<T>? Set<T>(string key, Func<string, T?> parse) where T : struct =>
            List(key)?.Select(n => parse(n) ?? throw new ConfigurationException($"slot {id}: policy.{key}: unknown name '{n}'")).ToHashSet();
        foreach (var key in o.Items.Keys)
            if (key is not ("allow" or "deny" or "min-strength" or "curves" or "mgfs" or "kdfs" or "legacy"))
                throw new ConfigurationException($"slot {id}: policy.{key}: unknown key (known: allow, deny, min-strength, curves, mgfs, kdfs, legacy)");
        var allow = Set("allow", CkNames.ParseMechanism);
        var deny = Set("deny", CkNames.ParseMechanism);
        if (allow is not null && deny is not null) throw new ConfigurationException($"slot {id}: policy: give allow or deny, not both");
        var strength = o.Items.TryGetValue("min-strength", out var ms) ? ms.GetInt() : 0;
        if (strength is not (0 or 112 or 128 or 192 or 256)) throw new ConfigurationException($"slot {id}: policy.min-strength: {strength} is not 0, 112, 128, 192 or 256");
        var curves = List("curves")?.Select(n => MechanismPolicy.CurveOid(n) ?? throw new ConfigurationException($"slot {id}: policy.curves: unknown curve '{n}'"))
            .ToHashSet();
        return new MechanismPolicy
        {
            Allow = allow,
            Deny = deny ?? [],
            MinStrength = strength,
            Curves = curves,
            Mgfs = Set("mgfs", CkNames.ParseMgf),
            Kdfs = Set("kdfs", CkNames.ParseKdf),
            Legacy = o.Items.TryGetValue("legacy", out var legacy) && legacy.GetBoolean(),
        };
    }

    /// <summary>
    /// A policy given as HOCON text (`ock slot add --policy FILE`): a <c>policy { … }</c> block or its body alone,
    /// checked as in the configuration file; errors name the slot and the key.
    /// </summary>
    public static MechanismPolicy ParsePolicyText(ulong id, string text)
    {
        try
        {
            var root = ConfigurationFactory.ParseString(text).Root.GetObject();
            var block = root.Items.TryGetValue("policy", out var inner) && root.Items.Count == 1 ? inner.GetObject() : root;
            return ParsePolicy(id, block);
        }
        catch (Exception e) when (e is not ConfigurationException)
        {
            throw new ConfigurationException($"slot {id}: policy: not a HOCON policy block ({e.Message})");
        }
    }

    private static (byte, byte) Version(ulong id, string key, string text)
    {
        try
        {
            return ClassicConfig.ParseVersion(text);
        }
        catch (FormatException e)
        {
            throw new ConfigurationException($"slot {id}: {key}: {e.Message}");
        }
    }

    /// <summary>
    /// A configuration file's text as HOCON: openCryptoki's classic opencryptoki.conf grammar (detected by content:
    /// <c>version …</c> / <c>slot N { … }</c>) is converted first, anything else is parsed as HOCON.
    /// </summary>
    public static Config ParseFile(string text, string? source = null)
    {
        if (!ClassicConfig.IsClassic(text)) return ConfigurationFactory.ParseString(text);
        try
        {
            return ConfigurationFactory.ParseString(ClassicConfig.ToHocon(text, source));
        }
        catch (ClassicConfigException e)
        {
            throw new ConfigurationException($"{source ?? "configuration"} (classic opencryptoki.conf): {e.Message}");
        }
    }

    private static MechanismPolicy WithKeyManagement(MechanismPolicy p, KeyManagement k) => p.KeyManagement == k ? p : p with { KeyManagement = k };

    private static KeyManagement KeyManagementOf(ulong id, string value) => KeyManagementPolicy.Parse(value)
        ?? throw new ConfigurationException($"slot {id}: key-management: '{value}' is not strict or permissive");
    /// <summary>The keys a slot entry may have: those of reference.conf's slot and the optional ones read below.</summary>
    private static readonly string[] SlotKeys =
    [
        .. Reference.GetValue("opencryptoki.slots").GetArray().SelectMany(x => x.GetObject().Items.Keys),
        "group", "manufacturer", "hardware-version", "firmware-version", "policy", "key-management", "fallback",
    ];

    /// <summary>The slot table of an opencryptoki section, checked: unique ids and token names, known token types.</summary>
    public static IReadOnlyList<SlotSettings> ParseSlots(Config opencryptoki)
    {
        var slots = new List<SlotSettings>();
        foreach (var s in opencryptoki.GetValue("slots").GetArray())
        {
            var o = s.GetObject();
            foreach (var key in o.Items.Keys)
                if (!SlotKeys.Contains(key))
                    throw new ConfigurationException($"opencryptoki.slots: {key}: unknown slot key{ConfigCheck.Suggest(key, SlotKeys, "")}");
            string Str(string key, string dflt) => o.Items.TryGetValue(key, out var v) ? v.GetString() : dflt;
            var id = ulong.TryParse(Str("id", "0"), out var parsedId)
                ? parsedId : throw new ConfigurationException($"opencryptoki.slots: id '{Str("id", "0")}' is not a slot number");
            if (!int.TryParse(Str("max-login-failures", "10"), out var maxFailures))
                throw new ConfigurationException($"opencryptoki.slots: slot {id}: max-login-failures '{Str("max-login-failures", "10")}' is not a whole number");
            var name = Str("token-name", $"token{id}");
            var group = Str("group", "");
            try
            {
                slots.Add(SlotSettings.Validate(new SlotSettings(id, Str("token-type", "soft"), name, Str("description", name),
                    maxFailures, group.Length == 0 ? null : group)
                {
                    Manufacturer = Str("manufacturer", "OpenCryptokiActors"),
                    HardwareVersion = Version(id, "hardware-version", Str("hardware-version", "0.1")),
                    FirmwareVersion = Version(id, "firmware-version", Str("firmware-version", "0.1")),
                    Policy = WithKeyManagement(o.Items.TryGetValue("policy", out var policy) ? ParsePolicy(id, policy.GetObject()) : MechanismPolicy.None,
                        KeyManagementOf(id, Str("key-management", "strict"))),
                    Fallback = DeviceSettings.ParseFallback(id, Str("fallback", "software")),
                }));
            }
            catch (ConfigurationException e)
            {
                throw new ConfigurationException("opencryptoki.slots: " + e.Message);
            }
        }

        if (slots.Select(s => s.Id).Distinct().Count() != slots.Count) throw new ConfigurationException("opencryptoki.slots: slot ids must be unique");
        if (slots.Select(s => s.TokenName).Distinct().Count() != slots.Count) throw new ConfigurationException("opencryptoki.slots: token names must be unique");
        return slots;
    }
}
