namespace OpenCryptokiActors.Tokens.Zcrypt;

/// <summary>An AP queue's address: card (adapter) and domain, as sysfs names it (cardXX / XX.YYYY, hexadecimal).</summary>
public readonly record struct ApQueueId(int Card, int Domain) : IComparable<ApQueueId>
{
    /// <summary>The sysfs name of the queue: "0a.0005".</summary>
    public override string ToString() => $"{Card:x2}.{Domain:x4}";

    public int CompareTo(ApQueueId other) => Card != other.Card ? Card.CompareTo(other.Card) : Domain.CompareTo(other.Domain);

    public static ApQueueId? Parse(string name)
    {
        var dot = name.IndexOf('.');
        if (dot <= 0) return null;
        return int.TryParse(name.AsSpan(0, dot), System.Globalization.NumberStyles.HexNumber, null, out var card)
               && int.TryParse(name.AsSpan(dot + 1), System.Globalization.NumberStyles.HexNumber, null, out var domain)
            ? new ApQueueId(card, domain)
            : null;
    }
}

/// <summary>
/// A backend that runs driver requests: the real /dev/z90crypt or the emulator. <see cref="Execute"/> blocks (an ioctl
/// waits for the card) and is called from the device pool's dedicated blocking threads only, several at once.
/// </summary>
public interface IZcryptDevice : IDisposable
{
    /// <summary>A short name for logs and `ock devices` ("z90crypt /dev/z90crypt", "emulator").</summary>
    string Name { get; }

    /// <summary>
    /// Runs <paramref name="request"/> on <paramref name="queue"/> and writes the result (right-justified, of the
    /// request's output length) to <paramref name="output"/>. Returns 0 or the errno the driver answered.
    /// </summary>
    int Execute(ApQueueId queue, ZcryptRequest request, Span<byte> output);
}
