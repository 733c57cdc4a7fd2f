using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using OpenCryptokiActors.Cli.Core;
using static OpenCryptokiActors.Cli.Core.Attrs;

namespace OpenCryptokiActors.Cli.Commands;

/// <summary><c>ock key …</c>: p11sak's key functions for any module.</summary>
public static class KeyCommands
{
    private static readonly CKO[] KeyClasses = [CKO.CKO_SECRET_KEY, CKO.CKO_PUBLIC_KEY, CKO.CKO_PRIVATE_KEY];

    public static Command Create(Globals g)
    {
        var key = new Command("key", "Key management: generate, list, remove, set-attr, copy, import, export, extract-pubkey, wrap, unwrap.");
        foreach (var c in new[] { Generate(g), List(g), Remove(g), SetAttr(g), Copy(g), Import(g), Export(g), ExtractPubkey(g), Wrap(g), Unwrap(g) })
            key.Subcommands.Add(c);
        return key;
    }

    internal static Option<string[]> AttrOption(string name = "--attr", string what = "the (private or secret) key") => new(name)
    {
        Description = $"Boolean attributes of {what}: comma list of NAME, !NAME or NAME=false " +
                      "(token, private, sensitive, extractable, modifiable, copyable, destroyable, sign, verify, encrypt, " +
                      "decrypt, wrap, unwrap, derive, trusted, wrap-with-trusted, always-authenticate, ...)",
        HelpName = "FLAGS",
        AllowMultipleArgumentsPerToken = false,
    };

    internal static Option<bool> NoLoginOption() => new("--no-login") { Description = "Do not log in (public objects only)" };

    /// <summary>Opens the session for a key command: R/W, logged in as User unless --no-login.</summary>
    internal static (ISession Session, Pkcs11Uri TokenUri) OpenKeySession(Ock ock, bool readWrite, bool login = true)
    {
        var session = ock.Open(readWrite, login ? CKU.CKU_USER : null);
        var slot = ock.SelectSlot();
        return (session, Ock.TokenUri(slot.GetTokenInfo()));
    }

    // ---------------------------------------------------------------------------------------------- generate

    private static Command Generate(Globals g)
    {
        var type = new Argument<string>("TYPE") { Description = string.Join(", ", KeyGen.Types) };
        type.AcceptOnlyFromAmong(KeyGen.Types);
        var bits = new Option<int?>("--bits")
        {
            Description = "Key size in bits (aes 128/192/256, default 256; generic/hmac default 256; rsa default 2048; " +
                          "dsa 1024/2048/3072, default 2048; dh prime size, default 2048)",
            HelpName = "N",
        };
        var curve = new Option<string>("--curve") { Description = "EC curve: p256 (default), p384, p521", HelpName = "CURVE" };
        var hash = new Option<string>("--hash") { Description = "hmac key type: sha1, sha224, sha256 (default), sha384, sha512", HelpName = "HASH" };
        var exponent = new Option<ulong>("--exponent") { Description = "RSA public exponent", DefaultValueFactory = _ => 65537 };
        var set = new Option<string>("--set")
        {
            Description = $"Parameter set: ml-dsa {KeyGen.SetNames(KeyGen.MlDsaSets)} (default 65); ml-kem {KeyGen.SetNames(KeyGen.MlKemSets)} " +
                          $"(default 768); slh-dsa {KeyGen.SetNames(KeyGen.SlhDsaSets)} (default sha2-128f)",
            HelpName = "SET",
        };
        var group = new Option<string>("--group")
        {
            Description = $"dh: a named group ({string.Join(", ", KeyGen.DhGroups.Keys)}). Without it, --bits N: domain parameters from the " +
                          "token's CKM_DH_PKCS_PARAMETER_GEN when it has one, else the RFC 7919 group of that size",
            HelpName = "NAME",
        };
        var label = new Option<string>("--label") { Description = "CKA_LABEL (with --count: LABEL-1 … LABEL-N)", HelpName = "LABEL", Required = true };
        var id = new Option<string>("--id") { Description = "CKA_ID in hex", HelpName = "HEX" };
        var attr = AttrOption();
        var pubAttr = AttrOption("--pub-attr", "the public key");
        var count = new Option<int>("--count") { Description = "Generate N keys (progress bar on a terminal)", DefaultValueFactory = _ => 1, HelpName = "N" };
        var cmd = new Command("generate", "Generate a secret key or a key pair on the token (p11sak generate-key). " +
                                          "dsa domain parameters come from the token's CKM_DSA_PARAMETER_GEN, else are generated here (BouncyCastle). " +
                                          "A type whose mechanism the token lacks is refused with exit code 2.")
        {
            type, bits, curve, hash, exponent, set, group, label, id, attr, pubAttr, count,
        }.Examples(
            "ock key generate aes --bits 256 --label k1 --token mytoken",
            "ock key generate rsa --bits 3072 --label signer --id 01 --attr !extractable",
            "ock key generate ec --curve p384 --label ec1 --id 02",
            "ock key generate ed25519 --label ed1 --id 03",
            "ock key generate des3 --label legacy",
            "ock key generate dsa --bits 2048 --label dsa1",
            "ock key generate dh --group ffdhe3072 --label dh1",
            "ock key generate ml-dsa --set 87 --label pq1",
            "ock key generate slh-dsa --set shake-128s --label pq2",
            "ock key generate hmac --hash sha256 --bits 256 --label mac1 --attr sign,verify",
            "ock key generate aes --label bulk --count 100");
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var t = p.GetValue(type)!;
            var idBytes = p.GetValue(id) is { } hex ? ParseHex(hex, "--id") : null;
            var n = p.GetValue(count);
            if (n < 1) throw new UsageException("--count must be at least 1");
            var options = new KeyGenOptions(p.GetValue(bits), p.GetValue(curve), p.GetValue(hash), p.GetValue(exponent), p.GetValue(set),
                p.GetValue(group), ParseFlags(p.GetValue(attr)), ParseFlags(p.GetValue(pubAttr)));
            var (session, tokenUri) = OpenKeySession(ock, readWrite: true);
            var generate = KeyGen.Prepare(ock.SelectSlot(), session, t, options);
            var made = new List<ObjectInfo>();
            Output.Progress($"Generating {n} {t} keys", n, tick =>
            {
                for (var i = 1; i <= n; i++)
                {
                    var l = n == 1 ? p.GetValue(label)! : $"{p.GetValue(label)}-{i}";
                    foreach (var h in generate(l, idBytes))
                        made.Add(ObjectInfo.Read(session, h, tokenUri));
                    tick();
                }
            });
            foreach (var o in made) Output.Line($"{Attrs.ClassName(o.Class)} {o.TypeName} {o.Size}: {o.Uri}");
            return 0;
        }));
        return cmd;
    }

    // ---------------------------------------------------------------------------------------------- list

    private static Command List(Globals g)
    {
        var sel = new ObjectSelection();
        var longForm = new Option<bool>("--long", "-l") { Description = "Show every readable (non-sensitive) attribute" };
        var sort = new Option<string>("--sort") { Description = "Sort by label (default), class, type, size or id", HelpName = "FIELD" };
        sort.AcceptOnlyFromAmong("label", "class", "type", "size", "id");
        var noLogin = NoLoginOption();
        var cmd = new Command("list", "List keys with their URIs (p11sak list-key).") { g.Json, longForm, sort, noLogin }.Examples(
            "ock key list --token mytoken",
            "ock key list --type rsa --class private --label 'sig*' --long",
            "ock key list 'pkcs11:token=mytoken;type=secret-key' --json --sort size");
        sel.AddTo(cmd);
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var filter = sel.Filter(ock, KeyClasses);
            var (session, tokenUri) = OpenKeySession(ock, readWrite: false, login: !p.GetValue(noLogin));
            var found = Sort(filter.Find(session, tokenUri), p.GetValue(sort));
            PrintObjects(session, found, ock.JsonOutput, p.GetValue(longForm),
                ["Class", "Type", "Size", "Label", "ID", "Flags", "URI"],
                o => [ClassName(o.Class), o.TypeName, o.Size, o.Label, Hex(o.Id), o.FlagText, o.Uri.ToString()]);
            return 0;
        }));
        return cmd;
    }

    internal static List<ObjectInfo> Sort(List<ObjectInfo> list, string? by) => (by ?? "label") switch
    {
        "class" => list.OrderBy(o => ClassName(o.Class)).ThenBy(o => o.Label, StringComparer.Ordinal).ToList(),
        "type" => list.OrderBy(o => o.TypeName).ThenBy(o => o.Label, StringComparer.Ordinal).ToList(),
        "size" => list.OrderBy(o => int.TryParse(o.Size, out var n) ? n : int.MaxValue).ThenBy(o => o.Size).ThenBy(o => o.Label, StringComparer.Ordinal).ToList(),
        "id" => list.OrderBy(o => Hex(o.Id), StringComparer.Ordinal).ToList(),
        _ => list.OrderBy(o => o.Label, StringComparer.Ordinal).ThenBy(o => ClassName(o.Class)).ToList(),
    };

    internal static void PrintObjects(ISession session, List<ObjectInfo> found, bool json, bool longForm, string[] columns,
        Func<ObjectInfo, string?[]> row)
    {
        if (json)
        {
            var arr = new JsonArray();
            foreach (var o in found)
            {
                var j = o.ToJson();
                if (longForm) j["attributes"] = AttributeDump.Json(session, o);
                arr.Add(j);
            }
            Output.Json(arr);
            return;
        }
        if (longForm)
        {
            foreach (var o in found)
            {
                Output.Line(o.Uri.ToString());
                Output.Fields(AttributeDump.Read(session, o), "  ");
                Output.Line();
            }
            Output.Line($"{found.Count} object(s)");
            return;
        }
        if (found.Count == 0)
        {
            Output.Line("no objects");
            return;
        }
        Output.Table(columns, found.Select(row));
    }

    // ---------------------------------------------------------------------------------------------- remove

    private static Command Remove(Globals g)
    {
        var sel = new ObjectSelection();
        var force = new Option<bool>("--force", "-f") { Description = "Do not ask for confirmation (needed without a terminal)" };
        var cmd = new Command("remove", "Destroy the matching keys (p11sak remove-key).") { force }.Examples(
            "ock key remove k1 --force",
            "ock key remove 'pkcs11:object=signer;type=private'",
            "ock key remove --label 'tmp-*' --type aes --force");
        sel.AddTo(cmd);
        cmd.SetAction(p => Ock.Run(p, g, ock => RemoveObjects(ock, sel, KeyClasses, p.GetValue(force), "key")));
        return cmd;
    }

    internal static int RemoveObjects(Ock ock, ObjectSelection sel, CKO[] classes, bool force, string what)
    {
        var filter = sel.Filter(ock, classes);
        if (filter.IsEmpty) throw new UsageException($"name the {what}(s) to remove: a URI or label argument, --label, --id or --type");
        var (session, tokenUri) = OpenKeySession(ock, readWrite: true);
        var found = filter.Find(session, tokenUri);
        if (found.Count == 0) throw new UsageException($"no {what} matches");
        if (!force)
        {
            if (Console.IsInputRedirected) throw new UsageException($"{found.Count} {what}(s) match: add --force to remove without a terminal");
            foreach (var o in found) Output.Line(o.Uri.ToString());
            if (!Spectre.Console.AnsiConsole.Confirm($"Remove {found.Count} {what}(s)?", defaultValue: false)) return 0;
        }
        foreach (var o in found)
        {
            session.DestroyObject(o.Handle);
            Output.Line($"removed {o.Uri}");
        }
        return 0;
    }

    // ---------------------------------------------------------------------------------------------- set-attr, copy

    private static Command SetAttr(Globals g)
    {
        var sel = new ObjectSelection();
        var attr = AttrOption(what: "the key");
        var newLabel = new Option<string>("--new-label") { Description = "New CKA_LABEL", HelpName = "LABEL" };
        var newId = new Option<string>("--new-id") { Description = "New CKA_ID (hex)", HelpName = "HEX" };
        var cmd = new Command("set-attr", "Change attributes of the matching keys (p11sak set-key-attr).") { attr, newLabel, newId }.Examples(
            "ock key set-attr k1 --attr !encrypt,decrypt",
            "ock key set-attr 'pkcs11:object=old;type=secret-key' --new-label new --new-id 0a0b");
        sel.AddTo(cmd);
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var filter = sel.Filter(ock, KeyClasses);
            if (filter.IsEmpty) throw new UsageException("name the key(s): a URI or label argument, --label, --id or --type");
            var template = Changes(p.GetValue(attr), p.GetValue(newLabel), p.GetValue(newId));
            if (template.Count == 0) throw new UsageException("nothing to change: give --attr, --new-label or --new-id");
            var (session, tokenUri) = OpenKeySession(ock, readWrite: true);
            var found = filter.Find(session, tokenUri);
            if (found.Count == 0) throw new UsageException("no key matches");
            foreach (var o in found)
            {
                session.SetAttributeValue(o.Handle, template);
                Output.Line($"updated {ObjectInfo.Read(session, o.Handle, tokenUri).Uri}");
            }
            return 0;
        }));
        return cmd;
    }

    internal static List<IObjectAttribute> Changes(string[]? attr, string? label, string? id)
    {
        var template = ParseFlags(attr).Select(f => A(f.Type, f.Value)).ToList();
        if (label != null) template.Add(A(CKA.CKA_LABEL, label));
        if (id != null) template.Add(A(CKA.CKA_ID, ParseHex(id, "--new-id")));
        return template;
    }

    private static Command Copy(Globals g)
    {
        var sel = new ObjectSelection();
        var attr = AttrOption(what: "the copy");
        var newLabel = new Option<string>("--new-label") { Description = "CKA_LABEL of the copy", HelpName = "LABEL" };
        var newId = new Option<string>("--new-id") { Description = "CKA_ID of the copy (hex)", HelpName = "HEX" };
        var cmd = new Command("copy", "Copy a key (C_CopyObject), changing attributes on the way (p11sak copy-key).") { attr, newLabel, newId }.Examples(
            "ock key copy k1 --new-label k1-copy",
            "ock key copy 'pkcs11:object=k1;type=secret-key' --new-label k2 --attr !extractable");
        sel.AddTo(cmd);
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var filter = sel.Filter(ock, KeyClasses);
            var (session, tokenUri) = OpenKeySession(ock, readWrite: true);
            var source = filter.FindOne(session, tokenUri, "key");
            var copy = session.CopyObject(source.Handle, Changes(p.GetValue(attr), p.GetValue(newLabel), p.GetValue(newId)));
            Output.Line($"copied to {ObjectInfo.Read(session, copy, tokenUri).Uri}");
            return 0;
        }));
        return cmd;
    }

    // ---------------------------------------------------------------------------------------------- import, export

    internal static Option<string> PasswordFileOption(string what) => new("--password-file")
    {
        Description = $"Read the {what} password from this file. Else $OCK_PASSWORD, else a no-echo prompt",
        HelpName = "FILE",
    };

    private static Command Import(Globals g)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "PEM or DER key file, or a PKCS#12 file (.p12, .pfx)" };
        file.AcceptExistingOnly();
        var label = new Option<string>("--label") { Description = "CKA_LABEL", HelpName = "LABEL", Required = true };
        var id = new Option<string>("--id")
        {
            Description = "CKA_ID in hex (PKCS#12: default the certificate's subject key identifier)",
            HelpName = "HEX",
        };
        var raw = new Option<string>("--raw") { Description = "The file is a raw secret key of this type: aes, generic, hmac-sha256, ...", HelpName = "TYPE" };
        var pkcs12 = new Option<bool>("--pkcs12") { Description = "The file is PKCS#12 (implied by the .p12 and .pfx extensions)" };
        var attr = AttrOption(what: "the imported key");
        var password = PasswordFileOption("encrypted PKCS#8 or PKCS#12");
        var cmd = new Command("import", "Import a key from a file (p11sak import-key): PEM/DER PKCS#8 (also encrypted), PKCS#1, SEC1, SPKI " +
                                        "(RSA, EC, Ed25519, Ed448, X25519, X448, DSA, DH); " +
                                        "raw secret keys with --raw; PKCS#12 (private key, its certificate and the chain, key and certificate " +
                                        "sharing label and CKA_ID; chain certificates labelled LABEL-chain-N).")
        {
            file, label, id, raw, pkcs12, attr, password,
        }.Examples(
            "ock key import rsa.pem --label imported --id 10",
            "ock key import key.p8.der --label k --password-file pw.txt",
            "ock key import ec-pub.pem --label peer",
            "ock key import aes.bin --raw aes --label wrapkey --attr wrap,unwrap",
            "OCK_PASSWORD=... ock key import server.p12 --label server");
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var path = p.GetValue(file)!.FullName;
            var bytes = File.ReadAllBytes(path);
            var idBytes = p.GetValue(id) is { } hex ? ParseHex(hex, "--id") : null;
            var flags = ParseFlags(p.GetValue(attr));
            if (p.GetValue(pkcs12) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase))
            {
                if (p.GetValue(raw) != null) throw new UsageException("--raw and PKCS#12 do not go together");
                var p12 = Pkcs12File.Read(KeyCodec.Unpem(bytes).Der, Pins.Get("PKCS#12 password", p.GetValue(password), Pins.PasswordVariable));
                return ImportPkcs12(ock, p12, p.GetValue(label)!, idBytes, flags);
            }
            KeyMaterial key;
            if (p.GetValue(raw) is { } rawType)
            {
                var ckk = ParseKeyType(rawType);
                if (ckk is CKK.CKK_RSA or CKK.CKK_EC or CKK.CKK_DSA or CKK.CKK_DH
                    || (ulong)ckk is Cryptoki.Pkcs11.CKK.EC_EDWARDS or Cryptoki.Pkcs11.CKK.EC_MONTGOMERY or Cryptoki.Pkcs11.CKK.ML_DSA
                        or Cryptoki.Pkcs11.CKK.ML_KEM or Cryptoki.Pkcs11.CKK.SLH_DSA)
                    throw new UsageException("--raw is for secret keys");
                key = new KeyMaterial(CKO.CKO_SECRET_KEY, ckk, [A(CKA.CKA_VALUE, bytes)], "raw");
            }
            else
            {
                key = KeyCodec.Read(bytes, () => Pins.Get("password", p.GetValue(password), Pins.PasswordVariable));
            }
            var (session, tokenUri) = OpenKeySession(ock, readWrite: true);
            var o = ObjectInfo.Read(session, session.CreateObject(KeyTemplate(key, p.GetValue(label)!, idBytes, flags)), tokenUri);
            Output.Line($"imported {key.Format} {ClassName(o.Class)} {o.TypeName} {o.Size}: {o.Uri}");
            return 0;
        }));
        return cmd;
    }

    /// <summary>The template of a token key object holding <paramref name="key"/>: private and secret keys sensitive and not extractable by default.</summary>
    internal static List<IObjectAttribute> KeyTemplate(KeyMaterial key, string label, byte[]? id, List<(CKA, bool)> flags)
    {
        var usage = (key.Class, key.Type) switch
        {
            (CKO.CKO_SECRET_KEY, CKK.CKK_AES or CKK.CKK_DES or CKK.CKK_DES2 or CKK.CKK_DES3) =>
                new[] { A(CKA.CKA_ENCRYPT, true), A(CKA.CKA_DECRYPT, true), A(CKA.CKA_WRAP, true), A(CKA.CKA_UNWRAP, true) },
            (CKO.CKO_SECRET_KEY, _) => [A(CKA.CKA_SIGN, true), A(CKA.CKA_VERIFY, true)],
            (CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA) => [A(CKA.CKA_SIGN, true), A(CKA.CKA_DECRYPT, true), A(CKA.CKA_UNWRAP, true)],
            (CKO.CKO_PRIVATE_KEY, CKK.CKK_DSA) or (CKO.CKO_PRIVATE_KEY, (CKK)Cryptoki.Pkcs11.CKK.EC_EDWARDS) => [A(CKA.CKA_SIGN, true)],
            (CKO.CKO_PRIVATE_KEY, CKK.CKK_DH) or (CKO.CKO_PRIVATE_KEY, (CKK)Cryptoki.Pkcs11.CKK.EC_MONTGOMERY) => [A(CKA.CKA_DERIVE, true)],
            (CKO.CKO_PRIVATE_KEY, _) => [A(CKA.CKA_SIGN, true), A(CKA.CKA_DERIVE, true)],
            (CKO.CKO_PUBLIC_KEY, CKK.CKK_RSA) => [A(CKA.CKA_VERIFY, true), A(CKA.CKA_ENCRYPT, true), A(CKA.CKA_WRAP, true)],
            (CKO.CKO_PUBLIC_KEY, CKK.CKK_DH) or (CKO.CKO_PUBLIC_KEY, (CKK)Cryptoki.Pkcs11.CKK.EC_MONTGOMERY) => [],
            _ => [A(CKA.CKA_VERIFY, true)],
        };
        var isPublic = key.Class == CKO.CKO_PUBLIC_KEY;
        return Merge([
            A(CKA.CKA_CLASS, key.Class), A(CKA.CKA_KEY_TYPE, key.Type), A(CKA.CKA_TOKEN, true), A(CKA.CKA_PRIVATE, !isPublic),
            A(CKA.CKA_LABEL, label),
            .. id is { Length: > 0 } ? [A(CKA.CKA_ID, id)] : Array.Empty<IObjectAttribute>(),
            .. isPublic ? Array.Empty<IObjectAttribute>() : [A(CKA.CKA_SENSITIVE, true), A(CKA.CKA_EXTRACTABLE, false)],
            .. usage, .. key.Attributes,
        ], flags);
    }

    /// <summary>
    /// A PKCS#12 file onto the token: the private key and its certificate under one label and CKA_ID (default: the
    /// certificate's key identifier), the certificate's public key beside them, the chain as LABEL-chain-N.
    /// </summary>
    private static int ImportPkcs12(Ock ock, Pkcs12File p12, string label, byte[]? id, List<(CKA, bool)> flags)
    {
        id ??= p12.Certificate is { } leaf ? CertCommands.KeyId(leaf) : null;
        var (session, tokenUri) = OpenKeySession(ock, readWrite: true);
        var made = new List<IObjectHandle> { session.CreateObject(KeyTemplate(p12.Key, label, id, flags)) };
        if (p12.Certificate is { } cert)
        {
            made.Add(session.CreateObject(CertCommands.Template(cert, label, id)));
            made.Add(CreatePublicKey(session, cert.PublicKey.ExportSubjectPublicKeyInfo(), label, id ?? [], []));
        }
        for (var i = 0; i < p12.Chain.Count; i++)
            made.Add(session.CreateObject(CertCommands.Template(p12.Chain[i], $"{label}-chain-{i + 1}", CertCommands.KeyId(p12.Chain[i]))));
        foreach (var o in made.Select(h => ObjectInfo.Read(session, h, tokenUri)))
            Output.Line($"imported PKCS#12 {ClassName(o.Class)} {o.TypeName} {o.Size}: {o.Uri}");
        return 0;
    }

    private static Command Export(Globals g)
    {
        var sel = new ObjectSelection();
        var output = new Option<string>("--out", "-o") { Description = "Output file (default: standard output)", HelpName = "FILE" };
        var der = new Option<bool>("--der") { Description = "DER instead of PEM" };
        var raw = new Option<bool>("--raw") { Description = "Secret keys: write the raw key value (only if extractable and not sensitive)" };
        var password = PasswordFileOption("PKCS#8");
        var cmd = new Command("export", "Export a key (p11sak export-key): public keys as SPKI; private keys (extractable, not sensitive) as password-protected PKCS#8; secret keys raw with --raw.")
        {
            output, der, raw, password,
        }.Examples(
            "ock key export 'pkcs11:object=signer;type=public' --out signer.pub.pem",
            "ock key export 'pkcs11:object=soft;type=private' --out soft.p8.pem --password-file pw.txt",
            "ock key export k1 --class secret --raw --out k1.bin");
        sel.AddTo(cmd);
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var filter = sel.Filter(ock, KeyClasses);
            var (session, tokenUri) = OpenKeySession(ock, readWrite: false);
            var o = filter.FindOne(session, tokenUri, "key");
            var type = (CKK)(o.SubType ?? throw new UsageException("the object has no CKA_KEY_TYPE"));
            byte[] data;
            if (o.Class == CKO.CKO_PUBLIC_KEY)
            {
                var spki = KeyCodec.PublicKeySpki(session, o.Handle, type);
                data = p.GetValue(der) ? spki : Encoding.ASCII.GetBytes(KeyCodec.Pem("PUBLIC KEY", spki));
            }
            else
            {
                RequireExportable(o);
                if (o.Class == CKO.CKO_SECRET_KEY)
                {
                    if (!p.GetValue(raw)) throw new UsageException("secret keys are exported raw: add --raw");
                    data = session.GetAttributeValue(o.Handle, [CKA.CKA_VALUE])[0].GetValueAsByteArray();
                }
                else
                {
                    var pw = Pins.Get("export password", p.GetValue(password), Pins.PasswordVariable, confirm: true);
                    if (pw.Length == 0) throw new UsageException("the export password must not be empty");
                    var pem = KeyCodec.PrivateKeyPkcs8Pem(session, o.Handle, type, pw);
                    data = p.GetValue(der) ? KeyCodec.Unpem(Encoding.ASCII.GetBytes(pem)).Der : Encoding.ASCII.GetBytes(pem + "\n");
                }
            }
            if (p.GetValue(output) is { } path)
            {
                File.WriteAllBytes(path, data);
                Output.Line($"exported {o.Uri} to {path}");
            }
            else
            {
                using var stdout = Console.OpenStandardOutput();
                stdout.Write(data);
            }
            return 0;
        }));
        return cmd;
    }

    private static void RequireExportable(ObjectInfo o)
    {
        if (o.Flags.GetValueOrDefault("extractable") != true)
            throw new UsageException("the key is not extractable (CKA_EXTRACTABLE false): only its public part can be exported");
        if (o.Flags.GetValueOrDefault("sensitive"))
            throw new UsageException("the key is sensitive (CKA_SENSITIVE true): its value never leaves the token in the clear; use `ock key wrap`");
    }

    // ---------------------------------------------------------------------------------------------- extract-pubkey

    private static Command ExtractPubkey(Globals g)
    {
        var sel = new ObjectSelection();
        var newLabel = new Option<string>("--new-label") { Description = "Label of the public key object (default: the private key's)", HelpName = "LABEL" };
        var attr = AttrOption(what: "the public key");
        var cmd = new Command("extract-pubkey", "Create a public key object from a private key's public part, with the same CKA_ID.") { newLabel, attr }.Examples(
            "ock key extract-pubkey 'pkcs11:object=imported;type=private'",
            "ock key extract-pubkey --label signer --class private --new-label signer-pub");
        sel.AddTo(cmd, withClass: false);
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var filter = sel.Filter(ock, [CKO.CKO_PRIVATE_KEY]);
            var (session, tokenUri) = OpenKeySession(ock, readWrite: true);
            var o = filter.FindOne(session, tokenUri, "private key");
            var spki = KeyCodec.PublicKeySpki(session, o.Handle, (CKK)o.SubType!.Value);
            var h = CreatePublicKey(session, spki, p.GetValue(newLabel) ?? o.Label, o.Id, ParseFlags(p.GetValue(attr)));
            Output.Line($"created {ObjectInfo.Read(session, h, tokenUri).Uri}");
            return 0;
        }));
        return cmd;
    }

    internal static IObjectHandle CreatePublicKey(ISession session, byte[] spki, string label, byte[] id, List<(CKA, bool)> flags)
    {
        var key = KeyCodec.FromSpki(spki);
        var usage = key.Type == CKK.CKK_RSA
            ? new[] { A(CKA.CKA_VERIFY, true), A(CKA.CKA_ENCRYPT, true), A(CKA.CKA_WRAP, true) }
            : [A(CKA.CKA_VERIFY, true)];
        var template = Merge([
            A(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY), A(CKA.CKA_KEY_TYPE, key.Type), A(CKA.CKA_TOKEN, true), A(CKA.CKA_PRIVATE, false),
            A(CKA.CKA_LABEL, label), .. id.Length > 0 ? [A(CKA.CKA_ID, id)] : Array.Empty<IObjectAttribute>(), .. usage, .. key.Attributes,
        ], flags);
        return session.CreateObject(template);
    }

    // ---------------------------------------------------------------------------------------------- wrap, unwrap

    private static readonly string[] WrapMechanisms = ["aes-key-wrap", "aes-key-wrap-pad", "rsa-pkcs", "rsa-oaep"];

    private static IMechanism WrapMechanism(string name) => name switch
    {
        "aes-key-wrap" => Ock.F.MechanismFactory.Create(CKM.CKM_AES_KEY_WRAP),
        "aes-key-wrap-pad" => Ock.F.MechanismFactory.Create(CKM.CKM_AES_KEY_WRAP_PAD),
        "rsa-pkcs" => Ock.F.MechanismFactory.Create(CKM.CKM_RSA_PKCS),
        "rsa-oaep" => Ock.F.MechanismFactory.Create(CKM.CKM_RSA_PKCS_OAEP,
            Ock.F.MechanismParamsFactory.CreateCkRsaPkcsOaepParams((ulong)CKM.CKM_SHA_1, (ulong)CKG.CKG_MGF1_SHA1, (ulong)CKZ.CKZ_DATA_SPECIFIED, null)),
        _ => throw new UsageException($"unknown mechanism {name}"),
    };

    /// <summary>An object named on the command line: a pkcs11: URI or a label.</summary>
    internal static ObjectFilter NamedObject(Ock ock, string text, CKO[] classes)
    {
        if (!Pkcs11Uri.IsUri(text)) return new ObjectFilter(classes, text);
        var uri = Pkcs11Uri.Parse(text);
        ock.UseUri(uri);
        var cls = uri.Type is { } t ? Attrs.ParseClass(t) : (CKO?)null;
        if (cls is { } c && !classes.Contains(c)) throw new UsageException($"{text}: a {ClassName(c)} object does not fit here");
        return new ObjectFilter(cls is { } k ? [k] : classes, uri.Object, LabelIsPattern: false, Id: uri.Id);
    }

    private static Command Wrap(Globals g)
    {
        var keyOpt = new Option<string>("--key") { Description = "The key to wrap: URI or label", HelpName = "KEY", Required = true };
        var wrapping = new Option<string>("--wrapping-key") { Description = "The wrapping key (AES secret or RSA public): URI or label", HelpName = "KEY", Required = true };
        var mech = new Option<string>("--mechanism", "-m") { Description = "aes-key-wrap (default), aes-key-wrap-pad, rsa-pkcs, rsa-oaep (SHA-1)", HelpName = "MECH" };
        mech.AcceptOnlyFromAmong(WrapMechanisms);
        var output = new Option<string>("--out", "-o") { Description = "File for the wrapped key", HelpName = "FILE", Required = true };
        var cmd = new Command("wrap", "Wrap (encrypt) a key under another key with C_WrapKey (p11sak wrap-key).") { keyOpt, wrapping, mech, output }.Examples(
            "ock key wrap --key k1 --wrapping-key kek --out k1.wrapped",
            "ock key wrap --key 'pkcs11:object=k1;type=secret-key' --wrapping-key 'pkcs11:object=rsa1;type=public' -m rsa-oaep --out k1.bin");
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var target = NamedObject(ock, p.GetValue(keyOpt)!, [CKO.CKO_SECRET_KEY, CKO.CKO_PRIVATE_KEY]);
            var wrapper = NamedObject(ock, p.GetValue(wrapping)!, [CKO.CKO_SECRET_KEY, CKO.CKO_PUBLIC_KEY]);
            var (session, tokenUri) = OpenKeySession(ock, readWrite: false);
            var k = target.FindOne(session, tokenUri, "key to wrap");
            var w = wrapper.FindOne(session, tokenUri, "wrapping key");
            var wrapped = session.WrapKey(WrapMechanism(p.GetValue(mech) ?? "aes-key-wrap"), w.Handle, k.Handle);
            File.WriteAllBytes(p.GetValue(output)!, wrapped);
            Output.Line($"wrapped {k.Uri} with {w.Uri}: {wrapped.Length} bytes to {p.GetValue(output)}");
            return 0;
        }));
        return cmd;
    }

    private static Command Unwrap(Globals g)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The wrapped key" };
        file.AcceptExistingOnly();
        var unwrapping = new Option<string>("--unwrapping-key") { Description = "The unwrapping key (AES secret or RSA private): URI or label", HelpName = "KEY", Required = true };
        var mech = new Option<string>("--mechanism", "-m") { Description = "aes-key-wrap (default), aes-key-wrap-pad, rsa-pkcs, rsa-oaep (SHA-1)", HelpName = "MECH" };
        mech.AcceptOnlyFromAmong(WrapMechanisms);
        var type = new Option<string>("--type") { Description = "Type of the unwrapped key: aes, generic, hmac-sha256, rsa, ec", HelpName = "TYPE", Required = true };
        var cls = new Option<string>("--class") { Description = "secret (default) or private", HelpName = "CLASS" };
        var label = new Option<string>("--label") { Description = "CKA_LABEL of the new key", HelpName = "LABEL", Required = true };
        var id = new Option<string>("--id") { Description = "CKA_ID in hex", HelpName = "HEX" };
        var attr = AttrOption(what: "the unwrapped key");
        var cmd = new Command("unwrap", "Unwrap a wrapped key into a new token key with C_UnwrapKey (p11sak unwrap-key).")
        {
            file, unwrapping, mech, type, cls, label, id, attr,
        }.Examples(
            "ock key unwrap k1.wrapped --unwrapping-key kek --type aes --label k1-back",
            "ock key unwrap k1.bin --unwrapping-key 'pkcs11:object=rsa1;type=private' -m rsa-oaep --type aes --label k1");
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var unwrapper = NamedObject(ock, p.GetValue(unwrapping)!, [CKO.CKO_SECRET_KEY, CKO.CKO_PRIVATE_KEY]);
            var keyClass = ParseClass(p.GetValue(cls) ?? "secret");
            if (keyClass is not (CKO.CKO_SECRET_KEY or CKO.CKO_PRIVATE_KEY)) throw new UsageException("--class: secret or private");
            var ckk = ParseKeyType(p.GetValue(type)!);
            var usage = (keyClass, ckk) switch
            {
                (CKO.CKO_SECRET_KEY, CKK.CKK_AES or CKK.CKK_DES or CKK.CKK_DES2 or CKK.CKK_DES3) => new[] { A(CKA.CKA_ENCRYPT, true), A(CKA.CKA_DECRYPT, true) },
                (CKO.CKO_SECRET_KEY, _) => [A(CKA.CKA_SIGN, true), A(CKA.CKA_VERIFY, true)],
                _ => [A(CKA.CKA_SIGN, true)],
            };
            var template = Merge([
                A(CKA.CKA_CLASS, keyClass), A(CKA.CKA_KEY_TYPE, ckk), A(CKA.CKA_TOKEN, true), A(CKA.CKA_PRIVATE, true),
                A(CKA.CKA_LABEL, p.GetValue(label)!), A(CKA.CKA_SENSITIVE, true),
                .. p.GetValue(id) is { } hex ? [A(CKA.CKA_ID, ParseHex(hex, "--id"))] : Array.Empty<IObjectAttribute>(), .. usage,
            ], ParseFlags(p.GetValue(attr)));
            var (session, tokenUri) = OpenKeySession(ock, readWrite: true);
            var u = unwrapper.FindOne(session, tokenUri, "unwrapping key");
            var h = session.UnwrapKey(WrapMechanism(p.GetValue(mech) ?? "aes-key-wrap"), u.Handle,
                File.ReadAllBytes(p.GetValue(file)!.FullName), template);
            Output.Line($"unwrapped {ObjectInfo.Read(session, h, tokenUri).Uri}");
            return 0;
        }));
        return cmd;
    }
}
