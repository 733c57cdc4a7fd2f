using System.Collections.Concurrent;

namespace OpenCryptokiActors.Actors.Devices;

/// <summary>
/// Dedicated threads for the blocking ioctls of the device pool, so that a card's wait never holds an actor dispatcher
/// thread. Work items are run in order of submission by whichever thread is free.
/// </summary>
public sealed class BlockingPool : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread[] _threads;

    public BlockingPool(int threads, string name)
    {
        _threads = new Thread[threads];
        for (var i = 0; i < threads; i++)
        {
            _threads[i] = new Thread(Run) { IsBackground = true, Name = $"{name}-{i}" };
            _threads[i].Start();
        }
    }

    public int Threads => _threads.Length;

    /// <summary>Queues one item; false when the pool is shut down (the caller answers for it).</summary>
    public bool Submit(Action work)
    {
        try
        {
            return _work.TryAdd(work);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private void Run()
    {
        foreach (var item in _work.GetConsumingEnumerable()) item();
    }

    public void Dispose() => _work.CompleteAdding();
}
