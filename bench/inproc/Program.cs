// inproc - the in-process .NET reference for bench/run.sh and bench/profile.sh.
//
// Each case is the work our daemon does for one Init + single-part call, done in this process
// with System.Security.Cryptography and the crypto objects prepared once per key (as the soft
// token keeps them): no socket, no actor, no marshalling. One TSV line per case in p11perf's
// format (tag case threads status ops seconds ops_per_s median_us p99_us note), 1 thread.
//
//   dotnet inproc.dll [--seconds 1] [--warmup 0.2]
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

var seconds = 1.0;
var warmup = 0.2;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--warmup": warmup = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default: Console.Error.WriteLine("usage: inproc [--seconds S] [--warmup S]"); return 2;
    }
}

var key = new byte[32];
RandomNumberGenerator.Fill(key);
var kb1 = new byte[1024];
for (var i = 0; i < kb1.Length; i++) kb1[i] = (byte)(i * 7 + 3);
var outBuf = new byte[2048];
var tag = new byte[16];
var iv = new byte[16];
var nonce = new byte[12];
ulong iter = 0;

using var aes = Aes.Create();
aes.Key = key;
using var gcm = new AesGcm(key, 16);
using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
using var rsa = RSA.Create(2048);
using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
var msg32 = kb1.AsSpan(0, 32).ToArray();
var rsaSig = rsa.SignData(msg32, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
var oaepCt = rsa.Encrypt(msg32, RSAEncryptionPadding.OaepSHA256);
var ecSig = ec.SignHash(msg32, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

var cases = new (string Name, Action Op)[]
{
    ("sha256-64B", () => SHA256.HashData(kb1.AsSpan(0, 64), outBuf)),
    ("random-32B", () => RandomNumberGenerator.Fill(outBuf.AsSpan(0, 32))),
    ("aes256-cbc-1KiB", () =>
    {
        BitConverter.TryWriteBytes(iv, ++iter);
        aes.EncryptCbc(kb1, iv, outBuf, PaddingMode.None);
    }),
    ("aes256-gcm-1KiB", () =>
    {
        BitConverter.TryWriteBytes(nonce, ++iter);
        gcm.Encrypt(nonce, kb1, outBuf.AsSpan(0, kb1.Length), tag);
    }),
    ("hmac-sha256-1KiB", () =>
    {
        hmac.AppendData(kb1);
        hmac.GetHashAndReset(outBuf);
    }),
    // the public-key cases as the soft token does them (.NET RSA/ECDsa over OpenSSL, key imported once)
    ("rsa2048-sign", () => rsa.SignData(msg32, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)),
    ("rsa2048-verify", () => rsa.VerifyData(msg32, rsaSig, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)),
    ("rsa2048-pss-sign", () => rsa.SignData(msg32, HashAlgorithmName.SHA256, RSASignaturePadding.Pss)),
    ("rsa2048-oaep-decrypt", () => rsa.Decrypt(oaepCt, RSAEncryptionPadding.OaepSHA256)),
    ("ecdsa-p256-sign", () => ec.SignHash(msg32, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)),
    ("ecdsa-p256-verify", () => ec.VerifyHash(msg32, ecSig, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)),
};

var lat = new long[1 << 22];
foreach (var (name, op) in cases)
{
    var wend = Stopwatch.GetTimestamp() + (long)(warmup * Stopwatch.Frequency);
    while (Stopwatch.GetTimestamp() < wend) op();
    var n = 0;
    var start = Stopwatch.GetTimestamp();
    var end = start + (long)(seconds * Stopwatch.Frequency);
    var t0 = start;
    while (n < lat.Length)
    {
        op();
        var t1 = Stopwatch.GetTimestamp();
        lat[n++] = t1 - t0;
        t0 = t1;
        if (t1 >= end) break;
    }
    var secs = (double)(t0 - start) / Stopwatch.Frequency;
    Array.Sort(lat, 0, n);
    double Us(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
    var median = Us(lat[n / 2]);
    var p99 = Us(lat[Math.Min(n - 1, (int)(n * 0.99))]);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"dotnet-inproc\t{name}\t1\tok\t{n}\t{secs:F3}\t{n / secs:F1}\t{median:F2}\t{p99:F2}\tSystem.Security.Cryptography in one process, objects prepared per key"));
}
return 0;
