using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Mechanisms;

namespace OpenCryptokiActors.Tokens.Zcrypt;

/// <summary>
/// The RSA paddings (RFC 8017) a token applies around a raw private-key operation when the operation itself runs on a
/// card: EMSA-PKCS1-v1_5 and EMSA-PSS encoding for signatures, EME-PKCS1-v1_5 and EME-OAEP decoding for decryption.
/// Decoding failures are CKR_ENCRYPTED_DATA_INVALID, as the soft token answers them.
/// </summary>
public static class RsaEncoding
{
    /// <summary>EMSA-PKCS1-v1_5 block type 1 of <paramref name="t"/> (a DigestInfo, or CKM_RSA_PKCS's raw data): 00 01 FF.. 00 T.</summary>
    public static byte[] Pkcs1Type1(ReadOnlySpan<byte> t, int k)
    {
        if (t.Length > k - 11) throw new CkException(CKR.DATA_LEN_RANGE);
        var em = new byte[k];
        em[1] = 1;
        em.AsSpan(2, k - t.Length - 3).Fill(0xff);
        t.CopyTo(em.AsSpan(k - t.Length));
        return em;
    }

    /// <summary>EMSA-PSS-ENCODE (RFC 8017 §9.1.1) of a message hash, emBits = modBits - 1, with a fresh random salt.</summary>
    public static byte[] PssEncode(byte[] mHash, HashAlg h, HashAlg mgf, int sLen, int modBits)
    {
        var emBits = modBits - 1;
        var emLen = (emBits + 7) / 8;
        if (emLen < h.Length + sLen + 2) throw new CkException(CKR.KEY_SIZE_RANGE);
        var salt = RandomNumberGenerator.GetBytes(sLen);
        var mPrime = new byte[8 + mHash.Length + sLen];
        mHash.CopyTo(mPrime, 8);
        salt.CopyTo(mPrime, 8 + mHash.Length);
        var hh = Hash(h, mPrime);
        var db = new byte[emLen - h.Length - 1];
        db[db.Length - sLen - 1] = 1;
        salt.CopyTo(db, db.Length - sLen);
        var mask = Mgf1(mgf, hh, db.Length);
        for (var i = 0; i < db.Length; i++) db[i] ^= mask[i];
        db[0] &= (byte)(0xff >> (8 * emLen - emBits));
        var em = new byte[emLen];
        db.CopyTo(em, 0);
        hh.CopyTo(em, db.Length);
        em[^1] = 0xbc;
        return em;
    }

    /// <summary>EME-PKCS1-v1_5 decoding (RFC 8017 §7.2.2): 00 02 PS (at least 8 non-zero bytes) 00 M.</summary>
    public static byte[] Pkcs1Type2Decode(ReadOnlySpan<byte> em)
    {
        var bad = em.Length < 11 || em[0] != 0 || em[1] != 2;
        var sep = -1;
        for (var i = 2; i < em.Length; i++)
        {
            if (em[i] == 0 && sep < 0) sep = i;
        }

        bad |= sep < 10;
        if (bad) throw new CkException(CKR.ENCRYPTED_DATA_INVALID);
        return em[(sep + 1)..].ToArray();
    }

    /// <summary>EME-OAEP decoding (RFC 8017 §7.1.2 step 3) of a k-byte block.</summary>
    public static byte[] OaepDecode(ReadOnlySpan<byte> em, HashAlg h, HashAlg mgf, byte[] label)
    {
        var k = em.Length;
        var hLen = h.Length;
        if (k < 2 * hLen + 2) throw new CkException(CKR.ENCRYPTED_DATA_INVALID);
        var lHash = Hash(h, label);
        var maskedSeed = em.Slice(1, hLen);
        var maskedDb = em[(1 + hLen)..];
        var seedMask = Mgf1(mgf, maskedDb.ToArray(), hLen);
        var seed = new byte[hLen];
        for (var i = 0; i < hLen; i++) seed[i] = (byte)(maskedSeed[i] ^ seedMask[i]);
        var dbMask = Mgf1(mgf, seed, k - hLen - 1);
        var db = new byte[k - hLen - 1];
        for (var i = 0; i < db.Length; i++) db[i] = (byte)(maskedDb[i] ^ dbMask[i]);
        var bad = em[0] != 0 || !CryptographicOperations.FixedTimeEquals(db.AsSpan(0, hLen), lHash);
        var one = -1;
        for (var i = hLen; i < db.Length; i++)
        {
            if (one >= 0) continue;
            if (db[i] == 1) one = i;
            else if (db[i] != 0) bad = true;
        }

        if (bad || one < 0) throw new CkException(CKR.ENCRYPTED_DATA_INVALID);
        return db[(one + 1)..];
    }

    /// <summary>MGF1 (RFC 8017 B.2.1).</summary>
    public static byte[] Mgf1(HashAlg h, byte[] seed, int length)
    {
        var output = new byte[length];
        var input = new byte[seed.Length + 4];
        seed.CopyTo(input, 0);
        for (int done = 0, c = 0; done < length; c++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(input.AsSpan(seed.Length), c);
            var block = Hash(h, input);
            var n = Math.Min(block.Length, length - done);
            block.AsSpan(0, n).CopyTo(output.AsSpan(done));
            done += n;
        }

        return output;
    }

    public static byte[] Hash(HashAlg h, ReadOnlySpan<byte> data)
    {
        var x = Hashes.CreateHasher(h);
        x.Append(data);
        return x.Finish();
    }
}
