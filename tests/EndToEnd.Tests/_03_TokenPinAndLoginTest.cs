using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.P11;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>C_InitToken, C_InitPIN, C_SetPIN, C_Login/C_Logout and their state rules, PIN failure counting.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class _03_TokenPinAndLoginTest(EndToEndFixture fx)
{
    private const string So = EndToEndFixture.SoPin;
    private const string User = EndToEndFixture.UserPin;

    [Fact]
    public void InitToken_sets_the_label_and_reinitialising_destroys_the_objects()
    {
        using var lib = fx.Load();
        var slot = fx.FreshToken(lib, Slots.InitToken, "first label");
        Assert.Equal("first label", slot.GetTokenInfo().Label.TrimEnd());
        using (var s = slot.OpenSession(SessionType.ReadWrite))
        {
            s.Login(CKU.CKU_USER, User);
            s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, true), A(CKA.CKA_LABEL, "doomed")));
            Assert.Single(FindByLabel(s, "doomed"));
        }

        slot.InitToken(So, "second label");
        var info = slot.GetTokenInfo();
        Assert.Equal("second label", info.Label.TrimEnd());
        Assert.True(info.TokenFlags.TokenInitialized);
        Assert.False(info.TokenFlags.UserPinInitialized); // C_InitToken leaves the User PIN uninitialised

        using var after = slot.OpenSession(SessionType.ReadWrite);
        AssertRv(CKR.CKR_USER_PIN_NOT_INITIALIZED, () => after.Login(CKU.CKU_USER, User));
        after.Login(CKU.CKU_SO, So);
        Assert.Empty(FindByLabel(after, "doomed"));
    }

    [Fact]
    public void InitToken_with_a_wrong_SO_PIN_or_an_open_session_fails()
    {
        using var lib = fx.Load();
        var slot = fx.FreshToken(lib, Slots.InitToken, "guarded");
        AssertRv(CKR.CKR_PIN_INCORRECT, () => slot.InitToken("wrong-so-pin", "hijacked"));
        using (slot.OpenSession(SessionType.ReadOnly))
        {
            AssertRv(CKR.CKR_SESSION_EXISTS, () => slot.InitToken(So, "hijacked"));
        }
        Assert.Equal("guarded", slot.GetTokenInfo().Label.TrimEnd());
        slot.InitToken(So, "guarded again"); // the SO failure counter does not block a correct PIN
    }

    [Fact]
    public void InitPIN_needs_the_SO_and_SetPIN_changes_the_User_PIN()
    {
        using var lib = fx.Load();
        var slot = fx.FreshToken(lib, Slots.InitToken, "pins");
        using var s = slot.OpenSession(SessionType.ReadWrite);
        AssertRv(CKR.CKR_USER_NOT_LOGGED_IN, () => s.InitPin("99999999"));

        s.Login(CKU.CKU_USER, User);
        AssertRv(CKR.CKR_USER_NOT_LOGGED_IN, () => s.InitPin("99999999")); // a User may not call C_InitPIN
        AssertRv(CKR.CKR_PIN_INCORRECT, () => s.SetPin("not-the-pin", "24682468"));
        s.SetPin(User, "24682468");
        s.Logout();

        AssertRv(CKR.CKR_PIN_INCORRECT, () => s.Login(CKU.CKU_USER, User));
        s.Login(CKU.CKU_USER, "24682468");
        s.Logout();

        AssertRv(CKR.CKR_PIN_LEN_RANGE, () => s.InitPinAsSo("1"));
    }

    [Fact]
    public void SetPIN_in_a_read_only_session_is_SESSION_READ_ONLY()
    {
        using var lib = fx.Load();
        var slot = fx.FreshToken(lib, Slots.InitToken, "ro pin");
        using var ro = slot.OpenSession(SessionType.ReadOnly);
        ro.Login(CKU.CKU_USER, User);
        AssertRv(CKR.CKR_SESSION_READ_ONLY, () => ro.SetPin(User, "13571357"));
    }

    [Fact]
    public void Login_state_rules()
    {
        using var lib = fx.Load();
        var slot = fx.FreshToken(lib, Slots.Login, "login rules");
        using var rw = slot.OpenSession(SessionType.ReadWrite);
        using var other = slot.OpenSession(SessionType.ReadWrite);

        AssertRv(CKR.CKR_USER_NOT_LOGGED_IN, () => rw.Logout());
        rw.Login(CKU.CKU_USER, User);
        AssertRv(CKR.CKR_USER_ALREADY_LOGGED_IN, () => rw.Login(CKU.CKU_USER, User));
        // Login state belongs to the application: the other session is logged in too.
        AssertRv(CKR.CKR_USER_ALREADY_LOGGED_IN, () => other.Login(CKU.CKU_USER, User));
        Assert.Equal(CKS.CKS_RW_USER_FUNCTIONS, other.GetSessionInfo().State);
        AssertRv(CKR.CKR_USER_ANOTHER_ALREADY_LOGGED_IN, () => other.Login(CKU.CKU_SO, So));
        other.Logout();
        Assert.Equal(CKS.CKS_RW_PUBLIC_SESSION, rw.GetSessionInfo().State);

        rw.Login(CKU.CKU_SO, So);
        Assert.Equal(CKS.CKS_RW_SO_FUNCTIONS, other.GetSessionInfo().State);
        AssertRv(CKR.CKR_USER_ANOTHER_ALREADY_LOGGED_IN, () => other.Login(CKU.CKU_USER, User));
        AssertRv(CKR.CKR_USER_ALREADY_LOGGED_IN, () => other.Login(CKU.CKU_SO, So));
        // While the SO is logged in, no R/O session can be opened.
        AssertRv(CKR.CKR_SESSION_READ_WRITE_SO_EXISTS, () => slot.OpenSession(SessionType.ReadOnly).Dispose());
        rw.Logout();
    }

    [Fact]
    public void SO_login_with_a_read_only_session_open_is_SESSION_READ_ONLY_EXISTS()
    {
        using var lib = fx.Load();
        var slot = fx.FreshToken(lib, Slots.Login, "so with ro");
        using var ro = slot.OpenSession(SessionType.ReadOnly);
        using var rw = slot.OpenSession(SessionType.ReadWrite);
        AssertRv(CKR.CKR_SESSION_READ_ONLY_EXISTS, () => rw.Login(CKU.CKU_SO, So));
        AssertRv(CKR.CKR_SESSION_READ_ONLY_EXISTS, () => ro.Login(CKU.CKU_SO, So));
        ro.CloseSession();
        rw.Login(CKU.CKU_SO, So);
        rw.Logout();
    }

    [Fact]
    public void Wrong_PINs_are_counted_and_lock_the_User_PIN_until_the_SO_resets_it()
    {
        using var lib = fx.Load();
        var slot = fx.FreshToken(lib, Slots.Login, "pin counter"); // max-login-failures = 3 on this slot
        using var s = slot.OpenSession(SessionType.ReadWrite);
        Flags(slot, countLow: false, finalTry: false, locked: false);

        AssertRv(CKR.CKR_PIN_INCORRECT, () => s.Login(CKU.CKU_USER, "00000000"));
        Flags(slot, countLow: true, finalTry: false, locked: false);

        // A correct login resets the counter.
        s.Login(CKU.CKU_USER, User);
        s.Logout();
        Flags(slot, countLow: false, finalTry: false, locked: false);

        AssertRv(CKR.CKR_PIN_INCORRECT, () => s.Login(CKU.CKU_USER, "00000000"));
        AssertRv(CKR.CKR_PIN_INCORRECT, () => s.Login(CKU.CKU_USER, "00000000"));
        Flags(slot, countLow: true, finalTry: true, locked: false);

        var third = Rv(() => s.Login(CKU.CKU_USER, "00000000"));
        Assert.True(third is CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_LOCKED, $"third wrong PIN: {third}");
        Assert.True(slot.GetTokenInfo().TokenFlags.UserPinLocked);
        AssertRv(CKR.CKR_PIN_LOCKED, () => s.Login(CKU.CKU_USER, User)); // even the right PIN

        s.Login(CKU.CKU_SO, So);
        s.InitPin(User);
        s.Logout();
        Flags(slot, countLow: false, finalTry: false, locked: false);
        s.Login(CKU.CKU_USER, User);
        s.Logout();
    }

    [Fact]
    public void Wrong_SO_PINs_set_the_SO_count_flag()
    {
        using var lib = fx.Load();
        var slot = fx.FreshToken(lib, Slots.Login, "so counter");
        using var s = slot.OpenSession(SessionType.ReadWrite);
        AssertRv(CKR.CKR_PIN_INCORRECT, () => s.Login(CKU.CKU_SO, "00000000"));
        Assert.NotEqual(0UL, slot.GetTokenInfo().TokenFlags.Flags & CKF.CKF_SO_PIN_COUNT_LOW);
        s.Login(CKU.CKU_SO, So);
        s.Logout();
        Assert.Equal(0UL, slot.GetTokenInfo().TokenFlags.Flags & CKF.CKF_SO_PIN_COUNT_LOW);
    }

    [Fact]
    public void Logout_of_one_session_ends_the_login_and_closing_every_session_logs_out()
    {
        using var lib = fx.Load();
        var slot = fx.FreshToken(lib, Slots.Login, "close all");
        var s = slot.OpenSession(SessionType.ReadWrite);
        s.Login(CKU.CKU_USER, User);
        slot.CloseAllSessions();
        using var again = slot.OpenSession(SessionType.ReadWrite);
        Assert.Equal(CKS.CKS_RW_PUBLIC_SESSION, again.GetSessionInfo().State);
        again.Login(CKU.CKU_USER, User);
        again.Logout();
    }

    private static void Flags(ISlot slot, bool countLow, bool finalTry, bool locked)
    {
        var f = slot.GetTokenInfo().TokenFlags;
        Assert.Equal((countLow, finalTry, locked), (f.UserPinCountLow, f.UserPinFinalTry, f.UserPinLocked));
    }
}

internal static class SessionPinExtensions
{
    /// <summary>SO login, C_InitPIN, logout: returns through the exception of C_InitPIN.</summary>
    public static void InitPinAsSo(this ISession s, string pin)
    {
        s.Login(CKU.CKU_SO, EndToEndFixture.SoPin);
        try
        {
            s.InitPin(pin);
        }
        finally
        {
            s.Logout();
        }
    }
}
