using System.Diagnostics;
using System.Text;
using OpenCryptokiActors.Cryptoki.Audit;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.State;

namespace OpenCryptokiActors.Tokens.Tests;

public sealed class ObjectIndexSpec
{
    private static AttributeSet Key(string label, ulong cls = CKO.SECRET_KEY, ulong keyType = CKK.AES, bool priv = true, string? id = null)
    {
        var a = new AttributeSet();
        a.SetULong(CKA.CLASS, cls);
        if (cls != CKO.DATA) a.SetULong(CKA.KEY_TYPE, keyType);
        a.Set(CKA.LABEL, Encoding.UTF8.GetBytes(label));
        a.SetBool(CKA.TOKEN, true);
        a.SetBool(CKA.PRIVATE, priv);
        if (id is not null) a.Set(CKA.ID, Encoding.UTF8.GetBytes(id));
        a.SetBool(CKA.ENCRYPT, label.Contains("enc", StringComparison.Ordinal));
        return a;
    }

    private static AttributeSet Template(params (ulong Type, byte[] Value)[] attrs)
    {
        var t = new AttributeSet();
        foreach (var (type, value) in attrs) t.Set(type, value);
        return t;
    }

    private static List<ulong> Scan(IReadOnlyDictionary<ulong, AttributeSet> objects, AttributeSet template) =>
        objects.Where(kv => TemplateValidator.Matches(kv.Value, template)).Select(kv => kv.Key).OrderBy(x => x).ToList();

    [Fact]
    public void Find_by_indexed_attributes_returns_exactly_what_a_full_scan_returns()
    {
        var index = new ObjectIndex();
        var random = new Random(7);
        for (ulong i = 1; i <= 2000; i++)
        {
            var cls = (i % 3) switch { 0 => CKO.SECRET_KEY, 1 => CKO.PRIVATE_KEY, _ => CKO.DATA };
            index.Set(i, Key($"label-{random.Next(50)}{(i % 2 == 0 ? "-enc" : "")}", cls, i % 5 == 0 ? CKK.RSA : CKK.AES, i % 4 == 0, $"id{i % 97}"));
        }

        var templates = new[]
        {
            Template(),
            Template((CKA.CLASS, Attr.ULong(CKO.SECRET_KEY))),
            Template((CKA.CLASS, Attr.ULong(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, Attr.ULong(CKK.RSA))),
            Template((CKA.LABEL, "label-7"u8.ToArray())),
            Template((CKA.LABEL, "label-8-enc"u8.ToArray()), (CKA.PRIVATE, Attr.Bool(true))),
            Template((CKA.ID, "id5"u8.ToArray()), (CKA.TOKEN, Attr.Bool(true))),
            Template((CKA.ENCRYPT, Attr.Bool(true))),
            Template((CKA.ENCRYPT, Attr.Bool(true)), (CKA.CLASS, Attr.ULong(CKO.DATA))),
            Template((CKA.LABEL, "no such label"u8.ToArray())),
            Template((CKA.VALUE, [1, 2, 3])),
        };
        foreach (var t in templates) Assert.Equal(Scan(index.Objects, t), index.Find(t));
    }

    [Fact]
    public void Find_narrows_to_the_smallest_posting_list()
    {
        var index = new ObjectIndex();
        for (ulong i = 1; i <= 10_000; i++) index.Set(i, Key($"k{i}", id: i % 10 == 0 ? "shared" : null));
        Assert.Equal(1, index.CandidateCount(Template((CKA.CLASS, Attr.ULong(CKO.SECRET_KEY)), (CKA.LABEL, "k42"u8.ToArray()))));
        Assert.Equal(1000, index.CandidateCount(Template((CKA.ID, "shared"u8.ToArray()), (CKA.PRIVATE, Attr.Bool(true)))));
        Assert.Equal(0, index.CandidateCount(Template((CKA.LABEL, "absent"u8.ToArray()))));
        Assert.Equal(10_000, index.CandidateCount(Template((CKA.ENCRYPT, Attr.Bool(false)))));
        Assert.Equal([42UL], index.Find(Template((CKA.LABEL, "k42"u8.ToArray()))));
    }

    [Fact]
    public void Replacing_and_removing_objects_keeps_the_index_consistent()
    {
        var index = new ObjectIndex();
        index.Set(1, Key("a"));
        index.Set(2, Key("a"));
        index.Set(3, Key("b"));
        Assert.Equal([1UL, 2UL], index.Find(Template((CKA.LABEL, "a"u8.ToArray()))));

        index.Set(2, Key("b"));
        Assert.Equal([1UL], index.Find(Template((CKA.LABEL, "a"u8.ToArray()))));
        Assert.Equal([2UL, 3UL], index.Find(Template((CKA.LABEL, "b"u8.ToArray()))));

        Assert.True(index.Remove(3));
        Assert.False(index.Remove(3));
        Assert.Equal([2UL], index.Find(Template((CKA.LABEL, "b"u8.ToArray()))));

        index.Remove(1);
        Assert.Empty(index.Find(Template((CKA.LABEL, "a"u8.ToArray()))));
        Assert.Equal(0, index.CandidateCount(Template((CKA.LABEL, "a"u8.ToArray()))));

        index.Clear();
        Assert.Equal(0, index.Count);
        Assert.Empty(index.Find(Template()));
    }

    [Fact]
    public void Find_applies_the_caller_filter()
    {
        var index = new ObjectIndex();
        index.Set(1, Key("x", priv: true));
        index.Set(2, Key("x", priv: false));
        Assert.Equal([2UL], index.Find(Template((CKA.LABEL, "x"u8.ToArray())), (_, a) => !a.IsTrue(CKA.PRIVATE)));
    }

    [Fact]
    public void TokenState_Apply_maintains_the_index_through_events_and_snapshots()
    {
        var state = new TokenState();
        state.Apply(new ObjectCreated(1, Key("one")));
        state.Apply(new ObjectCreated(2, Key("two")));
        state.Apply(new ObjectChanged(2, Key("renamed")));
        state.Apply(new ObjectDestroyed(1));
        Assert.Empty(state.Index.Find(Template((CKA.LABEL, "one"u8.ToArray()))));
        Assert.Empty(state.Index.Find(Template((CKA.LABEL, "two"u8.ToArray()))));
        Assert.Equal([2UL], state.Index.Find(Template((CKA.LABEL, "renamed"u8.ToArray()))));

        var restored = new TokenState();
        restored.Apply(state.ToSnapshot());
        Assert.Equal([2UL], restored.Index.Find(Template((CKA.LABEL, "renamed"u8.ToArray()))));
        Assert.Equal(3UL, restored.NextObjectId);

        state.Apply(new TokenInitialized("fresh", new PinRecord([1], 1, [2]), DateTimeOffset.UnixEpoch));
        Assert.Empty(state.Index.Find(Template()));
    }

    [Fact]
    public void TokenState_applies_audited_events_and_keeps_the_chain_head()
    {
        var state = new TokenState();
        Assert.Equal(AuditRecord.Genesis, state.LastHash);
        var record = AuditRecord.Create(AuditRecord.Genesis, DateTimeOffset.UtcNow, 10, 1000, 3, "LoginFailed.v1", Attr.ULong(CKU.USER));
        state.Apply(new AuditedEvent(new LoginFailed(CKU.USER), record));
        Assert.Equal(1, state.UserFailures);
        Assert.Equal(record.Hash, state.LastHash);
        state.Apply(new AuditedEvent(new LoginSucceeded(CKU.USER), AuditRecord.Create(record.Hash, DateTimeOffset.UtcNow, 10, 1000, 3, "LoginSucceeded.v1", Attr.ULong(CKU.USER))));
        Assert.Equal(0, state.UserFailures);
        var restored = new TokenState();
        restored.Apply(state.ToSnapshot());
        Assert.Equal(state.LastHash, restored.LastHash);
    }

    [Fact]
    public void Audit_record_round_trips_and_detects_a_changed_byte()
    {
        var record = AuditRecord.Create(AuditRecord.Genesis, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), 42, 1000, 7, "ObjectDestroyed.v1", Attr.ULong(99));
        var bytes = record.ToBinary();
        var parsed = AuditRecord.Parse(bytes, out var valid);
        Assert.True(valid);
        Assert.Equal(record.Hash, parsed.Hash);
        Assert.Equal(("ObjectDestroyed", (ulong?)99, (ulong?)null), AuditRecord.Describe(parsed.EventManifest, parsed.EventPayload));
        bytes[^40] ^= 1;
        AuditRecord.Parse(bytes, out valid);
        Assert.False(valid);
    }

    [Fact]
    public void Find_among_100k_objects_by_label_is_fast()
    {
        var index = new ObjectIndex();
        for (ulong i = 1; i <= 100_000; i++) index.Set(i, Key($"key-{i}"));
        var template = Template((CKA.CLASS, Attr.ULong(CKO.SECRET_KEY)), (CKA.LABEL, "key-77777"u8.ToArray()));
        index.Find(template);
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < 1000; i++) Assert.Single(index.Find(template));
        sw.Stop();
        // A scan would take milliseconds per find; the index takes about a microsecond. Generous bound for shared CI machines.
        Assert.True(sw.Elapsed < TimeSpan.FromMilliseconds(500), $"1000 finds took {sw.Elapsed}");
    }

    [Fact]
    public void A_damaged_event_is_skipped_but_its_object_id_is_never_reused()
    {
        var state = new TokenState();
        state.Apply(new ObjectCreated(1, Key("one")));
        state.Apply(new DamagedEvent("ObjectCreated.v1", 2, "truncated"));
        state.Apply(new DamagedEvent("Audited.v99", null, "unknown manifest"));
        Assert.Single(state.Objects);
        Assert.Equal(3UL, state.NextObjectId);
    }
}
