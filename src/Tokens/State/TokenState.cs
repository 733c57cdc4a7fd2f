using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.State;

/// <summary>
/// The persistent state of one token, rebuilt from its journal by <see cref="Apply"/>. Objects are held
/// in their stored form: secret attributes of private objects are sealed under the master key.
/// </summary>
public sealed class TokenState
{
    public bool Initialized { get; private set; }

    public string Label { get; private set; } = "";

    public PinRecord? SoPin { get; private set; }

    public PinRecord? UserPin { get; private set; }

    public int SoFailures { get; private set; }

    public int UserFailures { get; private set; }

    /// <summary>Next token object id; never reused, even across C_InitToken.</summary>
    public ulong NextObjectId { get; private set; } = 1;

    /// <summary>Token objects by id, indexed for C_FindObjects (<see cref="ObjectIndex"/>).</summary>
    public ObjectIndex Index { get; } = new();

    public IReadOnlyDictionary<ulong, AttributeSet> Objects => Index.Objects;

    /// <summary>Hash of the last audited event (head of the token's audit chain).</summary>
    public byte[] LastHash { get; private set; } = OpenCryptokiActors.Cryptoki.Audit.AuditRecord.Genesis;

    /// <summary>The rekey under way (journaled <see cref="RekeyStarted"/>, no <see cref="RekeyCompleted"/> yet), else null.</summary>
    public RekeyStarted? Rekey { get; private set; }

    private readonly HashSet<ulong> _resealed = new();

    /// <summary>During a rekey: whether object <paramref name="id"/> is sealed under the new master key already.</summary>
    public bool IsResealed(ulong id) => _resealed.Contains(id);

    /// <summary>During a rekey: how many objects are under the new master key.</summary>
    public int ResealedCount => _resealed.Count;

    public int Failures(ulong userType) => userType == CKU.SO ? SoFailures : UserFailures;

    public void Apply(ITokenEvent e)
    {
        switch (e)
        {
            case TokenInitialized t:
                Initialized = true;
                Label = t.Label;
                SoPin = t.SoPin;
                UserPin = null;
                SoFailures = 0;
                UserFailures = 0;
                Index.Clear();
                Rekey = null;
                _resealed.Clear();
                break;
            case SoPinSet s:
                SoPin = s.SoPin;
                SoFailures = 0;
                break;
            case UserPinSet u:
                UserPin = u.UserPin;
                UserFailures = 0;
                break;
            case ObjectCreated c:
                // created or changed during a rekey: sealed under the old key, for a later batch of the rekey
                Index.Set(c.Id, c.Attributes);
                _resealed.Remove(c.Id);
                NextObjectId = Math.Max(NextObjectId, c.Id + 1);
                break;
            case ObjectChanged c:
                Index.Set(c.Id, c.Attributes);
                _resealed.Remove(c.Id);
                break;
            case ObjectDestroyed d:
                Index.Remove(d.Id);
                _resealed.Remove(d.Id);
                break;
            case RekeyStarted r:
                Rekey = r;
                _resealed.Clear();
                break;
            case ObjectsResealed r:
                foreach (var (id, attrs) in r.Objects)
                {
                    if (!Index.Objects.ContainsKey(id)) continue;
                    Index.Set(id, attrs);
                    _resealed.Add(id);
                }

                break;
            case RekeyCompleted:
                if (Rekey is { } done)
                {
                    SoPin = done.SoPin;
                    UserPin = done.UserPin ?? UserPin;
                }

                Rekey = null;
                _resealed.Clear();
                break;
            case LoginFailed f:
                if (f.UserType == CKU.SO) SoFailures++;
                else UserFailures++;
                break;
            case DamagedEvent d:
                // the object it named is lost, but its id stays used
                if (d.ObjectId is { } lost) NextObjectId = Math.Max(NextObjectId, lost + 1);
                break;
            case AuditedEvent a:
                Apply(a.Event);
                LastHash = a.Record.Hash;
                break;
            case LoginSucceeded r:
                if (r.UserType == CKU.SO) SoFailures = 0;
                else UserFailures = 0;
                break;
            case LoginFailuresReset r:
                if (r.UserType == CKU.SO) SoFailures = 0;
                else UserFailures = 0;
                break;
            case TokenSnapshot s:
                Initialized = s.Initialized;
                Label = s.Label;
                SoPin = s.SoPin;
                UserPin = s.UserPin;
                SoFailures = s.SoFailures;
                UserFailures = s.UserFailures;
                NextObjectId = s.NextObjectId;
                Index.Clear();
                foreach (var (id, attrs) in s.Objects) Index.Set(id, attrs);
                Rekey = null;
                _resealed.Clear();
                LastHash = s.LastHash ?? OpenCryptokiActors.Cryptoki.Audit.AuditRecord.Genesis;
                break;
            default:
                throw new ArgumentException($"unknown token event {e.GetType().Name}");
        }
    }

    public TokenSnapshot ToSnapshot() =>
        new(Initialized, Label, SoPin, UserPin, SoFailures, UserFailures, NextObjectId, Objects.ToList(), LastHash);

    private ulong _reserved;

    /// <summary>
    /// Reserves the next token object id for an event not yet committed; <see cref="NextObjectId"/> (committed state)
    /// advances only when the event that uses it is applied.
    /// </summary>
    public ulong AllocateObjectId()
    {
        var id = Math.Max(_reserved, NextObjectId);
        _reserved = id + 1;
        return id;
    }

    /// <summary>The journal did not take the events that used the reserved ids: reservations start again from the committed counter.</summary>
    public void ReleaseReservedObjectIds() => _reserved = 0;
}
