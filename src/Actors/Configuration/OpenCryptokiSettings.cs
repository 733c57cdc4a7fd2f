using Akka.Configuration;

namespace OpenCryptokiActors.Actors.Configuration;

/// <summary>One slot of the slot table (HOCON opencryptoki.slots).</summary>
public sealed record SlotSettings(ulong Id, string TokenType, string TokenName, string Description, int MaxLoginFailures);

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
    IReadOnlyList<SlotSettings> Slots)
{
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
        var c = config.GetConfig("opencryptoki") ?? throw new InvalidOperationException("no opencryptoki section in configuration");
        var slots = new List<SlotSettings>();
        foreach (var s in c.GetValue("slots").GetArray())
        {
            var o = s.GetObject();
            string Str(string key, string dflt) => o.Items.TryGetValue(key, out var v) ? v.GetString() : dflt;
            var id = ulong.Parse(Str("id", "0"));
            var name = Str("token-name", $"token{id}");
            slots.Add(new SlotSettings(id, Str("token-type", "soft"), name, Str("description", name), int.Parse(Str("max-login-failures", "10"))));
        }

        if (slots.Select(s => s.Id).Distinct().Count() != slots.Count) throw new ConfigurationException("opencryptoki.slots: slot ids must be unique");
        if (slots.Select(s => s.TokenName).Distinct().Count() != slots.Count) throw new ConfigurationException("opencryptoki.slots: token names must be unique");
        foreach (var s in slots)
            if (s.TokenType != "soft") throw new ConfigurationException($"opencryptoki.slots: slot {s.Id}: unknown token-type '{s.TokenType}' (known: soft)");

        return new OpenCryptokiSettings(
            c.GetString("data-dir"),
            c.GetString("socket"),
            c.GetString("socket-mode"),
            c.GetString("group"),
            c.GetString("pid-file"),
            c.GetInt("pbkdf2-iterations"),
            c.GetInt("min-pin-length"),
            c.GetInt("max-pin-length"),
            c.GetInt("snapshot-every"),
            slots);
    }
}
