using System.Runtime.InteropServices;
using System.Text;

namespace OpenCryptokiActors.Native;

/// <summary>
/// Why the last C_Initialize failed to reach ock-slotd, for the user without a trace level: written to the trace, once to
/// syslog (as openCryptoki logs its errors; the same sentence again is not repeated), and kept for
/// <c>ock_last_error</c>, which <c>ock</c> reads to print it.
/// </summary>
internal static unsafe class Refusal
{
    private static string? s_last;
    private static string? s_logged;

    public static void Report(string message)
    {
        Trace.Error(message);
        s_last = message;
        if (s_logged == message) return;
        s_logged = message;
        Trace.Syslog(message);
    }

    /// <summary>Forgets the reason (a C_Initialize succeeded).</summary>
    public static void Clear() => s_last = null;

    /// <summary>
    /// <c>CK_RV ock_last_error(CK_UTF8CHAR *buffer, CK_ULONG *length)</c>: the sentence of the last failed C_Initialize (UTF-8,
    /// not terminated), with PKCS#11's buffer convention (NULL buffer: length only; too small: CKR_BUFFER_TOO_SMALL);
    /// an empty string when the last C_Initialize did not fail on the connection.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "ock_last_error")]
    private static ulong LastError(byte* buffer, ulong* length)
    {
        if (length is null) return Cryptoki.Pkcs11.CKR.ARGUMENTS_BAD;
        var bytes = Encoding.UTF8.GetBytes(s_last ?? "");
        if (buffer is null)
        {
            *length = (ulong)bytes.Length;
            return Cryptoki.Pkcs11.CKR.OK;
        }

        if (*length < (ulong)bytes.Length)
        {
            *length = (ulong)bytes.Length;
            return Cryptoki.Pkcs11.CKR.BUFFER_TOO_SMALL;
        }

        bytes.CopyTo(new Span<byte>(buffer, bytes.Length));
        *length = (ulong)bytes.Length;
        return Cryptoki.Pkcs11.CKR.OK;
    }
}
