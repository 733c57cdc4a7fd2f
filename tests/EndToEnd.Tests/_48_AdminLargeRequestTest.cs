using OpenCryptokiActors.Cryptoki.Admin;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// An admin request larger than 1 MiB (a TokenRestore carries the whole token: ~53 bytes per object, a million objects ~53 MB)
/// reaches the daemon and is answered. The admin socket once dropped every request frame above 1 MiB, so `ock token restore`
/// of a token of more than ~20,000 objects ended in "did not answer" without the daemon having looked at it.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _48_AdminLargeRequestTest
{
    [Fact]
    public void A_restore_request_of_several_MiB_is_read_whole_and_answered()
    {
        var daemon = StartDaemon("admin-large", [new SlotConfig(0, "large", "Large request")]);
        try
        {
            using var admin = Admin(daemon);
            // 3 MiB that are no backup: the daemon reads them all and says what is wrong with them
            var e = Assert.Throws<AdminException>(() => admin.RestoreToken(0, "TokenBackup.v1", new byte[3 * 1024 * 1024]));
            Assert.Contains("bad backup state", e.Message);
            // the connection is still good for the next request
            Assert.Contains(admin.ListSlots(), s => s.Id == 0);
        }
        finally
        {
            Discard(daemon);
        }
    }
}
