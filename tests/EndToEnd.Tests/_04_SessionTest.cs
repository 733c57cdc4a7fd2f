using Net.Pkcs11Interop.Common;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.P11;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>C_OpenSession, C_CloseSession, C_CloseAllSessions, C_GetSessionInfo and the token's session counts.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class _04_SessionTest(EndToEndFixture fx)
{
    [Fact]
    public void ReadOnly_and_ReadWrite_sessions_report_their_state_and_flags()
    {
        using var lib = fx.Load();
        var slot = fx.FreshToken(lib, Slots.Sessions, "sessions");
        using var ro = slot.OpenSession(SessionType.ReadOnly);
        using var rw = slot.OpenSession(SessionType.ReadWrite);

        var roInfo = ro.GetSessionInfo();
        Assert.Equal(Slots.Sessions, roInfo.SlotId);
        Assert.Equal(CKS.CKS_RO_PUBLIC_SESSION, roInfo.State);
        Assert.True(roInfo.SessionFlags.SerialSession);
        Assert.False(roInfo.SessionFlags.RwSession);

        var rwInfo = rw.GetSessionInfo();
        Assert.Equal(CKS.CKS_RW_PUBLIC_SESSION, rwInfo.State);
        Assert.True(rwInfo.SessionFlags.RwSession);
        Assert.NotEqual(ro.SessionId, rw.SessionId);

        rw.Login(CKU.CKU_USER, EndToEndFixture.UserPin);
        Assert.Equal(CKS.CKS_RO_USER_FUNCTIONS, ro.GetSessionInfo().State);
        Assert.Equal(CKS.CKS_RW_USER_FUNCTIONS, rw.GetSessionInfo().State);
        rw.Logout();
    }

    [Fact]
    public void Session_counts_follow_open_and_close()
    {
        using var lib = fx.Load();
        var slot = fx.FreshToken(lib, Slots.Sessions, "counts");
        var ro1 = slot.OpenSession(SessionType.ReadOnly);
        var ro2 = slot.OpenSession(SessionType.ReadOnly);
        var rw = slot.OpenSession(SessionType.ReadWrite);
        var info = slot.GetTokenInfo();
        Assert.Equal((3UL, 1UL), (info.SessionCount, info.RwSessionCount));

        ro1.CloseSession();
        info = slot.GetTokenInfo();
        Assert.Equal((2UL, 1UL), (info.SessionCount, info.RwSessionCount));

        rw.CloseSession();
        info = slot.GetTokenInfo();
        Assert.Equal((1UL, 0UL), (info.SessionCount, info.RwSessionCount));

        slot.OpenSession(SessionType.ReadWrite);
        slot.CloseAllSessions();
        info = slot.GetTokenInfo();
        Assert.Equal((0UL, 0UL), (info.SessionCount, info.RwSessionCount));

        AssertRv(CKR.CKR_SESSION_HANDLE_INVALID, () => ro2.GetSessionInfo());
    }

    [Fact]
    public void Finalize_closes_the_applications_sessions()
    {
        using (var lib = fx.Load())
        {
            var slot = fx.FreshToken(lib, Slots.Sessions, "finalize");
            slot.OpenSession(SessionType.ReadWrite);
            slot.OpenSession(SessionType.ReadOnly);
            Assert.Equal(2UL, slot.GetTokenInfo().SessionCount);
        }
        using var again = fx.Load();
        var info = fx.Slot(again, Slots.Sessions).GetTokenInfo();
        Assert.Equal((0UL, 0UL), (info.SessionCount, info.RwSessionCount));
    }

    [Fact]
    public void A_session_without_CKF_SERIAL_SESSION_is_refused()
    {
        using var lib = fx.Load();
        var ll = LowLevel(fx.ModulePath);
        ulong handle = 0;
        Assert.Equal(CKR.CKR_SESSION_PARALLEL_NOT_SUPPORTED,
            ll.C_OpenSession(Slots.Sessions, CKF.CKF_RW_SESSION, IntPtr.Zero, IntPtr.Zero, ref handle));
        Assert.Equal(CKR.CKR_SLOT_ID_INVALID,
            ll.C_OpenSession(4242, CKF.CKF_SERIAL_SESSION, IntPtr.Zero, IntPtr.Zero, ref handle));
    }

    [Fact]
    public void A_read_only_session_cannot_create_token_objects()
    {
        using var lib = fx.Load();
        var slot = fx.FreshToken(lib, Slots.Sessions, "ro objects");
        using var ro = slot.OpenSession(SessionType.ReadOnly);
        ro.Login(CKU.CKU_USER, EndToEndFixture.UserPin);
        AssertRv(CKR.CKR_SESSION_READ_ONLY, () => ro.CreateObject(T(
            A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, true), A(CKA.CKA_LABEL, "ro token object"))));
        // Session objects are fine in a R/O session.
        ro.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, false), A(CKA.CKA_LABEL, "ro session object")));
        ro.Logout();
    }
}
