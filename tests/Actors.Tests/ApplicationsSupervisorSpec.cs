using Akka.Actor;
using Akka.Event;
using OpenCryptokiActors.Actors.Applications;

namespace OpenCryptokiActors.Actors.Tests;

/// <summary>
/// /user/applications has one child that is no application, the DeadLetterReplier: slot-table changes, token events,
/// the application count and the application list concern the application children only, so nothing the supervisor
/// passes on ends unhandled (the daemon logged "SlotTableChanged … unhandled" at every start) and listing does not wait
/// for an answer that never comes.
/// </summary>
public sealed class ApplicationsSupervisorSpec : Akka.TestKit.Xunit2.TestKit
{
    private readonly string _dir;

    public ApplicationsSupervisorSpec() : this(TestConfig.NewDataDir())
    {
    }

    private ApplicationsSupervisorSpec(string dir) : base(TestConfig.For(dir), "applications-supervisor") => _dir = dir;

    [Fact]
    public async Task Slot_table_changes_and_token_events_reach_only_applications_and_nothing_is_unhandled()
    {
        var unhandled = CreateTestProbe();
        Sys.EventStream.Subscribe(unhandled, typeof(UnhandledMessage));

        // Subscribing to the slot manager brings the first SlotTableChanged; C_InitToken publishes a TokenChanged.
        var applications = await Runtime.StartAsync(Sys, TestConfig.For(_dir));
        var client = await ClientHarness.ConnectAsync(applications, pid: 77);
        client.InitToken(0, "so-pin", "supervisor");
        var session = client.OpenSession(0);
        Assert.NotEqual(0UL, session);
        Assert.DoesNotContain(Unhandled(unhandled, TimeSpan.FromSeconds(1)), ToApplications);

        Assert.Equal(1, await applications.Ask<int>(ApplicationProtocol.GetCount.Instance, TimeSpan.FromSeconds(5)));
        // Each child is asked to describe itself with a 5 s timeout: an answer well before that means none was left waiting.
        var started = DateTime.UtcNow;
        var list = await applications.Ask<ApplicationProtocol.ApplicationList>(ApplicationProtocol.ListApplications.Instance, TimeSpan.FromSeconds(10));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3), $"listing took {DateTime.UtcNow - started}");
        Assert.Equal(77, Assert.Single(list.Applications).Pid);
        Assert.DoesNotContain(Unhandled(unhandled, TimeSpan.FromMilliseconds(300)), ToApplications);
    }

    private static List<UnhandledMessage> Unhandled(Akka.TestKit.TestProbe probe, TimeSpan within) =>
        probe.ReceiveWhile(within, m => m as UnhandledMessage).OfType<UnhandledMessage>().ToList();

    private static bool ToApplications(UnhandledMessage u) => u.Recipient.Path.ToString().Contains("/user/applications", StringComparison.Ordinal);
}
