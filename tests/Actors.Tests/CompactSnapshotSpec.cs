using OpenCryptokiActors.Actors.Persistence;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.State;

namespace OpenCryptokiActors.Actors.Tests;

/// <summary>TokenSnapshot.v3 (CompactSnapshot) and the compact stored form of attribute sets.</summary>
public sealed class CompactSnapshotSpec
{
    private static TokenSnapshot Sample(int objects)
    {
        var random = new Random(11);
        var index = new ObjectIndex();
        for (var i = 0; i < objects; i++)
        {
            var a = new AttributeSet();
            a.SetULong(CKA.CLASS, i % 3 == 0 ? CKO.SECRET_KEY : CKO.DATA);
            a.SetBool(CKA.TOKEN, true);
            a.SetBool(CKA.PRIVATE, i % 2 == 0);
            a.Set(CKA.LABEL, System.Text.Encoding.UTF8.GetBytes($"obj-{i}"));
            if (i % 3 == 0) a.SetULong(CKA.KEY_TYPE, CKK.AES);
            if (i % 50 == 0) a.Set(0x80000000UL | (ulong)i, []); // a vendor attribute: a shape of its own
            var value = new byte[random.Next(0, 300)];
            random.NextBytes(value);
            a.Set(CKA.VALUE, value);
            a.SetULong(CKA.VALUE_LEN, ulong.MaxValue - (ulong)i); // not a shared small value
            index.Set(1000UL + (ulong)i * 977, a);
        }

        return new TokenSnapshot(true, "compact", new PinRecord([1, 2, 3], 1000, [4, 5, 6]), null, 2, 0, 5_000_000,
            index.Objects.ToList(), Enumerable.Repeat((byte)7, 32).ToArray());
    }

    [Fact]
    public void A_v3_snapshot_round_trips_every_object_and_header_field()
    {
        var s = Sample(2000);
        var bytes = TokenEventSerializer.Encode(s);
        Assert.Equal("TokenSnapshot.v3", TokenEventSerializer.ManifestOf(s));
        var back = (TokenSnapshot)TokenEventSerializer.Decode(bytes, "TokenSnapshot.v3");
        Assert.Equal((s.Initialized, s.Label, s.SoFailures, s.UserFailures, s.NextObjectId), (back.Initialized, back.Label, back.SoFailures, back.UserFailures, back.NextObjectId));
        Assert.Equal(s.SoPin!.WrappedMasterKey, back.SoPin!.WrappedMasterKey);
        Assert.Null(back.UserPin);
        Assert.Equal(s.LastHash, back.LastHash);
        Assert.Equal(s.Objects.Count, back.Objects.Count);
        for (var i = 0; i < s.Objects.Count; i++)
        {
            Assert.Equal(s.Objects[i].Key, back.Objects[i].Key);
            Assert.Equal(s.Objects[i].Value.Select(kv => (kv.Key, Convert.ToHexString(kv.Value))),
                back.Objects[i].Value.Select(kv => (kv.Key, Convert.ToHexString(kv.Value))));
        }

        // every decoded set of one kind shares its types array
        var shapes = back.Objects.Select(o => o.Value.SharedTypes).ToList();
        Assert.All(shapes, Assert.NotNull);
        Assert.True(shapes.Distinct(ReferenceEqualityComparer.Instance).Count() < 100);
    }

    [Fact]
    public void A_v3_snapshot_is_much_smaller_than_the_v2_layout()
    {
        var s = Sample(2000);
        var v3 = TokenEventSerializer.Encode(s).Length;
        // v2: per attribute u64 type + u32 length + value, per object u64 id + u32 count
        var v2 = s.Objects.Sum(o => 12 + o.Value.Sum(kv => 12 + kv.Value.Length));
        var values = s.Objects.Sum(o => o.Value.Sum(kv => kv.Value.Length));
        Assert.True(v3 < values + (v2 - values) / 3, $"v3 {v3} bytes, v2 {v2}, values alone {values}");
    }

    [Fact]
    public void Damaged_or_truncated_v3_bytes_are_refused_not_misread()
    {
        var bytes = TokenEventSerializer.Encode(Sample(50));
        Assert.Throws<WireFormatException>(() => TokenEventSerializer.Decode(bytes[..^1], "TokenSnapshot.v3"));
        Assert.Throws<WireFormatException>(() => TokenEventSerializer.Decode([.. bytes, 0], "TokenSnapshot.v3"));
        Assert.Throws<WireFormatException>(() => TokenEventSerializer.Decode(bytes[..3], "TokenSnapshot.v3"));
    }

    [Fact]
    public void Stored_sets_share_small_values_and_copy_their_types_before_a_change()
    {
        var index = new ObjectIndex();
        AttributeSet Make(string label)
        {
            var a = new AttributeSet();
            a.SetULong(CKA.CLASS, CKO.DATA);
            a.SetBool(CKA.TOKEN, true);
            a.Set(CKA.LABEL, System.Text.Encoding.UTF8.GetBytes(label));
            return a;
        }

        var one = Make("one");
        var two = Make("two");
        index.Set(1, one);
        index.Set(2, two);
        Assert.Same(one.SharedTypes, two.SharedTypes);
        Assert.Same(one[CKA.CLASS], two[CKA.CLASS]);
        Assert.Same(one[CKA.TOKEN], two[CKA.TOKEN]);

        // a copy changed as callers do (Clone, then Set/Remove) leaves the stored sets and their shared arrays alone
        var changed = one.Clone();
        changed.Set(CKA.VALUE, [9]);
        changed.Remove(CKA.TOKEN);
        var same = two.Clone();
        same.Remove(CKA.LABEL);
        Assert.Equal([CKA.CLASS, CKA.TOKEN, CKA.LABEL], one.Types);
        Assert.Equal([CKA.CLASS, CKA.TOKEN, CKA.LABEL], two.Types);
        Assert.Equal([CKA.CLASS, CKA.LABEL, CKA.VALUE], changed.Types);
        Assert.Equal([CKA.CLASS, CKA.TOKEN], same.Types);

        // a stored set changed in place (not done by the token, but allowed) gets types of its own first
        two.Set(CKA.ID, [1]);
        Assert.Equal([CKA.CLASS, CKA.TOKEN, CKA.LABEL], one.Types);
        Assert.Equal([1], index.Find(new AttributeSet([new(CKA.LABEL, "one"u8.ToArray())])));
        Assert.Throws<ArgumentException>(() => new AttributeSet([new(CKA.LABEL, [1]), new(CKA.LABEL, [2])]));
    }
}
