using OpenCryptokiActors.Tokens.Zcrypt;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>Discovery of AP queues from a sysfs tree, and the fake tree the emulator keeps.</summary>
public sealed class ApSysfsSpec : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ock-sysfs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Reads_the_queues_of_the_usage_domain_with_their_attributes()
    {
        var fake = FakeSysfs.Create(_root, cards: 3, domain: 5, hwtype: 12, depth: 16);
        fake.AddQueue(new ApQueueId(1, 6)); // another domain: not ours
        fake.SetQueue(new ApQueueId(2, 5), online: false, load: 7);
        var bus = ApSysfs.Read(_root);
        Assert.Equal(5, bus.Domain);
        Assert.Equal(["00.0005", "01.0005", "02.0005"], bus.Queues.Select(q => q.Id.ToString()));
        var q2 = bus.Queues[2];
        Assert.False(q2.Online);
        Assert.Equal(7, q2.Load);
        Assert.Equal(12, bus.Queues[0].HwType);
        Assert.True(bus.Queues[0].Online && bus.Queues[0].Config && !bus.Queues[0].CheckStop);
        Assert.Equal(4, ApSysfs.Read(_root, allDomains: true).Queues.Count);
    }

    [Fact]
    public void Emulator_faults_show_in_the_fake_tree()
    {
        var fake = FakeSysfs.Create(_root, cards: 2);
        using var emu = new ZcryptEmulator(fake);
        emu.SetCheckStop(new ApQueueId(0, 5), true);
        emu.Remove(new ApQueueId(1, 5));
        var bus = ApSysfs.Read(_root);
        Assert.Single(bus.Queues);
        Assert.True(bus.Queues[0].CheckStop);
        emu.Restore(new ApQueueId(1, 5));
        Assert.Equal(2, ApSysfs.Read(_root).Queues.Count);
    }

    [Fact]
    public void A_missing_tree_has_no_queues()
    {
        var bus = ApSysfs.Read(Path.Combine(_root, "nothing"));
        Assert.Empty(bus.Queues);
        Assert.Null(bus.Domain);
    }
}
