using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>PKCS#11 random number generation (§5.15 in 2.40).</summary>
internal static unsafe partial class RandomNumbers
{
    [Export(63)]
    private static ulong C_SeedRandom(in CallTrace call, ulong hSession, byte* pSeed, ulong ulSeedLen) =>
        Calls.Data(call, Opcode.SeedRandom, hSession, pSeed, ulSeedLen);

    [Export(64)]
    private static ulong C_GenerateRandom(in CallTrace call, ulong hSession, byte* pRandomData, ulong ulRandomLen)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={hSession} len={ulRandomLen}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pRandomData is null && ulRandomLen != 0) return CKR.ARGUMENTS_BAD;
        if (ulRandomLen > Frame.MaxFrameLength - 64) return CKR.DATA_LEN_RANGE;
        var w = c.Begin(Opcode.GenerateRandom);
        w.WriteULong(hSession);
        w.WriteULong(ulRandomLen);
        rv = c.Call(out var r);
        if (rv != CKR.OK) return rv;
        var random = r.ReadBytesSpan();
        if ((ulong)random.Length != ulRandomLen) throw new WireFormatException("GenerateRandom reply of the wrong length");
        random.CopyTo(new Span<byte>(pRandomData, random.Length));
        return CKR.OK;
    }
}
