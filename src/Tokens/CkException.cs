using OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Tokens;

/// <summary>
/// A PKCS#11 failure, carrying the CK_RV chosen where the error was detected. The actor that runs the
/// call turns it into a reply; it never reaches a supervisor. The message must never contain a PIN,
/// key value or plaintext.
/// </summary>
public sealed class CkException(ulong rv, string? message = null)
    : Exception(message ?? CkRvNames.Name(rv))
{
    public ulong Rv { get; } = rv;
}
