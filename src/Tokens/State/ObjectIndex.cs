using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.State;

/// <summary>
/// Secondary index of a set of objects over the attributes C_FindObjects is usually called with
/// (<see cref="IndexedTypes"/>). A search narrows to the smallest posting list among the template's
/// indexed attributes (O(1) per attribute, O(matches) to walk), then filters that set by the whole
/// template; a template without indexed attributes scans every object. No cap on the number of objects.
/// Not thread-safe: owned by one actor (the token's single writer).
/// </summary>
public sealed class ObjectIndex
{
    /// <summary>The attribute types held in the index.</summary>
    public static readonly ulong[] IndexedTypes = [CKA.CLASS, CKA.KEY_TYPE, CKA.LABEL, CKA.ID, CKA.UNIQUE_ID, CKA.TOKEN, CKA.PRIVATE];

    private readonly Dictionary<ulong, AttributeSet> _objects = new();
    private readonly Dictionary<ulong, Dictionary<ValueKey, Postings>> _byType = new();

    public ObjectIndex()
    {
        foreach (var t in IndexedTypes) _byType[t] = new Dictionary<ValueKey, Postings>();
    }

    public int Count => _objects.Count;

    public IReadOnlyDictionary<ulong, AttributeSet> Objects => _objects;

    public static bool IsIndexed(ulong type) => Array.IndexOf(IndexedTypes, type) >= 0;

    /// <summary>Adds or replaces the object <paramref name="id"/>.</summary>
    /// <remarks>The set is compacted (<see cref="AttributeSet.Compact"/>): stored, it is never changed again.</remarks>
    public void Set(ulong id, AttributeSet attributes)
    {
        if (_objects.TryGetValue(id, out var old)) Unindex(id, old);
        attributes.Compact();
        _objects[id] = attributes;
        foreach (var t in IndexedTypes)
        {
            if (!attributes.TryGet(t, out var value)) continue;
            ref var postings = ref CollectionsMarshal.GetValueRefOrAddDefault(_byType[t], new ValueKey(value), out var existed);
            if (existed) postings.Add(id);
            else postings = new Postings(id);
        }
    }

    public bool Remove(ulong id)
    {
        if (!_objects.Remove(id, out var old)) return false;
        Unindex(id, old);
        return true;
    }

    public void Clear()
    {
        _objects.Clear();
        foreach (var map in _byType.Values) map.Clear();
    }

    public bool TryGet(ulong id, out AttributeSet attributes) => _objects.TryGetValue(id, out attributes!);

    /// <summary>
    /// Ids of the objects matching every attribute of <paramref name="template"/> (exact byte equality,
    /// as TemplateValidator.Matches) and <paramref name="filter"/> when given; ascending.
    /// </summary>
    public List<ulong> Find(AttributeSet template, Func<ulong, AttributeSet, bool>? filter = null)
    {
        var results = new List<ulong>();
        Postings? candidates = null;
        foreach (var (type, value) in template)
        {
            if (!_byType.TryGetValue(type, out var map)) continue;
            if (!map.TryGetValue(new ValueKey(value), out var postings)) return results;
            if (candidates is null || postings.Count < candidates.Value.Count) candidates = postings;
        }

        if (candidates is { } narrowed)
        {
            if (narrowed.Many is null) Consider(narrowed.Single);
            else
                foreach (var id in narrowed.Many) Consider(id);
        }
        else
        {
            foreach (var (id, attrs) in _objects)
                if (TemplateValidator.Matches(attrs, template) && (filter is null || filter(id, attrs))) results.Add(id);
        }

        results.Sort();
        return results;

        void Consider(ulong id)
        {
            var attrs = _objects[id];
            if (TemplateValidator.Matches(attrs, template) && (filter is null || filter(id, attrs))) results.Add(id);
        }
    }

    /// <summary>How many objects the index would examine for <paramref name="template"/> (the narrowed set); for tests and diagnostics.</summary>
    public int CandidateCount(AttributeSet template)
    {
        var smallest = _objects.Count;
        foreach (var (type, value) in template)
        {
            if (!_byType.TryGetValue(type, out var map)) continue;
            if (!map.TryGetValue(new ValueKey(value), out var postings)) return 0;
            smallest = Math.Min(smallest, postings.Count);
        }

        return smallest;
    }

    private void Unindex(ulong id, AttributeSet attributes)
    {
        foreach (var t in IndexedTypes)
        {
            if (!attributes.TryGet(t, out var value)) continue;
            var map = _byType[t];
            var key = new ValueKey(value);
            ref var postings = ref CollectionsMarshal.GetValueRefOrNullRef(map, key);
            if (!Unsafe.IsNullRef(ref postings) && postings.Remove(id)) map.Remove(key);
        }
    }

    /// <summary>An attribute value compared by content.</summary>
    private readonly struct ValueKey : IEquatable<ValueKey>
    {
        private readonly byte[] _value;
        private readonly int _hash;

        public ValueKey(byte[] value)
        {
            _value = value;
            var h = new HashCode();
            h.AddBytes(value);
            _hash = h.ToHashCode();
        }

        public bool Equals(ValueKey other) => _hash == other._hash && _value.AsSpan().SequenceEqual(other._value);

        public override bool Equals(object? obj) => obj is ValueKey k && Equals(k);

        public override int GetHashCode() => _hash;
    }

    /// <summary>
    /// Ids holding one value, kept inside the index's map entry (no object of its own): a single id inline (labels, ids and
    /// unique ids are mostly unique), a set beyond.
    /// </summary>
    private struct Postings(ulong single)
    {
        public ulong Single = single;
        public HashSet<ulong>? Many;

        public readonly int Count => Many?.Count ?? 1;

        public void Add(ulong id)
        {
            if (Many is not null) Many.Add(id);
            else if (id != Single) Many = [Single, id];
        }

        /// <summary>Removes <paramref name="id"/>; true when no id is left (the entry goes).</summary>
        public bool Remove(ulong id)
        {
            if (Many is null) return id == Single;
            if (Many.Remove(id) && Many.Count == 1)
            {
                Single = Many.First();
                Many = null;
            }

            return false;
        }
    }
}
