using System.Text;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.State;
using static OpenCryptokiActors.Tokens.State.TokenCalls;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>
/// The token's rules without an actor system (PKCS#11 3.0 §5.6 session and login functions, §5.7 object functions):
/// <see cref="TokenMachine.Process"/> says what a call comes to; a test "commits" an outcome as the TokenActor does, by
/// applying its events and then <see cref="TokenMachine.Committed"/>.
/// </summary>
public class TokenMachineSpec
{
    private const ulong App = 1;
    private const ulong Other = 2;
    private static readonly byte[] So = Encoding.UTF8.GetBytes("so-pin-1");
    private static readonly byte[] User = Encoding.UTF8.GetBytes("user-pin");

    private readonly TokenMachine _m = new(new TokenLimits(4, 32, 3, 1000), new ObjectVault(new byte[32], _ => { }));
    private ulong _nextHandle = 1;

    /// <summary>Runs a call to its final code as the actor does: events applied, then the effect.</summary>
    private ulong Run(Call call)
    {
        Outcome outcome;
        try
        {
            outcome = _m.Process(call);
        }
        catch (CkException e)
        {
            return e.Rv;
        }

        foreach (var e in outcome.Events) _m.Apply(e);
        return _m.Committed(outcome);
    }

    private ulong Open(ulong app = App, bool rw = true)
    {
        var h = _nextHandle++;
        Assert.Equal(CKR.OK, Run(new OpenSession(app, h, CKF.SERIAL_SESSION | (rw ? CKF.RW_SESSION : 0))));
        return h;
    }

    /// <summary>An initialised token with a User PIN, nobody logged in.</summary>
    private void Ready()
    {
        Assert.Equal(CKR.OK, Run(new InitToken(App, So, "spec")));
        var s = Open();
        Assert.Equal(CKR.OK, Run(new Login(App, s, CKU.SO, So)));
        Assert.Equal(CKR.OK, Run(new InitPin(App, s, User)));
        Assert.Equal(CKR.OK, Run(new Logout(App, s)));
        Assert.Equal(CKR.OK, Run(new CloseSession(App, s)));
    }

    [Fact]
    public void Sessions_need_an_initialised_token_and_a_serial_flag()
    {
        Assert.Equal(CKR.TOKEN_NOT_RECOGNIZED, Run(new OpenSession(App, 1, CKF.SERIAL_SESSION)));
        Assert.Equal(CKR.OK, Run(new InitToken(App, So, "spec")));
        Assert.Equal(CKR.SESSION_PARALLEL_NOT_SUPPORTED, Run(new OpenSession(App, 1, 0)));
        var s = Open();
        Assert.Equal(CKR.SESSION_EXISTS, Run(new InitToken(App, So, "again")));
        Assert.Equal(CKR.SESSION_HANDLE_INVALID, Run(new Logout(Other, s)));
    }

    [Fact]
    public void User_login_and_logout_follow_the_spec_codes()
    {
        Ready();
        var s = Open();
        Assert.Equal(CKR.USER_NOT_LOGGED_IN, Run(new Logout(App, s)));
        Assert.Equal(CKR.USER_NOT_LOGGED_IN, Run(new Login(App, s, CKU.CONTEXT_SPECIFIC, User)));
        Assert.Equal(CKR.USER_TYPE_INVALID, Run(new Login(App, s, 7, User)));
        Assert.Equal(CKR.OK, Run(new Login(App, s, CKU.USER, User)));
        Assert.Equal(CKS.RW_USER_FUNCTIONS, _m.Memory.SessionState(_m.Session(App, s)));
        Assert.Equal(CKR.USER_ALREADY_LOGGED_IN, Run(new Login(App, s, CKU.USER, User)));
        Assert.Equal(CKR.USER_ANOTHER_ALREADY_LOGGED_IN, Run(new Login(App, s, CKU.SO, So)));
        Assert.Equal(CKR.OK, Run(new Login(App, s, CKU.CONTEXT_SPECIFIC, User)));
        Assert.Equal(CKU.USER, _m.Memory.LoggedIn(App));
        Assert.NotNull(_m.Vault.MasterKey);
        Assert.Equal(CKR.OK, Run(new Logout(App, s)));
        Assert.Equal(CKS.RW_PUBLIC_SESSION, _m.Memory.SessionState(_m.Session(App, s)));
        Assert.Null(_m.Vault.MasterKey);
    }

    [Fact]
    public void The_SO_logs_in_only_without_read_only_sessions_and_then_gets_none()
    {
        Ready();
        var ro = Open(rw: false);
        Assert.Equal(CKR.SESSION_READ_ONLY_EXISTS, Run(new Login(App, ro, CKU.SO, So)));
        Assert.Equal(CKR.OK, Run(new CloseSession(App, ro)));
        var rw = Open();
        Assert.Equal(CKR.OK, Run(new Login(App, rw, CKU.SO, So)));
        Assert.Equal(CKS.RW_SO_FUNCTIONS, _m.Memory.SessionState(_m.Session(App, rw)));
        Assert.Equal(CKR.SESSION_READ_WRITE_SO_EXISTS, Run(new OpenSession(App, 99, CKF.SERIAL_SESSION)));
        Assert.Equal(CKR.USER_ANOTHER_ALREADY_LOGGED_IN, Run(new Login(App, rw, CKU.USER, User)));
    }

    [Fact]
    public void Login_state_is_per_application_and_ends_with_its_last_session()
    {
        Ready();
        var a = Open();
        var b = Open(Other);
        Assert.Equal(CKR.OK, Run(new Login(App, a, CKU.USER, User)));
        Assert.Equal(CKS.RW_PUBLIC_SESSION, _m.Memory.SessionState(_m.Session(Other, b)));
        Assert.Equal(CKR.OK, Run(new CloseSession(App, a)));
        Assert.Equal(TokenMemory.Public, _m.Memory.LoggedIn(App));
        Assert.Null(_m.Vault.MasterKey);
    }

    [Fact]
    public void Wrong_PINs_are_counted_lock_at_the_limit_and_a_right_one_resets_the_count()
    {
        Ready();
        var s = Open();
        var wrong = Encoding.UTF8.GetBytes("wrong-pin");
        Assert.Equal(CKR.PIN_INCORRECT, Run(new Login(App, s, CKU.USER, wrong)));
        Assert.Equal(CKF.USER_PIN_COUNT_LOW, _m.TokenFlags() & (CKF.USER_PIN_COUNT_LOW | CKF.USER_PIN_FINAL_TRY));
        Assert.Equal(CKR.OK, Run(new Login(App, s, CKU.USER, User)));
        Assert.Equal(0, _m.State.UserFailures);
        Assert.Equal(CKR.OK, Run(new Logout(App, s)));
        Assert.Equal(CKR.PIN_INCORRECT, Run(new Login(App, s, CKU.USER, wrong)));
        Assert.Equal(CKR.PIN_INCORRECT, Run(new Login(App, s, CKU.USER, wrong)));
        Assert.NotEqual(0UL, _m.TokenFlags() & CKF.USER_PIN_FINAL_TRY);
        Assert.Equal(CKR.PIN_LOCKED, Run(new Login(App, s, CKU.USER, wrong)));
        Assert.Equal(CKR.PIN_LOCKED, Run(new Login(App, s, CKU.USER, User)));
        Assert.NotEqual(0UL, _m.TokenFlags() & CKF.USER_PIN_LOCKED);

        // the SO unlocks the User by setting a new User PIN (C_InitPIN)
        Assert.Equal(CKR.OK, Run(new Login(App, s, CKU.SO, So)));
        var fresh = Encoding.UTF8.GetBytes("new-user-pin");
        Assert.Equal(CKR.OK, Run(new InitPin(App, s, fresh)));
        Assert.Equal(CKR.OK, Run(new Logout(App, s)));
        Assert.Equal(0UL, _m.TokenFlags() & CKF.USER_PIN_LOCKED);
        Assert.Equal(CKR.OK, Run(new Login(App, s, CKU.USER, fresh)));
    }

    [Fact]
    public void PIN_changes_need_a_read_write_session_the_old_PIN_and_a_length_in_range()
    {
        Ready();
        var ro = Open(rw: false);
        Assert.Equal(CKR.SESSION_READ_ONLY, Run(new SetPin(App, ro, User, Encoding.UTF8.GetBytes("other-pin"))));
        var s = Open();
        Assert.Equal(CKR.PIN_LEN_RANGE, Run(new SetPin(App, s, User, Encoding.UTF8.GetBytes("abc"))));
        Assert.Equal(CKR.PIN_INCORRECT, Run(new SetPin(App, s, Encoding.UTF8.GetBytes("not-it"), Encoding.UTF8.GetBytes("other-pin"))));
        Assert.Equal(CKR.OK, Run(new SetPin(App, s, User, Encoding.UTF8.GetBytes("other-pin"))));
        Assert.Equal(CKR.PIN_INCORRECT, Run(new Login(App, s, CKU.USER, User)));
        Assert.Equal(CKR.OK, Run(new Login(App, s, CKU.USER, Encoding.UTF8.GetBytes("other-pin"))));
        Assert.Equal(CKR.USER_NOT_LOGGED_IN, Run(new InitPin(App, s, User))); // C_InitPIN is the SO's
    }

    private static AttributeSet Data(bool token, bool isPrivate, string label) => new(
    [
        new(CKA.CLASS, Attr.ULong(CKO.DATA)), new(CKA.TOKEN, Attr.Bool(token)), new(CKA.PRIVATE, Attr.Bool(isPrivate)),
        new(CKA.LABEL, Encoding.UTF8.GetBytes(label)), new(CKA.VALUE, [1, 2, 3]),
    ]);

    private ulong Create(ulong s, AttributeSet template)
    {
        var outcome = _m.Process(new CreateObject(App, s, template));
        foreach (var e in outcome.Events) _m.Apply(e);
        Assert.Equal(CKR.OK, _m.Committed(outcome));
        return Assert.Single(outcome.Handles!);
    }

    [Fact]
    public void Token_objects_need_a_read_write_session_and_private_ones_the_User()
    {
        Ready();
        var ro = Open(rw: false);
        Assert.Equal(CKR.SESSION_READ_ONLY, Run(new CreateObject(App, ro, Data(true, false, "t"))));
        var sessionObject = Create(ro, Data(false, false, "session"));
        Assert.True(sessionObject >= TokenMemory.SessionObjectBase);
        var rw = Open();
        Assert.Equal(CKR.USER_NOT_LOGGED_IN, Run(new CreateObject(App, rw, Data(true, true, "p"))));
        var pub = Create(rw, Data(true, false, "public"));
        Assert.True(pub < TokenMemory.SessionObjectBase);
        Assert.Equal("1", Encoding.ASCII.GetString(_m.State.Objects[pub][CKA.UNIQUE_ID]));
        Assert.Equal(CKR.OK, Run(new Login(App, rw, CKU.USER, User)));
        var priv = Create(rw, Data(true, true, "private"));
        Assert.True(_m.TryVisible(App, priv, out _, out _));
        Assert.False(_m.TryVisible(Other, sessionObject, out _, out _)); // session objects are their application's
        Assert.Equal(CKR.OK, Run(new Logout(App, rw)));
        Assert.False(_m.TryVisible(App, priv, out _, out _)); // private objects only to the User
        Assert.Equal(CKR.OBJECT_HANDLE_INVALID, Run(new DestroyObject(App, rw, priv)));
    }

    [Fact]
    public void Copy_set_and_destroy_follow_the_object_rules()
    {
        Ready();
        var s = Open();
        var original = Create(s, Data(true, false, "original"));
        var copy = _m.Process(new CopyObject(App, s, original, new AttributeSet([new(CKA.LABEL, Encoding.UTF8.GetBytes("copy"))])));
        foreach (var e in copy.Events) _m.Apply(e);
        var copied = Assert.Single(copy.Handles!);
        Assert.Equal("copy", Encoding.UTF8.GetString(_m.State.Objects[copied][CKA.LABEL]));
        Assert.NotEqual(_m.State.Objects[copied][CKA.UNIQUE_ID], _m.State.Objects[original][CKA.UNIQUE_ID]);

        Assert.Equal(CKR.OK, Run(new SetAttributeValue(App, s, original, new AttributeSet([new(CKA.LABEL, Encoding.UTF8.GetBytes("renamed"))]))));
        Assert.Equal("renamed", Encoding.UTF8.GetString(_m.State.Objects[original][CKA.LABEL]));
        Assert.Equal(CKR.ATTRIBUTE_READ_ONLY, Run(new SetAttributeValue(App, s, original, new AttributeSet([new(CKA.PRIVATE, Attr.Bool(true))]))));
        Assert.Equal(CKR.ATTRIBUTE_READ_ONLY, Run(new SetAttributeValue(App, s, original, new AttributeSet([new(CKA.CLASS, Attr.ULong(CKO.SECRET_KEY))]))));

        var undeletable = Data(true, false, "keep");
        undeletable.Set(CKA.DESTROYABLE, Attr.Bool(false));
        var kept = Create(s, undeletable);
        Assert.Equal(CKR.ACTION_PROHIBITED, Run(new DestroyObject(App, s, kept)));
        var ro = Open(rw: false);
        Assert.Equal(CKR.SESSION_READ_ONLY, Run(new DestroyObject(App, ro, original)));
        Assert.Equal(CKR.OK, Run(new DestroyObject(App, s, original)));
        Assert.False(_m.State.Objects.ContainsKey(original));
        Assert.Equal(CKR.OBJECT_HANDLE_INVALID, Run(new DestroyObject(App, s, original)));
    }

    [Fact]
    public void A_write_the_journal_does_not_take_leaves_the_state_and_the_login_as_they_were()
    {
        Ready();
        var s = Open();
        var outcome = _m.Process(new Login(App, s, CKU.USER, User));
        var effect = Assert.IsType<LoggedIn>(outcome.Effect);
        TokenMachine.Abandoned(outcome);
        Assert.All(effect.MasterKey, b => Assert.Equal(0, b));
        Assert.Equal(TokenMemory.Public, _m.Memory.LoggedIn(App));
        Assert.Null(_m.Vault.MasterKey);
    }
}
