using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using DbDoctor.Drivers;
using DbDoctor.Model.Facts;
using DbDoctor.Telemetry.Tracing;

namespace DbDoctor.Tests.Tracing;

/// <summary>
/// file:line of traced frames: a return address through the JIT's IL map to the call's IL offset, then the portable PDB
/// beside the assembly to its line. The PDB is this test assembly's own; the oracle for each call's line is the compiler
/// ([CallerLineNumber]) and for its IL offset the runtime's own stack walk.
/// </summary>
public sealed class SourceLineTests : IDisposable
{
    private static readonly string Assembly = typeof(SourceLineTests).Assembly.Location;
    private static readonly string Pdb = Path.ChangeExtension(Assembly, ".pdb");
    private readonly string _scratch = Directory.CreateTempSubdirectory("dbdoctor-lines-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void The_test_assemblys_own_pdb_gives_the_line_of_each_call()
    {
        var first = CallSite();
        var second =
            CallSite();
        var lines = new PortablePdbLines();

        var one = lines.Find(Assembly, first.Token, first.ILOffset);
        var two = lines.Find(Assembly, second.Token, second.ILOffset);

        Assert.NotNull(one);
        Assert.Equal(first.Line, one.Value.Line);
        Assert.Equal("SourceLineTests.cs", TracedFrame.FileName(one.Value.File));
        // A call inside a statement that began a line above it: a PDB knows statements, so the line is where it begins.
        Assert.Equal(second.Line - 1, two?.Line);
        Assert.Equal(first.Line + 2, second.Line);
        // Any IL offset inside the statement belongs to it: the sequence point with the greatest offset at or below.
        Assert.Equal(first.Line, lines.Find(Assembly, first.Token, first.ILOffset + 1)?.Line);
        Assert.Equal(1, lines.ModulesWithLines);
    }

    [Fact]
    public void The_resolver_maps_a_return_address_to_the_line_of_the_call_before_it()
    {
        var site = CallSite();
        var code = new NativeCodeMap();
        // A code version whose native code for the call's statement ends exactly at the return address: the next
        // statement's code starts there, so only the byte before it (the call) is the call's.
        const ulong start = 0x7f00_1000_0000;
        code.MethodLoaded(methodId: 42, versionId: 1, start, size: 200, site.Token);
        code.ILMapped(42, 1, [-2, 0, site.ILOffset, site.ILOffset + 40], [0, 10, 40, 80]);
        var resolver = new FrameResolver(DriverCatalog.Default, code, new PortablePdbLines());

        var line = resolver.LineAt(start + 80, Assembly, Guid.Empty);

        Assert.Equal(site.Line, line?.Line);
        Assert.Equal("SourceLineTests.cs", TracedFrame.FileName(line!.Value.File));
        Assert.Equal($"Shop.Billing.Charge in SourceLineTests.cs:{site.Line}",
            new TracedFrame { Method = "Shop.Billing.Charge", Owner = FrameOwners.Application, File = line.Value.File, Line = line.Value.Line }.ToString());
    }

    [Fact]
    public void Without_a_pdb_beside_the_module_a_frame_has_no_line_and_nothing_fails()
    {
        var site = CallSite();
        var alone = Copy(Assembly, "alone");
        var code = new NativeCodeMap();
        code.MethodLoaded(7, 0, 0x1000, 100, site.Token);
        code.ILMapped(7, 0, [site.ILOffset], [0]);
        var resolver = new FrameResolver(DriverCatalog.Default, code, new PortablePdbLines());
        var besidePdb = new FrameResolver(DriverCatalog.Default, code, new PortablePdbLines());

        Assert.Null(resolver.LineAt(0x1010, alone, Guid.Empty));
        Assert.Null(resolver.LineAt(0x1010, Path.Combine(_scratch, "missing", "Shop.dll"), Guid.Empty));
        Assert.Null(resolver.LineAt(0x1010, null, Guid.Empty));
        // The same address beside its real PDB does have one: the copy lacked only the PDB.
        Assert.Equal(site.Line, besidePdb.LineAt(0x1010, Assembly, Guid.Empty)?.Line);
        Assert.Null(new FrameResolver(DriverCatalog.Default).LineAt(0x1010, Assembly, Guid.Empty));
    }

    [Fact]
    public void A_pdb_of_another_build_a_windows_pdb_or_a_corrupt_one_gives_no_line()
    {
        var site = CallSite();
        var bytes = File.ReadAllBytes(Pdb);
        var otherBuild = Copy(Assembly, "other", pdb: File.ReadAllBytes(Path.ChangeExtension(typeof(TracedFrame).Assembly.Location, ".pdb")));
        var windows = Copy(Assembly, "windows", pdb: [.. "Microsoft C/C++ MSF 7.00\r\n\u001aDS\0\0\0"u8, .. new byte[4096]]);
        var truncated = Copy(Assembly, "truncated", pdb: bytes[..(bytes.Length / 3)]);
        var garbage = Copy(Assembly, "garbage", pdb: [.. "BSJB"u8, .. Enumerable.Range(0, 5000).Select(i => (byte)(i * 37))]);
        var damaged = (byte[])bytes.Clone();
        for (var i = bytes.Length / 2; i < bytes.Length; i += 7)
        {
            damaged[i] ^= 0x5A;
        }

        var lines = new PortablePdbLines();
        foreach (var module in new[] { otherBuild, windows, truncated, garbage })
        {
            Assert.Null(lines.Find(module, site.Token, site.ILOffset));
        }

        // A damaged table may still open: whatever it answers, it never throws.
        _ = lines.Find(Copy(Assembly, "damaged", pdb: damaged), site.Token, site.ILOffset);
        // The runtime loaded another build than the file now on disk: its PDB id differs, so no line.
        Assert.Null(lines.Find(Assembly, site.Token, site.ILOffset, loadedPdbId: Guid.NewGuid()));
        Assert.NotNull(lines.Find(Assembly, site.Token, site.ILOffset));
        // A token of no method of this build, and a negative IL offset: no line.
        Assert.Null(lines.Find(Assembly, 0x06FF_FFFF, 0));
        Assert.Null(lines.Find(Assembly, 0x0200_0001, 0));
        Assert.Null(lines.Find(Assembly, site.Token, -1));
    }

    /// <summary>The call's line (from the compiler), its method's token and its IL offset (from the runtime's stack walk).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (int Line, int Token, int ILOffset) CallSite([CallerLineNumber] int line = 0)
    {
        var caller = new StackFrame(1, needFileInfo: false);
        var method = caller.GetMethod() ?? throw new InvalidOperationException("no caller");
        Assert.Equal(typeof(SourceLineTests).Assembly, method.Module.Assembly);
        Assert.NotEqual(StackFrame.OFFSET_UNKNOWN, caller.GetILOffset());
        return (line, method.MetadataToken, caller.GetILOffset());
    }

    private string Copy(string assembly, string folder, byte[]? pdb = null)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_scratch, folder)).FullName;
        var target = Path.Combine(directory, Path.GetFileName(assembly));
        File.Copy(assembly, target);
        if (pdb is not null)
        {
            File.WriteAllBytes(Path.ChangeExtension(target, ".pdb"), pdb);
        }

        return target;
    }
}
