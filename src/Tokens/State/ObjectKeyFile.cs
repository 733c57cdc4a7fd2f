using System.Security.Cryptography;

namespace OpenCryptokiActors.Tokens.State;

/// <summary>
/// A token's object key: the AES-256 key that seals the secret attribute values (<see cref="Objects.TemplateValidator.IsSecretAtRest"/>)
/// of its public objects (CKA_PRIVATE = FALSE) at rest. Private objects are sealed under the master key, which exists only while
/// someone is logged in; public objects are created and used without a login, so their key must be at hand without a PIN. It is
/// kept outside the database, beside the audit anchors: <c>data-dir/keys/&lt;persistence id&gt;.key</c>, 32 bytes, mode 0600 in a
/// 0700 directory. The journal, the snapshots and a copy of the database therefore never hold a key value in clear; whoever
/// has the database and this file (the daemon's own account, root) can open the public secrets, as the daemon can.
/// </summary>
public static class ObjectKeyFile
{
    public const string DirectoryName = "keys";

    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The key file of <paramref name="persistenceId"/> under <paramref name="dataDir"/>.</summary>
    public static string PathOf(string dataDir, string persistenceId) =>
        Path.Combine(Path.GetFullPath(dataDir), DirectoryName, persistenceId + ".key");

    /// <summary>
    /// Reads the token's object key, or makes a new one when there is none (<paramref name="created"/>): written to a 0600 temporary
    /// file, flushed to disk and renamed, so that a crash leaves either no key file or a whole one.
    /// </summary>
    /// <exception cref="IOException">The file exists but is not a key (wrong length), or cannot be read or written.</exception>
    public static byte[] LoadOrCreate(string path, out bool created)
    {
        created = false;
        if (File.Exists(path)) return Read(path);
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory, DirectoryMode);
        var key = RandomNumberGenerator.GetBytes(PinCrypto.MasterKeyLength);
        var tmp = path + ".tmp";
        using (var f = new FileStream(tmp, new FileStreamOptions
               {
                   Mode = System.IO.FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, UnixCreateMode = FileMode,
               }))
        {
            f.Write(key);
            f.Flush(flushToDisk: true);
        }

        try
        {
            File.Move(tmp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // made meanwhile by another start of the same token: that one counts
            File.Delete(tmp);
            CryptographicOperations.ZeroMemory(key);
            return Read(path);
        }

        created = true;
        return key;
    }

    private static byte[] Read(string path)
    {
        var key = File.ReadAllBytes(path);
        if (key.Length == PinCrypto.MasterKeyLength) return key;
        CryptographicOperations.ZeroMemory(key);
        throw new IOException($"{path} is not an object key ({key.Length} bytes)");
    }
}
