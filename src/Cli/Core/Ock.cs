using System.CommandLine;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace OpenCryptokiActors.Cli.Core;

/// <summary>
/// The global options every command inherits (<c>Recursive</c>): which module, which slot or token, where PINs
/// come from. Created once by Program and handed to each command group's <c>Create</c>.
/// </summary>
public sealed class Globals
{
    public Option<string> Module { get; } = new("--module")
    {
        Description = "PKCS#11 module (.so) to load. Default: $OCK_MODULE, else libopencryptoki-actors.so next to ock",
        HelpName = "PATH",
        Recursive = true,
    };

    public Option<ulong?> Slot { get; } = new("--slot")
    {
        Description = "Slot id of the token to work on",
        HelpName = "ID",
        Recursive = true,
    };

    public Option<string> Token { get; } = new("--token")
    {
        Description = "Token by label, or by PKCS#11 URI (pkcs11:token=swtok;serial=...)",
        HelpName = "LABEL|URI",
        Recursive = true,
    };

    public Option<string> PinFile { get; } = new("--pin-file")
    {
        Description = "Read the User PIN (the SO PIN where the command logs in as SO) from this file's first line. " +
                      "Else $OCK_PIN / $OCK_SO_PIN, else a no-echo prompt",
        HelpName = "FILE",
        Recursive = true,
    };

    /// <summary>--json: not global, added to each listing command.</summary>
    public Option<bool> Json { get; } = new("--json") { Description = "Print JSON instead of a table" };

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Module);
        root.Options.Add(Slot);
        root.Options.Add(Token);
        root.Options.Add(PinFile);
    }
}

/// <summary>
/// One invocation's PKCS#11 context: loads the module on first use, selects the slot from --slot, --token or a
/// URI, opens sessions and logs in. <see cref="Run"/> wraps a command body and turns failures into exit codes.
/// </summary>
public sealed class Ock : IDisposable
{
    private static readonly Pkcs11InteropFactories Factories = new();
    private readonly ParseResult _parse;
    private readonly Globals _g;
    private IPkcs11Library? _library;
    private readonly List<ISession> _sessions = [];
    private Pkcs11Uri? _uri;

    static Ock()
    {
        // Pkcs11Interop 5.3.0 P/Invokes "libdl"; Debian 12 ships only libdl.so.2.
        NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly,
            (name, _, _) => name == "libdl" ? NativeLibrary.Load("libdl.so.2") : IntPtr.Zero);
    }

    private Ock(ParseResult parse, Globals g)
    {
        _parse = parse;
        _g = g;
        var token = parse.GetValue(g.Token);
        if (Pkcs11Uri.IsUri(token)) _uri = Pkcs11Uri.Parse(token!);
    }

    public static Pkcs11InteropFactories F => Factories;
    public ParseResult Parse => _parse;
    public Globals Globals => _g;
    public bool JsonOutput => _parse.GetValue(_g.Json);

    /// <summary>Runs <paramref name="body"/>; maps usage errors to 1 and PKCS#11 errors to 2 (with the CKR name).</summary>
    public static int Run(ParseResult parse, Globals g, Func<Ock, int> body)
    {
        string? module = null;
        try
        {
            using var ock = new Ock(parse, g);
            module = ock.ModulePath;
            return body(ock);
        }
        catch (Pkcs11Exception e)
        {
            Output.Error($"{e.Method} failed: {CkrName(e.RV)}");
            if (e.Method == "C_Initialize" && module is not null && ModuleLastError(module) is { Length: > 0 } reason) Output.Error(reason);
            return ExitCodes.Pkcs11;
        }
        catch (MissingMechanismException e)
        {
            Output.Error(e.Message);
            return ExitCodes.Pkcs11;
        }
        catch (UsageException e)
        {
            Output.Error(e.Message);
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is UnmanagedException or DllNotFoundException or LibraryArchitectureException)
        {
            Output.Error($"cannot load the PKCS#11 module: {e.Message}");
            return ExitCodes.Pkcs11;
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or FormatException)
        {
            Output.Error(e.Message);
            return ExitCodes.Usage;
        }
    }

    /// <summary>
    /// Why our module's last C_Initialize failed (its vendor export <c>ock_last_error</c>: not running, starting, stale
    /// socket, permission, protocol version, refused and why), or null for another module.
    /// </summary>
    private static unsafe string? ModuleLastError(string modulePath)
    {
        try
        {
            if (!NativeLibrary.TryLoad(modulePath, out var handle) || !NativeLibrary.TryGetExport(handle, "ock_last_error", out var export))
                return null;
            var fn = (delegate* unmanaged<byte*, ulong*, ulong>)export;
            ulong length = 0;
            if (fn(null, &length) != 0 || length == 0) return null;
            var buffer = new byte[length];
            fixed (byte* p = buffer)
                if (fn(p, &length) != 0) return null;
            return System.Text.Encoding.UTF8.GetString(buffer, 0, (int)length);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    public static string CkrName(CKR rv) => Enum.IsDefined(rv) ? rv.ToString() : $"0x{(ulong)rv:X8}";

    /// <summary>Adds the token part of an object URI given to a command (its object part is the command's).</summary>
    public void UseUri(Pkcs11Uri? uri)
    {
        if (uri == null) return;
        if (_uri != null && uri.SelectsToken)
            throw new UsageException("give the token either in --token or in the object's URI, not both");
        if (_uri == null || uri.SelectsToken || uri.Query("module-path") != null || uri.Query("pin-source") != null)
            _uri = uri;
    }

    public string ModulePath =>
        _parse.GetValue(_g.Module)
        ?? _uri?.Query("module-path")
        ?? (Environment.GetEnvironmentVariable("OCK_MODULE") is { Length: > 0 } m ? m : null)
        ?? Path.Combine(AppContext.BaseDirectory, "libopencryptoki-actors.so");

    public IPkcs11Library Library =>
        _library ??= Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, ModulePath, AppType.MultiThreaded);

    /// <summary>
    /// The slot selected by --slot, --token (label or URI) or an object URI's token attributes; with none of
    /// them, the only slot that has a token.
    /// </summary>
    public ISlot SelectSlot()
    {
        var slots = Library.GetSlotList(SlotsType.WithOrWithoutTokenPresent);
        var slotId = _parse.GetValue(_g.Slot) ?? _uri?.SlotId;
        var label = Pkcs11Uri.IsUri(_parse.GetValue(_g.Token)) ? null : _parse.GetValue(_g.Token);
        if (slotId is { } id && slots.All(s => s.SlotId != id))
            throw new UsageException($"no slot {id} (slots: {string.Join(", ", slots.Select(s => s.SlotId))})");
        var list = slots.Where(s => (slotId == null || s.SlotId == slotId) && Matches(s, label, _uri)).ToList();
        if (slotId == null && label == null && _uri is not { SelectsToken: true })
        {
            list = list.Where(s => s.GetSlotInfo().SlotFlags.TokenPresent).ToList();
            if (list.Count > 1)
                throw new UsageException("several slots have a token: choose one with --slot ID or --token LABEL|URI (see `ock slots`)");
        }
        if (list.Count == 0) throw new UsageException("no token matches the given slot, label or URI (see `ock tokens`)");
        if (list.Count > 1) throw new UsageException("several tokens match: add --slot or a serial to the URI");
        return list[0];
    }

    private bool Matches(ISlot slot, string? label, Pkcs11Uri? uri)
    {
        var si = slot.GetSlotInfo();
        if (uri?.Get("slot-description") is { } sd && sd != si.SlotDescription.TrimEnd()) return false;
        if (uri?.Get("slot-manufacturer") is { } sm && sm != si.ManufacturerId.TrimEnd()) return false;
        var needsToken = label != null || uri is not null && new[] { "token", "serial", "model", "manufacturer" }.Any(a => uri.Get(a) != null);
        if (!needsToken) return true;
        if (!si.SlotFlags.TokenPresent) return false;
        var ti = slot.GetTokenInfo();
        if (label != null && label != ti.Label.TrimEnd()) return false;
        if (uri?.Token is { } t && t != ti.Label.TrimEnd()) return false;
        if (uri?.Serial is { } sn && sn != ti.SerialNumber.TrimEnd()) return false;
        if (uri?.Get("model") is { } mo && mo != ti.Model.TrimEnd()) return false;
        if (uri?.Get("manufacturer") is { } ma && ma != ti.ManufacturerId.TrimEnd()) return false;
        return true;
    }

    /// <summary>Opens a session on the selected slot; logs in as <paramref name="user"/> unless null.</summary>
    public ISession Open(bool readWrite, CKU? user = CKU.CKU_USER)
    {
        var slot = SelectSlot();
        var session = slot.OpenSession(readWrite ? SessionType.ReadWrite : SessionType.ReadOnly);
        _sessions.Add(session);
        if (user is { } u) session.Login(u, GetPin(u));
        return session;
    }

    /// <summary>The PIN of <paramref name="user"/>: --pin-file, the URI's pin-source, $OCK_PIN/$OCK_SO_PIN, a prompt.</summary>
    public string GetPin(CKU user)
    {
        if (_uri?.Query("pin-value") != null)
            throw new UsageException("pin-value in a URI puts the PIN on the command line: use pin-source, --pin-file or $OCK_PIN");
        var file = _parse.GetValue(_g.PinFile) ?? _uri?.Query("pin-source");
        return user == CKU.CKU_SO
            ? Pins.Get("SO PIN", file, Pins.SoPinVariable)
            : Pins.Get("User PIN", file, Pins.UserPinVariable);
    }

    /// <summary>The URI of the selected token (printed next to objects).</summary>
    public static Pkcs11Uri TokenUri(ITokenInfo t) => new Pkcs11Uri()
        .Set("model", t.Model).Set("manufacturer", t.ManufacturerId).Set("serial", t.SerialNumber).Set("token", t.Label);

    public void Dispose()
    {
        foreach (var s in _sessions)
        {
            try { s.Dispose(); } catch (Pkcs11Exception) { }
        }
        _library?.Dispose();
    }
}
