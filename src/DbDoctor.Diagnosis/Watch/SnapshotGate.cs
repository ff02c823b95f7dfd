namespace DbDoctor.Diagnosis.Watch;

/// <summary>
/// What protects the target from its watcher: at most <see cref="MaxSnapshots"/> heap snapshots, and none within
/// <see cref="Cooldown"/> of the last one. Pure state, decided from the times it is told.
/// </summary>
public sealed class SnapshotGate(TimeSpan cooldown, int maxSnapshots)
{
    private TimeSpan? _last;

    public TimeSpan Cooldown { get; } = cooldown;
    public int MaxSnapshots { get; } = maxSnapshots;
    public int Taken { get; private set; }

    public bool Exhausted => Taken >= MaxSnapshots;

    /// <summary>Whether a trigger that fires at <paramref name="now"/> may take a snapshot.</summary>
    public bool Allows(TimeSpan now) => !Exhausted && (_last is not { } last || now - last >= Cooldown);

    public void Taking(TimeSpan now)
    {
        _last = now;
        Taken++;
    }
}
