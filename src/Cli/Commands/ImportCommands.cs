using System.CommandLine;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using OpenCryptokiActors.Cli.Core;
using OpenCryptokiActors.Cli.Migration;

namespace OpenCryptokiActors.Cli.Commands;

/// <summary><c>ock token import-softhsm</c>: migration of another PKCS#11 runtime's token into the selected token.</summary>
public static class ImportCommands
{
    public const string SourcePinVariable = "OCK_SOURCE_PIN";

    /// <summary>
    /// Attributes the source token computed itself: C_CreateObject would reject them, the target sets its own. CKA_MODULUS_BITS
    /// and CKA_VALUE_LEN follow from CKA_MODULUS and CKA_VALUE; SoftHSM2 as the target refuses them (CKR_ATTRIBUTE_READ_ONLY).
    /// </summary>
    private static readonly HashSet<ulong> Derived =
    [
        0x4 /* CKA_UNIQUE_ID */, (ulong)CKA.CKA_LOCAL, (ulong)CKA.CKA_KEY_GEN_MECHANISM, (ulong)CKA.CKA_ALWAYS_SENSITIVE,
        (ulong)CKA.CKA_NEVER_EXTRACTABLE, (ulong)CKA.CKA_CHECK_VALUE, (ulong)CKA.CKA_NAME_HASH_ALGORITHM,
        (ulong)CKA.CKA_MODULUS_BITS, (ulong)CKA.CKA_VALUE_LEN,
    ];

    public static Command ImportSoftHsm(Globals g)
    {
        var dir = new Argument<string>("DIR") { Description = "SoftHSM2 token directory (holding token.object), or a tokens directory holding exactly one token" };
        var sourcePin = new Option<string>("--source-pin-file") { Description = $"File holding the SoftHSM2 token's User PIN (else ${SourcePinVariable} or a prompt)", HelpName = "FILE" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Decrypt and list the objects, create nothing" };
        var cmd = new Command("import-softhsm", "Copy every object of a SoftHSM2 token (file backend) into the selected token: reads its files, " +
                                                 "unwraps its token key with the SoftHSM2 User PIN, decrypts the private objects and creates each object " +
                                                 "with C_CreateObject and its full template (CKA_ID, CKA_LABEL, usage flags, CKA_SENSITIVE/EXTRACTABLE kept). " +
                                                 "The target token's User PIN comes from --pin-file, $OCK_PIN or a prompt.")
        { dir, sourcePin, dryRun }.Examples(
            "OCK_SOURCE_PIN=1234 ock token import-softhsm /var/lib/softhsm/tokens/1f0c…/ --slot 0",
            "ock token import-softhsm ./tokens --token 'pkcs11:token=mytoken' --source-pin-file src.pin --dry-run");
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var tokenDir = SoftHsmToken.ResolveDirectory(p.GetValue(dir)!);
            var pin = Pins.Get($"User PIN of SoftHSM2 token '{SoftHsmToken.Label(tokenDir)}'", p.GetValue(sourcePin), SourcePinVariable);
            var key = SoftHsmToken.UnwrapTokenKey(tokenDir, pin);
            List<SoftHsmObject> objects;
            try { objects = SoftHsmToken.ReadObjects(tokenDir, key); }
            finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(key); }

            if (p.GetValue(dryRun))
            {
                Output.Table(["file", "class", "label", "attributes"], objects.Select(o => new[]
                {
                    Path.GetFileName(o.File), o.Get((ulong)CKA.CKA_CLASS) is ulong c ? ((CKO)c).ToString() : "?",
                    o.Get((ulong)CKA.CKA_LABEL) is byte[] l ? System.Text.Encoding.UTF8.GetString(l) : "",
                    o.Attributes.Count.ToString(),
                }));
                return 0;
            }

            var created = CreateAll(ock, objects.Select(o => (Path.GetFileName(o.File), Template(o.Attributes, top: true))).ToList());
            if (created < 0) return ExitCodes.Pkcs11;
            Output.Line($"imported {created} object(s) from SoftHSM2 token '{SoftHsmToken.Label(tokenDir)}'");
            return 0;
        }));
        return cmd;
    }

    /// <summary>C_CreateObject of each template as a token object; the count, or -1 after printing the failing one.</summary>
    private static int CreateAll(Ock ock, List<(string Name, List<IObjectAttribute> Template)> objects)
    {
        var session = ock.Open(readWrite: true);
        var created = 0;
        foreach (var (name, template) in objects)
        {
            try { session.CreateObject(template); }
            catch (Pkcs11Exception e)
            {
                Output.Error($"{name}: C_CreateObject failed: {Ock.CkrName(e.RV)} ({created} of {objects.Count} objects imported before it)");
                return -1;
            }
            created++;
        }
        return created;
    }

    public static Command ImportOpenCryptoki(Globals g)
    {
        var dir = new Argument<string>("DIR") { Description = "openCryptoki soft token directory (holding NVTOK.DAT, MK_USER, TOK_OBJ/), or its parent holding swtok/" };
        var sourcePin = new Option<string>("--source-pin-file") { Description = $"File holding the openCryptoki token's User PIN (else ${SourcePinVariable} or a prompt)", HelpName = "FILE" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Decrypt and list the objects, create nothing" };
        var cmd = new Command("import-opencryptoki", "Copy every token object of an openCryptoki soft token (the legacy data store of releases before 3.12, " +
                                                      "e.g. Debian's 3.8.1, or the FIPS data store of 3.12+) into the selected token: unwraps its master key " +
                                                      "(MK_USER) with the openCryptoki User PIN, decrypts the private objects of TOK_OBJ/ and creates each with " +
                                                      "C_CreateObject and its full template. " +
                                                      "The target token's User PIN comes from --pin-file, $OCK_PIN or a prompt.")
        { dir, sourcePin, dryRun }.Examples(
            "OCK_SOURCE_PIN=1234 ock token import-opencryptoki /var/lib/opencryptoki/swtok --slot 0",
            "ock token import-opencryptoki ./swtok --token mytoken --source-pin-file src.pin --dry-run");
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var tokenDir = OpenCryptokiToken.ResolveDirectory(p.GetValue(dir)!);
            var label = OpenCryptokiToken.Label(tokenDir);
            var pin = Pins.Get($"User PIN of openCryptoki token '{label}'", p.GetValue(sourcePin), SourcePinVariable);
            var key = OpenCryptokiToken.UnwrapMasterKey(tokenDir, pin);
            List<OpenCryptokiObject> objects;
            try { objects = OpenCryptokiToken.ReadObjects(tokenDir, key); }
            finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(key); }
            if (p.GetValue(dryRun))
            {
                Output.Table(["file", "class", "label", "attributes"], objects.Select(o => new[]
                {
                    o.File, o.Get((ulong)CKA.CKA_CLASS) is { Length: 4 } c ? ((CKO)BitConverter.ToUInt32(c)).ToString() : "?",
                    o.Get((ulong)CKA.CKA_LABEL) is { } l ? System.Text.Encoding.UTF8.GetString(l) : "", o.Attributes.Count.ToString(),
                }));
                return 0;
            }
            var created = CreateAll(ock, objects.Select(o => (o.File, OckTemplate(o.Attributes))).ToList());
            if (created < 0) return ExitCodes.Pkcs11;
            Output.Line($"imported {created} object(s) from openCryptoki token '{label}'");
            return 0;
        }));
        return cmd;
    }

    private static List<IObjectAttribute> OckTemplate(IEnumerable<(ulong Type, byte[] Value)> attrs)
    {
        var f = Ock.F.ObjectAttributeFactory;
        var t = new List<IObjectAttribute>();
        foreach (var (type, value) in attrs)
        {
            if (type >= (ulong)CKA.CKA_VENDOR_DEFINED || (type & 0x40000000) != 0 || Derived.Contains(type) || value.Length == 0) continue;
            if (type == (ulong)CKA.CKA_TOKEN) t.Add(f.Create(CKA.CKA_TOKEN, true));
            else if (OpenCryptokiToken.UlongAttributes.Contains(type) && value.Length == 4) t.Add(f.Create(type, (ulong)BitConverter.ToUInt32(value)));
            else if (OpenCryptokiToken.UlongAttributes.Contains(type) && value.Length == 8) t.Add(f.Create(type, BitConverter.ToUInt64(value)));
            else if (value.Length == 1 && IsBool(type)) t.Add(f.Create(type, value[0] != 0));
            else t.Add(f.Create(type, value));
        }
        return t;
    }

    // CK_BBOOL attributes: TOKEN, PRIVATE, TRUSTED, SENSITIVE..DERIVE, EXTRACTABLE..NEVER_EXTRACTABLE, MODIFIABLE, COPYABLE, DESTROYABLE, ALWAYS_AUTHENTICATE, WRAP_WITH_TRUSTED.
    private static bool IsBool(ulong t) => t is 0x1 or 0x2 or 0x86 or 0x170 or 0x171 or 0x172 or (>= 0x103 and <= 0x10C) or (>= 0x162 and <= 0x165) or 0x202 or 0x210;

    private static List<IObjectAttribute> Template(IEnumerable<SoftHsmAttribute> attrs, bool top)
    {
        var f = Ock.F.ObjectAttributeFactory;
        var t = new List<IObjectAttribute>();
        foreach (var a in attrs)
        {
            if (a.Type >= (ulong)CKA.CKA_VENDOR_DEFINED) continue; // SoftHSM2's own bookkeeping
            if (top && Derived.Contains(a.Type)) continue;
            if (top && a.Type == (ulong)CKA.CKA_TOKEN) { t.Add(f.Create(CKA.CKA_TOKEN, true)); continue; }
            switch (a.Value)
            {
                case bool b: t.Add(f.Create(a.Type, b)); break;
                case ulong u: t.Add(f.Create(a.Type, u)); break;
                case byte[] { Length: 0 }: break; // empty dates, labels, ids: the target's defaults
                case byte[] bytes: t.Add(f.Create(a.Type, bytes)); break;
                case ulong[] { Length: > 0 } mechs: t.Add(f.Create(a.Type, mechs.ToList())); break;
                case List<SoftHsmAttribute> { Count: > 0 } map: t.Add(f.Create(a.Type, Template(map, top: false))); break;
            }
        }
        return t;
    }
}
