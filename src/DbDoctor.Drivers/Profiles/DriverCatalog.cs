namespace DbDoctor.Drivers;

/// <summary>
/// The registered driver profiles. Adding a driver is one folder plus one line in <see cref="Default"/>; tests build a
/// catalog with their own profiles. Lookups are by the exact name a fact carries; unknown names get the generic profile.
/// </summary>
public sealed class DriverCatalog
{
    private readonly Dictionary<string, DriverProfile> _byName;

    public DriverCatalog(IEnumerable<DriverProfile> profiles)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        Profiles = profiles.ToList();
        _byName = Profiles.ToDictionary(p => p.Name, StringComparer.Ordinal);
    }

    /// <summary>The drivers DbDoctor knows, one registration line each.</summary>
    public static DriverCatalog Default { get; } = new(
    [
        NpgsqlProfile.Create(),
        SqliteProfile.Create(),
        SqlClientProfile.Create(),
        MySqlConnectorProfile.Create(),
    ]);

    /// <summary>The ADO.NET fallback for drivers without a profile.</summary>
    public static DriverProfile Generic { get; } = GenericProfile.Create();

    public IReadOnlyList<DriverProfile> Profiles { get; }

    /// <summary>A new catalog with <paramref name="profile"/> registered after these.</summary>
    public DriverCatalog With(DriverProfile profile) => new([.. Profiles, profile]);

    /// <summary>The profile of the driver a fact names; the generic profile for an unknown or missing name.</summary>
    public DriverProfile Resolve(string? driverName) =>
        driverName is not null && _byName.TryGetValue(driverName, out var profile) ? profile : Generic;

    /// <summary>The driver whose database listens on this port by default, if exactly one does.</summary>
    public DriverProfile? ByDefaultPort(int port)
    {
        var matches = Profiles.Where(p => p.ConnectionStrings.DefaultPort == port).ToList();
        return matches.Count == 1 ? matches[0] : null;
    }

    /// <summary>Well-known ports of the registered drivers' databases.</summary>
    public IReadOnlySet<int> DefaultPorts => Profiles.Select(p => p.ConnectionStrings.DefaultPort).OfType<int>().ToHashSet();

    /// <summary>
    /// Driver assembly file names worth showing in `dbdoctor ps`, with the name shown: the registered profiles' first,
    /// then well-known ADO.NET drivers and data libraries DbDoctor has no profile for (the generic fallback reads them).
    /// </summary>
    public IReadOnlyList<(string File, string Name)> RecognizedAssemblies =>
        [.. Profiles.SelectMany(p => p.AssemblyFileNames.Take(1).Select(f => (f, p.Name))),
         .. WellKnownAssemblies.Unprofiled.Where(u => Profiles.All(p => !p.AssemblyFileNames.Contains(u.File, StringComparer.OrdinalIgnoreCase)))];

    /// <summary>The profile a `--server` connection string is probed with: the one driver seen in the target that has a
    /// server probe, else the first registered one that has.</summary>
    public DriverProfile? ServerProbeFor(IEnumerable<string> driversSeen)
    {
        ArgumentNullException.ThrowIfNull(driversSeen);
        var seen = driversSeen.Select(Resolve).Where(p => p.Server is not null).Distinct().ToList();
        return seen.Count == 1 ? seen[0] : Profiles.FirstOrDefault(p => p.Server is not null);
    }

    /// <summary>
    /// The profile to probe a `--server` connection string with, given the target's pools (driver, host, port): the
    /// driver whose pools talk to that server's endpoint, else the one driver with pools, else as <see cref="ServerProbeFor(IEnumerable{string})"/>
    /// over the drivers loaded. A process that loads two drivers (an unused one comes with a dependency) must not
    /// have a MySQL server asked in PostgreSQL's protocol.
    /// </summary>
    public DriverProfile? ServerProbeFor(string serverConnectionString, IEnumerable<(string Driver, string? Host, int? Port)> pools, IEnumerable<string> driversLoaded)
    {
        ArgumentNullException.ThrowIfNull(pools);
        var withProbe = pools.Select(p => (Profile: Resolve(p.Driver), p.Host, p.Port)).Where(p => p.Profile.Server is not null).ToList();
        var server = DbDoctor.Model.ConnectionStrings.EndpointOf(serverConnectionString);
        var matching = withProbe.Where(p => server is { } s
                && string.Equals(DbDoctor.Model.ConnectionStrings.FirstHost(p.Host), s.Host, StringComparison.OrdinalIgnoreCase)
                && (p.Port ?? p.Profile.ConnectionStrings.DefaultPort) == (s.Port ?? p.Profile.ConnectionStrings.DefaultPort))
            .Select(p => p.Profile).Distinct().ToList();
        if (matching.Count == 1)
        {
            return matching[0];
        }

        var withPools = withProbe.Select(p => p.Profile).Distinct().ToList();
        return withPools.Count == 1 ? withPools[0] : ServerProbeFor(driversLoaded);
    }

    /// <summary>The driver that raised or explains an exception (by its type, else by its message); null when none claims it.</summary>
    public DriverProfile? OwnerOfError(string? exceptionType, string? message) =>
        Profiles.FirstOrDefault(p => exceptionType is not null && p.Errors.OwnsExceptionType(exceptionType))
        ?? Profiles.FirstOrDefault(p => p.Errors.Classify(exceptionType, message) != ErrorKind.None);

    /// <summary>What an exception means: the first registered driver's reading, else the generic one (plain I/O errors).</summary>
    public ErrorKind Classify(string? exceptionType, string? message)
    {
        foreach (var profile in Profiles)
        {
            if (profile.Errors.Classify(exceptionType, message) is var kind and not ErrorKind.None)
            {
                return kind;
            }
        }

        return Generic.Errors.Classify(exceptionType, message);
    }
}
