using System.CommandLine;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace OpenCryptokiActors.Cli;

/// <summary>ock: the admin tool. This first cut lists the module, its slots and tokens; more verbs follow.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly,
            (name, _, _) => name == "libdl" ? NativeLibrary.Load("libdl.so.2") : IntPtr.Zero);

        var module = new Option<string>("--module")
        {
            Description = "PKCS#11 module to load (default: the OpenCryptokiActors module next to this tool, or $OCK_MODULE)",
            Recursive = true,
        };
        var root = new RootCommand("ock — OpenCryptokiActors admin tool") { module };

        var info = new Command("info", "Show the module's CK_INFO.\nExample: ock info --module /usr/lib/softhsm/libsofthsm2.so");
        info.SetAction(parse => Run(parse.GetValue(module), lib =>
        {
            var i = lib.GetInfo();
            Console.WriteLine($"library:      {i.LibraryDescription} {i.LibraryVersion}");
            Console.WriteLine($"manufacturer: {i.ManufacturerId}");
            Console.WriteLine($"cryptoki:     {i.CryptokiVersion}");
        }));
        root.Subcommands.Add(info);

        var slots = new Command("slots", "List slots and their tokens.\nExample: ock slots");
        slots.SetAction(parse => Run(parse.GetValue(module), lib =>
        {
            foreach (var slot in lib.GetSlotList(SlotsType.WithOrWithoutTokenPresent))
            {
                var s = slot.GetSlotInfo();
                Console.WriteLine($"slot {slot.SlotId}: {s.SlotDescription}");
                if (!s.SlotFlags.TokenPresent) continue;
                var t = slot.GetTokenInfo();
                var label = t.TokenFlags.TokenInitialized ? t.Label : "(uninitialized)";
                Console.WriteLine($"  token: {label}  model {t.Model}  serial {t.SerialNumber}  sessions {t.SessionCount}/{t.RwSessionCount} rw");
                Console.WriteLine($"  uri:   pkcs11:token={Uri.EscapeDataString(t.Label)};serial={t.SerialNumber}");
            }
        }));
        root.Subcommands.Add(slots);

        return root.Parse(args).Invoke();
    }

    private static int Run(string? modulePath, Action<IPkcs11Library> action)
    {
        var path = modulePath ?? Environment.GetEnvironmentVariable("OCK_MODULE")
            ?? Path.Combine(AppContext.BaseDirectory, "libopencryptoki-actors.so");
        try
        {
            using var lib = new Pkcs11InteropFactories().Pkcs11LibraryFactory.LoadPkcs11Library(
                new Pkcs11InteropFactories(), path, AppType.MultiThreaded);
            action(lib);
            return 0;
        }
        catch (Pkcs11Exception e)
        {
            Console.Error.WriteLine($"ock: {e.Method} failed: {e.RV}");
            return 2;
        }
        catch (Exception e) when (e is UnmanagedException or DllNotFoundException)
        {
            Console.Error.WriteLine($"ock: cannot load module '{path}': {e.Message}");
            return 2;
        }
    }
}
