using System.Runtime.InteropServices;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>PKCS#11 random number generation (§5.15 in 2.40).</summary>
internal static unsafe class RandomNumbers
{
    [UnmanagedCallersOnly(EntryPoint = "C_SeedRandom")]
    public static ulong C_SeedRandom(ulong hSession, byte* pSeed, ulong ulSeedLen)
    {
        var call = Trace.Enter(nameof(C_SeedRandom));
        try
        {
            return call.Return(Calls.Data(call, Opcode.SeedRandom, hSession, pSeed, ulSeedLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GenerateRandom")]
    public static ulong C_GenerateRandom(ulong hSession, byte* pRandomData, ulong ulRandomLen)
    {
        var call = Trace.Enter(nameof(C_GenerateRandom));
        try
        {
            if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={hSession} len={ulRandomLen}");
            var c = Module.Acquire(out var rv);
            if (c is null) return call.Return(rv);
            try
            {
                if (pRandomData is null && ulRandomLen != 0) return call.Return(CKR.ARGUMENTS_BAD);
                if (ulRandomLen > Frame.MaxFrameLength - 64) return call.Return(CKR.DATA_LEN_RANGE);
                var w = c.Begin(Opcode.GenerateRandom);
                w.WriteULong(hSession);
                w.WriteULong(ulRandomLen);
                rv = c.Call(out var r);
                if (rv != CKR.OK) return call.Return(rv);
                var random = r.ReadBytesSpan();
                if ((ulong)random.Length != ulRandomLen) throw new WireFormatException("GenerateRandom reply of the wrong length");
                random.CopyTo(new Span<byte>(pRandomData, random.Length));
                return call.Return(CKR.OK);
            }
            finally
            {
                c.Release();
            }
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
}
