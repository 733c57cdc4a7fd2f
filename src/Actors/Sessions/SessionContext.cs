using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Protocol;
using OpenCryptokiActors.Actors.Statistics;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens;
using OpenCryptokiActors.Tokens.State;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.Policy;
using static OpenCryptokiActors.Actors.Sessions.SessionProtocol;

namespace OpenCryptokiActors.Actors.Sessions;

/// <summary>
/// What a SessionActor's calls share: who the session belongs to, its token, the slot's mechanisms and policy, and the
/// active operations (one of each kind). Owned by the actor; only its thread touches it.
/// </summary>
public sealed class SessionContext(Caller caller, ulong handle, MechanismRegistry mechanisms, IActorRef token, byte[] stateKey,
    SlotCounters? stats, MechanismPolicy policy, ulong slotId, ILoggingAdapter log)
{
    public Caller Caller { get; } = caller;

    public ulong Handle { get; } = handle;

    public MechanismRegistry Mechanisms { get; } = mechanisms;

    public IActorRef Token { get; } = token;

    /// <summary>Authenticates this application's operation-state blobs.</summary>
    public byte[] StateKey { get; } = stateKey;

    /// <summary>Mechanism usage of this session's user on its slot (ock stats): counted where an operation starts.</summary>
    public SlotCounters? Stats { get; } = stats;

    public ILoggingAdapter Log { get; } = log;

    /// <summary>The slot's mechanism policy (its key-management mode among its rules).</summary>
    public MechanismPolicy Policy { get; } = policy;

    public Dictionary<OperationKind, ActiveOperation> Active { get; } = new();

    /// <summary>The active operation of <paramref name="kind"/>: CKR_OPERATION_NOT_INITIALIZED without one, CKR_USER_NOT_LOGGED_IN while it waits for a context login.</summary>
    public ActiveOperation Take(OperationKind kind)
    {
        var a = Active.TryGetValue(kind, out var found) ? found : throw new CkException(CKR.OPERATION_NOT_INITIALIZED);
        if (a.AwaitsContextLogin) throw new CkException(CKR.USER_NOT_LOGGED_IN, "the key needs C_Login(CKU_CONTEXT_SPECIFIC) for this use");
        return a;
    }

    /// <summary>The mechanism, if the slot has it with <paramref name="requiredFlag"/> and the policy allows it and its parameter.</summary>
    public (MechanismInfo Info, IMechanism Impl) Mechanism(ulong type, ulong requiredFlag, byte[]? parameter = null)
    {
        Refuse(Policy.CheckMechanism(type));
        Refuse(Policy.CheckParameter(type, Mechanisms.ParameterChoices(type, parameter)));
        if (!Mechanisms.TryGet(type, out var info, out var impl) || (info.Flags & requiredFlag) == 0) throw new CkException(CKR.MECHANISM_INVALID);
        return (info, impl);
    }

    /// <summary>
    /// The checks every use of a key repeats, in one place: the mechanism (slot, flag, policy, parameter), the key's usage
    /// attribute, type and size for that mechanism (<see cref="MechanismRegistry.CheckKey"/>), and the policy's rules on keys.
    /// </summary>
    public (MechanismInfo Info, IMechanism Impl) KeyUse(WireMechanism mechanism, ulong requiredFlag, AttributeSet key, ulong usageAttribute)
    {
        var (info, impl) = Mechanism(mechanism.Type, requiredFlag, mechanism.Parameter);
        Mechanisms.CheckKey(key, usageAttribute, mechanism.Type);
        PolicyKeys(key);
        return (info, impl);
    }

    /// <summary>Keys used or made, against the slot's policy (min-strength, curves).</summary>
    public void PolicyKeys(params AttributeSet[] keys)
    {
        foreach (var key in keys) Refuse(Policy.CheckKey(key));
    }

    /// <summary>
    /// CKA_ALWAYS_AUTHENTICATE: every use of the key for signing or decryption needs its own context login; a message-based
    /// operation (C_MessageSignInit, C_MessageDecryptInit) is one use, its login covering its messages.
    /// </summary>
    public T Gate<T>(T op, OperationKind kind, AttributeSet key, Recording? recording)
        where T : ActiveOperation
    {
        op.AwaitsContextLogin = key.IsTrue(CKA.ALWAYS_AUTHENTICATE)
                                && kind is OperationKind.Sign or OperationKind.SignRecover or OperationKind.Decrypt or OperationKind.MessageSign
                                    or OperationKind.MessageDecrypt;
        op.Key = key;
        return recording is null ? op : With(op, recording);
    }

    private static T With<T>(T op, Recording recording)
        where T : ActiveOperation
    {
        op.Recording = recording;
        return op;
    }

    /// <summary>A policy refusal: one log line naming the rule (no key material), and its return code to the caller.</summary>
    private void Refuse(PolicyRefusal? refusal)
    {
        if (refusal is null) return;
        Log.Warning("policy of slot {0}: {1}", slotId, refusal);
        throw new CkException(refusal.Rv, refusal.ToString());
    }
}
