namespace OpenCryptokiActors.Tokens.Mechanisms;

/// <summary>
/// A small lock-free pool of crypto objects made from one key (imported .NET RSA / ECDsa / ECDiffieHellman / Aes ...).
/// .NET documents their instance members as not guaranteed thread-safe, so a key shared by sessions on several threads
/// hands each caller its own object for the duration of one call: <see cref="Use{TResult}"/> takes one from the pool
/// (or makes one when all are busy) and puts it back afterwards; objects that do not fit back are disposed. The pool
/// lives in the key's prepared slot (<see cref="Objects.AttributeSet.Prepared{T}"/>) and is dropped with the key;
/// pooled objects then go with the garbage collector (their native handles are SafeHandles).
/// </summary>
internal sealed class Pool<T>(Func<T> create) : IDisposable
    where T : class, IDisposable
{
    private readonly T?[] _items = new T?[Math.Max(4, Environment.ProcessorCount * 2)];

    public TResult Use<TResult>(Func<T, TResult> action)
    {
        var item = Take();
        try
        {
            return action(item);
        }
        finally
        {
            Return(item);
        }
    }

    public TResult Use<TArg, TResult>(TArg arg, Func<T, TArg, TResult> action)
    {
        var item = Take();
        try
        {
            return action(item, arg);
        }
        finally
        {
            Return(item);
        }
    }

    /// <summary>Takes an object for the caller's exclusive use until the lease is disposed (for work on spans).</summary>
    public Lease Rent() => new(this, Take());

    public void Dispose()
    {
        for (var i = 0; i < _items.Length; i++) Interlocked.Exchange(ref _items[i], null)?.Dispose();
    }

    private T Take()
    {
        for (var i = 0; i < _items.Length; i++)
        {
            if (Volatile.Read(ref _items[i]) is not null && Interlocked.Exchange(ref _items[i], null) is { } item) return item;
        }

        return create();
    }

    public readonly struct Lease(Pool<T> pool, T item) : IDisposable
    {
        public T Item => item;

        public void Dispose() => pool.Return(item);
    }

    private void Return(T item)
    {
        for (var i = 0; i < _items.Length; i++)
        {
            if (Volatile.Read(ref _items[i]) is null && Interlocked.CompareExchange(ref _items[i], item, null) is null) return;
        }

        item.Dispose();
    }
}
