using System.Globalization;
using System.Text;
using OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Tokens.Objects;

/// <summary>
/// The objects every token provides without storing them (PKCS#11 3.0 §4.2, §4.13): one CKO_PROFILE object per
/// profile the soft token meets (CKP_BASELINE_PROVIDER, CKP_EXTENDED_PROVIDER), and the hardware features CKH_CLOCK
/// (CKA_VALUE: the current UTC time, "YYYYMMDDhhmmss00") and CKH_MONOTONIC_COUNTER (CKA_VALUE: 8 bytes big-endian,
/// larger at every read; it starts from the time in milliseconds, so it keeps increasing across daemon restarts as
/// long as the clock does not go back). They are public, read-only, neither copyable nor destroyable, found with
/// C_FindObjects and read with C_GetAttributeValue; their handles lie just below the session objects' range.
/// </summary>
public static class TokenProvidedObjects
{
    /// <summary>The first handle (token object ids count up from 1, session object handles start at 2^40).</summary>
    public const ulong Base = (1UL << 40) - 16;

    private const ulong BaselineProfile = Base;
    private const ulong ExtendedProfile = Base + 1;
    private const ulong Clock = Base + 2;
    private const ulong Counter = Base + 3;
    private const ulong Count = 4;

    private static long s_counter;

    public static bool IsProvided(ulong handle) => handle >= Base && handle < Base + Count;

    /// <summary>The attributes of a provided object now (reading the counter advances it), or null for other handles.</summary>
    public static AttributeSet? Get(ulong handle) => IsProvided(handle) ? Make(handle, advance: true) : null;

    /// <summary>
    /// The provided objects whose attributes match a C_FindObjectsInit template. Hardware features are found only by a
    /// template whose CKA_CLASS is CKO_HW_FEATURE (PKCS#11 3.0 §4.3.1); profile objects have no such rule (§4.13) and
    /// match like any object, so an empty template ("all objects") lists them too.
    /// </summary>
    public static IEnumerable<ulong> Find(AttributeSet template)
    {
        var hardware = template.GetULong(CKA.CLASS) == CKO.HW_FEATURE;
        for (var h = Base; h < Base + Count; h++)
        {
            var obj = Make(h, advance: false);
            if (obj.GetULong(CKA.CLASS) == CKO.HW_FEATURE && !hardware) continue;
            if (TemplateValidator.Matches(obj, template)) yield return h;
        }
    }

    private static AttributeSet Make(ulong handle, bool advance)
    {
        var a = new AttributeSet();
        switch (handle)
        {
            case BaselineProfile or ExtendedProfile:
                a.SetULong(CKA.CLASS, CKO.PROFILE);
                a.SetBool(CKA.TOKEN, true);
                a.SetBool(CKA.PRIVATE, false);
                a.SetBool(CKA.MODIFIABLE, false);
                a.SetBool(CKA.COPYABLE, false);
                a.SetBool(CKA.DESTROYABLE, false);
                a.Set(CKA.LABEL, []);
                a.SetULong(CKA.PROFILE_ID, handle == BaselineProfile ? CKP.BASELINE_PROVIDER : CKP.EXTENDED_PROVIDER);
                a.Set(CKA.UNIQUE_ID, Encoding.ASCII.GetBytes("profile-" + (handle - Base).ToString(CultureInfo.InvariantCulture)));
                break;
            case Clock:
                a.SetULong(CKA.CLASS, CKO.HW_FEATURE);
                a.SetULong(CKA.HW_FEATURE_TYPE, CKH.CLOCK);
                a.Set(CKA.VALUE, Encoding.ASCII.GetBytes(DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "00"));
                break;
            default:
                a.SetULong(CKA.CLASS, CKO.HW_FEATURE);
                a.SetULong(CKA.HW_FEATURE_TYPE, CKH.MONOTONIC_COUNTER);
                a.SetBool(CKA.RESET_ON_INIT, false);
                a.SetBool(CKA.HAS_RESET, false);
                var value = new byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(value, advance ? Next() : Interlocked.Read(ref s_counter));
                a.Set(CKA.VALUE, value);
                break;
        }

        return a;
    }

    private static long Next()
    {
        while (true)
        {
            var current = Interlocked.Read(ref s_counter);
            var next = Math.Max(current + 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            if (Interlocked.CompareExchange(ref s_counter, next, current) == current) return next;
        }
    }
}
