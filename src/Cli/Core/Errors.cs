namespace OpenCryptokiActors.Cli.Core;

/// <summary>Exit codes of every ock command.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Bad arguments, missing PIN, unreadable or unsupported input file, nothing matched.</summary>
    public const int Usage = 1;
    /// <summary>A PKCS#11 function failed (the CKR name is printed), or the module could not be loaded.</summary>
    public const int Pkcs11 = 2;
}

/// <summary>A usage error: printed as "ock: message", exit code 1.</summary>
public sealed class UsageException(string message) : Exception(message);
