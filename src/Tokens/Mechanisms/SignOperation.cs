using OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Tokens.Mechanisms;

/// <summary>
/// A sign or verify operation over an accumulator (a hash for hash-and-sign mechanisms, a buffer for mechanisms
/// that sign their input as is) and a final signing or verifying step.
/// </summary>
internal sealed class SignOperation(IHasher accumulator, Func<byte[], byte[]>? sign, Func<byte[], byte[], bool>? verify, int signatureLength)
    : ISignOperation, IVerifyOperation, IRecoverOperation
{
    public byte[] OneShot(ReadOnlySpan<byte> data)
    {
        accumulator.Append(data);
        return Final();
    }

    public void Update(ReadOnlySpan<byte> data) => accumulator.Append(data);

    public byte[] Final() => sign!(accumulator.Finish());

    public bool OneShot(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        accumulator.Append(data);
        return Final(signature);
    }

    public bool Final(ReadOnlySpan<byte> signature)
    {
        if (signature.Length != signatureLength) throw new CkException(CKR.SIGNATURE_LEN_RANGE);
        return verify!(accumulator.Finish(), signature.ToArray());
    }
}

/// <summary>The identity "hash" of mechanisms that sign their (pre-hashed) input.</summary>
internal sealed class RawAccumulator : IHasher
{
    private readonly DataBuffer _buffer = new();

    public void Append(ReadOnlySpan<byte> data) => _buffer.Append(data);

    public byte[] Finish() => _buffer.Take();
}

/// <summary>A single-part recover operation.</summary>
internal sealed class RecoverOperation(Func<byte[], byte[]> run) : IRecoverOperation
{
    public byte[] OneShot(ReadOnlySpan<byte> input) => run(input.ToArray());
}
