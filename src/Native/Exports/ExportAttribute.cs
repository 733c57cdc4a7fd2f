namespace OpenCryptokiActors.Native.Exports;

/// <summary>
/// Marks the body of a PKCS#11 export: <c>static ulong C_Xxx(in CallTrace call, …)</c> in a partial class. The
/// source generator (src/Native.Generators) writes the ABI function <c>C_Xxx(…)</c> around it: UnmanagedCallersOnly with
/// that entry point, the trace's enter and rv lines, and any exception turned into a CKR code by <see cref="CallTrace.Fail"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ExportAttribute : Attribute;
