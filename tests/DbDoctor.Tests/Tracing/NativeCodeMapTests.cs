using DbDoctor.Telemetry.Tracing;

namespace DbDoctor.Tests.Tracing;

/// <summary>The JIT's code versions and IL maps, as the runtime's method load and IL-to-native map events give them.</summary>
public sealed class NativeCodeMapTests
{
    // Measured 2026-12-07: a tier-1 version of the test app's LeakTransaction (token 0x6000071) in a rundown, and the
    // return address its ExecuteNonQuery call left on a traced stack (start + 173, where the throw's code begins).
    private const ulong Start = 0x7fb9_7b62_ccf0;
    private static readonly int[] MeasuredIL = [-2, 0, 7, 14, 27, 50, 57, 67, 79, 87, 99, 111];
    private static readonly int[] MeasuredNative = [0, 35, 46, 66, 109, 164, 173, 193, 264, 276, 398, 438];

    [Fact]
    public void A_return_address_belongs_to_the_call_before_it_not_to_the_next_statement()
    {
        var code = Measured();

        // The call at IL 50 (ExecuteNonQuery) returns to the first byte of IL 57's code (the throw on the next line).
        Assert.Equal(new ILCallSite(0x6000071, 50), code.CallSiteAt(Start + 173));
        Assert.Equal(new ILCallSite(0x6000071, 57), code.CallSiteAt(Start + 174));
        Assert.Equal(new ILCallSite(0x6000071, 111), code.CallSiteAt(Start + 447));
        Assert.Equal(1, code.Count);
    }

    [Fact]
    public void Load_and_map_pair_by_method_and_code_version_in_either_order()
    {
        var code = new NativeCodeMap();
        // The rundown sends the map first, the JIT the load first; a second version of the same method lies elsewhere.
        code.ILMapped(methodId: 5, versionId: 2, [0, 10], [0, 20]);
        code.MethodLoaded(methodId: 5, versionId: 1, start: 0x2000, size: 64, methodToken: 0x6000002);
        code.MethodLoaded(methodId: 5, versionId: 2, start: 0x1000, size: 64, methodToken: 0x6000002);
        Assert.Equal(1, code.Count);
        code.ILMapped(methodId: 5, versionId: 1, [0, 30], [0, 8]);

        Assert.Equal(2, code.Count);
        Assert.Equal(new ILCallSite(0x6000002, 10), code.CallSiteAt(0x1000 + 30));
        Assert.Equal(new ILCallSite(0x6000002, 30), code.CallSiteAt(0x2000 + 30));
    }

    [Fact]
    public void Addresses_outside_known_code_or_in_code_without_il_have_no_call_site()
    {
        var code = Measured();

        Assert.Null(code.CallSiteAt(0));
        Assert.Null(code.CallSiteAt(Start));              // before the method: the byte before its start
        Assert.Null(code.CallSiteAt(Start + 20));         // prolog (IL -2)
        Assert.Null(code.CallSiteAt(Start + 482));        // past its 447 bytes
        Assert.Null(new NativeCodeMap().CallSiteAt(Start + 173));
        var noMapping = new NativeCodeMap();
        noMapping.MethodLoaded(1, 0, 0x1000, 16, 0x6000001);
        noMapping.ILMapped(1, 0, [-1], [0]);
        Assert.Null(noMapping.CallSiteAt(0x1008));
    }

    private static NativeCodeMap Measured()
    {
        var code = new NativeCodeMap();
        code.ILMapped(0x7fb9_79b9_9c38, 2, MeasuredIL, MeasuredNative);
        code.MethodLoaded(0x7fb9_79b9_9c38, 2, Start, 447, 0x6000071);
        return code;
    }
}
