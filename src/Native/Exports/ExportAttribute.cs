namespace OpenCryptokiActors.Native.Exports;

/// <summary>
/// Marks the body of a PKCS#11 export: <c>static ulong C_Xxx(in CallTrace call, …)</c> in a partial class. The
/// source generator (src/Native.Generators) writes the ABI function <c>C_Xxx(…)</c> around it: UnmanagedCallersOnly with
/// that entry point, the trace's enter and rv lines, and any exception turned into a CKR code by <see cref="CallTrace.Fail"/>;
/// and it puts the function at <paramref name="index"/> of the function-list tables (FunctionTables.g.cs): its position in
/// CK_FUNCTION_LIST_3_2 (pkcs11f.h order), or with <see cref="Vendor"/> in openCryptoki's CK_IBM_FUNCTION_LIST_1_0.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ExportAttribute(int index) : Attribute
{
    public int Index { get; } = index;

    /// <summary>The function belongs to the "Vendor IBM" interface's list, not to the PKCS #11 lists.</summary>
    public bool Vendor { get; set; }
}
