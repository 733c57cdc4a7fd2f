using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// fork() in a client: the child gets CKR_CRYPTOKI_NOT_INITIALIZED until it calls C_Initialize, then works as an
/// application of its own (the parent's session is not its); the parent's session, its operation in progress and its
/// session object are untouched by the child's life and exit.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _29_ForkTest
{
    [Fact]
    public void A_forked_child_initialises_again_and_the_parents_sessions_are_unaffected()
    {
        var d = StartDaemon("fork", [new SlotConfig(0, "fork-zero", "Fork zero")], group: "pkcs11");
        try
        {
            InitToken(d, 0, "forked");
            var label = "fork-" + Guid.NewGuid().ToString("N")[..6];
            var r = RunAs(null, Env(d.SocketPath), "fork", "0", label);
            Assert.True(r.ExitCode == 0, r + "\n" + d.OutputTail());
            const string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; // SHA-256("abc")
            // 0x190 CKR_CRYPTOKI_NOT_INITIALIZED before its C_Initialize; after it the parent's handle is not the child's
            // (0xb3 CKR_SESSION_HANDLE_INVALID), nor its session object (found=0).
            Assert.Contains($"child slots=0x190 open=0x190 init=0x0 parentsession=0xb3 own=0x0 digest={abc} found=0", r.Stdout);
            // The parent's digest went on from "ab" to "abc", its session and session object are still there.
            Assert.Contains($"parent sessioninfo=0x0 digest={abc} found=1", r.Stdout);
        }
        finally
        {
            Discard(d);
        }
    }
}
