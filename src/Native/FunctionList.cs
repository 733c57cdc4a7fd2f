using System.Runtime.InteropServices;
using OpenCryptokiActors.Native.Exports;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native;

/// <summary>
/// The function lists and the CK_INTERFACEs that offer them, built once in unmanaged memory and never freed (callers keep
/// the pointers for the life of the process). The entries come from the [Export] indexes (FunctionTables.g.cs, written by
/// src/Native.Generators): CK_FUNCTION_LIST (2.40, the first 68), CK_FUNCTION_LIST_3_0 (the first 92),
/// CK_FUNCTION_LIST_3_2 (all 104, pkcs11f.h of PKCS#11 3.2) and openCryptoki's CK_IBM_FUNCTION_LIST_1_0. Layout:
/// CK_VERSION, padding to 8, then the function pointers in the header's order.
/// </summary>
internal static unsafe class FunctionList
{
    private const int V240Count = 68;
    private const int V30Count = 92;
    private const int V32Count = 104;

    /// <summary>
    /// Flags of every interface offered: CKF_INTERFACE_FORK_SAFE. Their lists' C_Initialize is <see cref="General.C_InitializeForkSafe"/>
    /// (a fork()ed child goes on without C_Initialize, <see cref="ForkSafety"/>); the vendor list has none and follows the mode of
    /// the C_Initialize that was called.
    /// </summary>
    public const ulong InterfaceFlags = Cryptoki.Pkcs11.CKF.INTERFACE_FORK_SAFE;

    /// <summary>The CK_FUNCTION_LIST returned by C_GetFunctionList: the 2.40 rules, its child must C_Initialize again.</summary>
    public static readonly void* V240;

    /// <summary>The fork-safe 2.40 list of the "PKCS 11" 2.40 interface.</summary>
    public static readonly void* V240ForkSafe;

    public static readonly void* V30;

    public static readonly void* V32;

    /// <summary>CK_IBM_FUNCTION_LIST_1_0: version 1.0, C_IBM_ReencryptSingle.</summary>
    public static readonly void* Ibm10;

    /// <summary>
    /// The order of openCryptoki 3.27 (C_GetInterface takes the lowest index that matches): [0] "PKCS 11" 3.2 (the default),
    /// [1] "PKCS 11" 3.0, [2] "PKCS 11" 2.40, [3] "Vendor IBM" 1.0.
    /// </summary>
    public static readonly CK_INTERFACE* Interfaces;

    public const int InterfaceCount = 4;

    static FunctionList()
    {
        if (FunctionTables.Count != V32Count) throw new InvalidOperationException($"{FunctionTables.Count} exports in the PKCS #11 tables, {V32Count} expected");
        var all = (void**)NativeMemory.AllocZeroed((nuint)(V32Count * sizeof(void*)));
        FunctionTables.Fill(all);
        V240 = Build(new CK_VERSION(2, 40), all, V240Count);
        all[0] = (delegate* unmanaged<void*, ulong>)&General.C_InitializeForkSafe;
        V240ForkSafe = Build(new CK_VERSION(2, 40), all, V240Count);
        V30 = Build(new CK_VERSION(3, 0), all, V30Count);
        V32 = Build(new CK_VERSION(3, 2), all, V32Count);
        NativeMemory.Free(all);

        var vendor = (void**)NativeMemory.AllocZeroed((nuint)(FunctionTables.VendorCount * sizeof(void*)));
        FunctionTables.FillVendor(vendor);
        Ibm10 = Build(new CK_VERSION(1, 0), vendor, FunctionTables.VendorCount);
        NativeMemory.Free(vendor);

        var pkcs11 = Name("PKCS 11"u8);
        var ibm = Name("Vendor IBM"u8);
        Interfaces = (CK_INTERFACE*)NativeMemory.AllocZeroed((nuint)(InterfaceCount * sizeof(CK_INTERFACE)));
        Interfaces[0] = new CK_INTERFACE { pInterfaceName = pkcs11, pFunctionList = V32, flags = InterfaceFlags };
        Interfaces[1] = new CK_INTERFACE { pInterfaceName = pkcs11, pFunctionList = V30, flags = InterfaceFlags };
        Interfaces[2] = new CK_INTERFACE { pInterfaceName = pkcs11, pFunctionList = V240ForkSafe, flags = InterfaceFlags };
        Interfaces[3] = new CK_INTERFACE { pInterfaceName = ibm, pFunctionList = Ibm10, flags = InterfaceFlags };
    }

    private static byte* Name(ReadOnlySpan<byte> name)
    {
        var p = (byte*)NativeMemory.AllocZeroed((nuint)name.Length + 1);
        name.CopyTo(new Span<byte>(p, name.Length));
        return p;
    }

    private static void* Build(CK_VERSION version, void** functions, int count)
    {
        var list = (byte*)NativeMemory.AllocZeroed((nuint)(sizeof(void*) + count * sizeof(void*)));
        *(CK_VERSION*)list = version;
        Buffer.MemoryCopy(functions, list + sizeof(void*), count * sizeof(void*), count * sizeof(void*));
        return list;
    }

    /// <summary>
    /// C_GetInterface (PKCS#11 3.0 §5.4.6), as openCryptoki matches: a NULL name matches every name, a NULL version every
    /// version, and the interface must offer all requested flags; the lowest index that matches wins. Null when none does.
    /// </summary>
    public static CK_INTERFACE* Find(byte* name, CK_VERSION* version, ulong flags)
    {
        var wanted = name is null ? default : MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name);
        for (var i = 0; i < InterfaceCount; i++)
        {
            var candidate = Interfaces + i;
            if (name is not null && !wanted.SequenceEqual(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(candidate->pInterfaceName))) continue;
            var v = (CK_VERSION*)candidate->pFunctionList;
            if (version is not null && (version->major != v->major || version->minor != v->minor)) continue;
            if ((candidate->flags & flags) != flags) continue;
            return candidate;
        }

        return null;
    }
}
