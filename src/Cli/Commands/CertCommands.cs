using System.CommandLine;
using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using OpenCryptokiActors.Cli.Core;
using static OpenCryptokiActors.Cli.Core.Attrs;

namespace OpenCryptokiActors.Cli.Commands;

/// <summary><c>ock cert …</c>: X.509 certificates (p11sak list-cert, import-cert, export-cert, remove-cert, extract-cert-pubkey).</summary>
public static class CertCommands
{
    private static readonly CKO[] CertClass = [CKO.CKO_CERTIFICATE];

    public static Command Create(Globals g)
    {
        var cert = new Command("cert", "X.509 certificates: list, import, export, remove, extract-pubkey.");
        foreach (var c in new[] { List(g), Import(g), Export(g), Remove(g), ExtractPubkey(g) }) cert.Subcommands.Add(c);
        return cert;
    }

    private static X509Certificate2 Load(byte[] bytes)
    {
        var (label, der) = KeyCodec.Unpem(bytes);
        if (label != null && label != "CERTIFICATE") throw new UsageException($"PEM '{label}' is not a CERTIFICATE");
        return X509CertificateLoader.LoadCertificate(der);
    }

    private static X509Certificate2 Read(ISession s, ObjectInfo o) =>
        X509CertificateLoader.LoadCertificate(s.GetAttributeValue(o.Handle, [CKA.CKA_VALUE])[0].GetValueAsByteArray());

    private static Command List(Globals g)
    {
        var sel = new ObjectSelection();
        var longForm = new Option<bool>("--long", "-l") { Description = "Show every attribute" };
        var sort = new Option<string>("--sort") { Description = "Sort by label (default) or id", HelpName = "FIELD" };
        sort.AcceptOnlyFromAmong("label", "id");
        var noLogin = KeyCommands.NoLoginOption();
        var cmd = new Command("list", "List certificates with subject, issuer, expiry and URI (p11sak list-cert).") { g.Json, longForm, sort, noLogin }.Examples(
            "ock cert list --token mytoken",
            "ock cert list --label 'web*' --json");
        sel.AddTo(cmd, withClass: false);
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var filter = sel.Filter(ock, CertClass);
            var (session, tokenUri) = KeyCommands.OpenKeySession(ock, readWrite: false, login: !p.GetValue(noLogin));
            var found = KeyCommands.Sort(filter.Find(session, tokenUri), p.GetValue(sort));
            if (ock.JsonOutput && !p.GetValue(longForm))
            {
                var arr = new System.Text.Json.Nodes.JsonArray();
                foreach (var o in found)
                {
                    var j = o.ToJson();
                    using var c = Read(session, o);
                    j["subject"] = c.Subject;
                    j["issuer"] = c.Issuer;
                    j["serial"] = c.SerialNumber.ToLowerInvariant();
                    j["notAfter"] = c.NotAfter.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ");
                    arr.Add(j);
                }
                Output.Json(arr);
                return 0;
            }
            KeyCommands.PrintObjects(session, found, ock.JsonOutput, p.GetValue(longForm),
                ["Label", "ID", "Subject", "Issuer", "Not after", "URI"],
                o =>
                {
                    using var c = Read(session, o);
                    return [o.Label, Hex(o.Id), c.Subject, c.Issuer, c.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd"), o.Uri.ToString()];
                });
            return 0;
        }));
        return cmd;
    }

    private static Command Import(Globals g)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "PEM or DER X.509 certificate" };
        file.AcceptExistingOnly();
        var label = new Option<string>("--label") { Description = "CKA_LABEL", HelpName = "LABEL", Required = true };
        var id = new Option<string>("--id") { Description = "CKA_ID in hex (match it to the key's)", HelpName = "HEX" };
        var trusted = new Option<bool>("--trusted") { Description = "Set CKA_TRUSTED (the SO must be logged in on most tokens)" };
        var cmd = new Command("import", "Import an X.509 certificate (p11sak import-cert).") { file, label, id, trusted }.Examples(
            "ock cert import server.pem --label server --id 01");
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            using var c = Load(File.ReadAllBytes(p.GetValue(file)!.FullName));
            var template = Template(c, p.GetValue(label)!, p.GetValue(id) is { } hex ? ParseHex(hex, "--id") : null);
            if (p.GetValue(trusted)) template.Add(A(CKA.CKA_TRUSTED, true));
            var (session, tokenUri) = KeyCommands.OpenKeySession(ock, readWrite: true);
            var h = session.CreateObject(template);
            Output.Line($"imported {c.Subject}: {ObjectInfo.Read(session, h, tokenUri).Uri}");
            return 0;
        }));
        return cmd;
    }

    /// <summary>The template of a token certificate object for <paramref name="c"/>.</summary>
    internal static List<IObjectAttribute> Template(X509Certificate2 c, string label, byte[]? id)
    {
        var serial = new AsnWriter(AsnEncodingRules.DER);
        serial.WriteInteger(c.SerialNumberBytes.Span);
        var template = new List<IObjectAttribute>
        {
            A(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE), A(CKA.CKA_CERTIFICATE_TYPE, CKC.CKC_X_509), A(CKA.CKA_TOKEN, true),
            A(CKA.CKA_PRIVATE, false), A(CKA.CKA_LABEL, label), A(CKA.CKA_SUBJECT, c.SubjectName.RawData),
            A(CKA.CKA_ISSUER, c.IssuerName.RawData), A(CKA.CKA_SERIAL_NUMBER, serial.Encode()), A(CKA.CKA_VALUE, c.RawData),
        };
        if (id is { Length: > 0 }) template.Add(A(CKA.CKA_ID, id));
        return template;
    }

    /// <summary>A certificate's key identifier: its subjectKeyIdentifier, else the SHA-1 of its public key (RFC 5280 4.2.1.2).</summary>
    internal static byte[] KeyId(X509Certificate2 c) =>
        c.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes.ToArray()
        ?? System.Security.Cryptography.SHA1.HashData(c.PublicKey.EncodedKeyValue.RawData);

    private static Command Export(Globals g)
    {
        var sel = new ObjectSelection();
        var output = new Option<string>("--out", "-o") { Description = "Output file (default: standard output)", HelpName = "FILE" };
        var der = new Option<bool>("--der") { Description = "DER instead of PEM" };
        var cmd = new Command("export", "Export a certificate as PEM or DER (p11sak export-cert).") { output, der }.Examples(
            "ock cert export server --out server.pem",
            "ock cert export 'pkcs11:object=server;type=cert' --der --out server.der");
        sel.AddTo(cmd, withClass: false);
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var filter = sel.Filter(ock, CertClass);
            var (session, tokenUri) = KeyCommands.OpenKeySession(ock, readWrite: false, login: false);
            var o = filter.FindOne(session, tokenUri, "certificate");
            var value = session.GetAttributeValue(o.Handle, [CKA.CKA_VALUE])[0].GetValueAsByteArray();
            var data = p.GetValue(der) ? value : Encoding.ASCII.GetBytes(KeyCodec.Pem("CERTIFICATE", value));
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

    private static Command Remove(Globals g)
    {
        var sel = new ObjectSelection();
        var force = new Option<bool>("--force", "-f") { Description = "Do not ask for confirmation (needed without a terminal)" };
        var cmd = new Command("remove", "Destroy the matching certificates (p11sak remove-cert).") { force }.Examples(
            "ock cert remove server --force");
        sel.AddTo(cmd, withClass: false);
        cmd.SetAction(p => Ock.Run(p, g, ock => KeyCommands.RemoveObjects(ock, sel, CertClass, p.GetValue(force), "certificate")));
        return cmd;
    }

    private static Command ExtractPubkey(Globals g)
    {
        var sel = new ObjectSelection();
        var newLabel = new Option<string>("--new-label") { Description = "Label of the public key object (default: the certificate's)", HelpName = "LABEL" };
        var attr = KeyCommands.AttrOption(what: "the public key");
        var cmd = new Command("extract-pubkey", "Create a public key object from a certificate's key, with the same CKA_ID (p11sak extract-cert-pubkey).") { newLabel, attr }.Examples(
            "ock cert extract-pubkey server",
            "ock cert extract-pubkey 'pkcs11:object=server;type=cert' --new-label server-pub");
        sel.AddTo(cmd, withClass: false);
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var filter = sel.Filter(ock, CertClass);
            var (session, tokenUri) = KeyCommands.OpenKeySession(ock, readWrite: true);
            var o = filter.FindOne(session, tokenUri, "certificate");
            using var c = Read(session, o);
            var h = KeyCommands.CreatePublicKey(session, c.PublicKey.ExportSubjectPublicKeyInfo(), p.GetValue(newLabel) ?? o.Label, o.Id,
                ParseFlags(p.GetValue(attr)));
            Output.Line($"created {ObjectInfo.Read(session, h, tokenUri).Uri}");
            return 0;
        }));
        return cmd;
    }
}
