using System.Globalization;

namespace DbDoctor.Diagnosis;

internal static class Hex
{
    public static string Format(ulong address) => "0x" + address.ToString("x", CultureInfo.InvariantCulture);
}
