namespace DbDoctor.Drivers;

/// <summary>
/// The generic ADO.NET fallback: plain ADO.NET words, common keyword names, the I/O errors of any driver. Its heap
/// knowledge is discovered in each dump (<see cref="GenericHeapKnowledge.Discover"/>), one per unknown driver assembly.
/// </summary>
internal static class GenericProfile
{
    public static DriverProfile Create() => new()
    {
        Name = "(generic ADO.NET)",
        IsGeneric = true,
        Errors = new GenericErrors(),
    };
}
