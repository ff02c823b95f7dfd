using System.Runtime.CompilerServices;

namespace DbDoctor.TestApp.Scenarios;

/// <summary>Stands for a web framework: it catches whatever a request throws, logs it and moves on.</summary>
public static class RequestPipeline
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Handle(Action request)
    {
        try
        {
            request();
        }
#pragma warning disable CA1031 // Swallowing every exception is the very behaviour being reproduced.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"request failed: {e.GetType().Name}: {e.Message}");
        }
    }
}
