using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Zcrypt;

namespace OpenCryptokiActors.Actors.Slots;

/// <summary>
/// The token type `zcrypt`: the soft token's objects, store and rules, with RSA private-key operations served by the
/// device pool (DeviceRsaMechanisms).
/// </summary>
internal static class ZcryptSlots
{
    /// <summary>The mechanisms of a slot: the soft token's for `soft`, the pool-backed RSA ones for `zcrypt`.</summary>
    public static MechanismRegistry Mechanisms(SlotSettings slot, MechanismRegistry soft) =>
        slot.TokenType == "zcrypt" ? DeviceRsaMechanisms.Registry(soft, slot.Fallback == DeviceFallback.Software) : soft;
}
