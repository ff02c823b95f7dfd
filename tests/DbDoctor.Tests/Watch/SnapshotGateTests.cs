using DbDoctor.Diagnosis.Watch;

namespace DbDoctor.Tests.Watch;

public class SnapshotGateTests
{
    [Fact]
    public void Cooldown_spaces_snapshots_and_max_stops_them()
    {
        var gate = new SnapshotGate(TimeSpan.FromMinutes(5), maxSnapshots: 2);

        Assert.True(gate.Allows(TimeSpan.FromSeconds(10)));
        gate.Taking(TimeSpan.FromSeconds(10));
        Assert.False(gate.Allows(TimeSpan.FromSeconds(11)));
        Assert.False(gate.Allows(TimeSpan.FromSeconds(309)));
        Assert.True(gate.Allows(TimeSpan.FromSeconds(310)));
        gate.Taking(TimeSpan.FromSeconds(310));

        Assert.True(gate.Exhausted);
        Assert.Equal(2, gate.Taken);
        Assert.False(gate.Allows(TimeSpan.FromHours(5)));
    }

    [Fact]
    public void Zero_max_snapshots_never_allows_one()
    {
        var gate = new SnapshotGate(TimeSpan.Zero, maxSnapshots: 0);

        Assert.False(gate.Allows(TimeSpan.FromSeconds(1)));
    }
}
