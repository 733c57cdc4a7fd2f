using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// CKF_INTERFACE_FORK_SAFE as PKCS#11 3.0 §5.4 means it, through the "PKCS 11" 3.0 interface (clients/forkclient.c): a real
/// fork() in the middle of a multi-part digest and an HMAC sign, with a private session object and a login. The child goes on
/// without C_Initialize with its own copies; parent and child finish their operations on their own data with correct
/// results, and neither sees the other's changes. (The 2.40 list of C_GetFunctionList keeps the old rule: _29_ForkTest.)
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _50_ForkSafeInterfaceTest
{
    [Fact]
    public void A_child_of_a_fork_safe_interface_goes_on_with_copies_of_the_parents_sessions()
    {
        var d = StartDaemon("forksafe", [new SlotConfig(0, "forksafe-token", "Fork-safe token")], group: "pkcs11");
        try
        {
            InitToken(d, 0, "forksafe");
            var dir = NewDir("forkclient");
            var client = Path.Combine(dir, "forkclient");
            var source = Path.Combine(AppContext.BaseDirectory, "clients", "forkclient.c");
            var build = ProcessRunner.Run("gcc", ["-O1", "-Wall", "-Werror", "-I/usr/include/p11-kit-1", "-o", client, source, "-ldl"],
                null, TimeSpan.FromSeconds(120));
            Assert.True(build.ExitCode == 0, "gcc could not build forkclient:\n" + build);
            var r = ProcessRunner.Run(client, [Repo.ModulePath, "0", UserPin], Env(d.SocketPath), TimeSpan.FromSeconds(120));
            Assert.True(r.ExitCode == 0 && r.Stdout.Contains("DONE\n"), r + "\n" + d.OutputTail());
            var lines = r.Stdout;

            // The child: its copy of the logged-in R/W session (CKS_RW_USER_FUNCTIONS = 3), already initialised.
            Assert.Contains("child session rv=0x0 state=3\n", lines);
            // Programs written for the 2.40 rule call C_Initialize in the child: the first is accepted and changes nothing, a
            // second is CKR_CRYPTOKI_ALREADY_INITIALIZED.
            Assert.Contains("child initialize rv=0x0 again=0x191\n", lines);
            Assert.Contains("child digest rv=0x0/0x0 ok=1 sign rv=0x0/0x0 ok=1\n", lines);
            Assert.Contains("child session-object found=1\n", lines);
            Assert.Contains("child destroy rv=0x0\n", lines);
            Assert.Contains("child create rv=0x0\n", lines);
            Assert.Contains("child logout rv=0x0\n", lines);
            Assert.Contains("child finalize rv=0x0\n", lines);

            // The parent: still logged in, its operations had only its own data, its session object is still there and the child's is not.
            Assert.Contains("parent child-exit=0\n", lines);
            Assert.Contains("parent session rv=0x0 state=3\n", lines);
            Assert.Contains("parent digest rv=0x0/0x0 ok=1 sign rv=0x0/0x0 ok=1\n", lines);
            Assert.Contains("parent session-object found=1 child-object found=0\n", lines);
        }
        finally
        {
            Discard(d);
        }
    }
}
