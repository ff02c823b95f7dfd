using System.Globalization;

namespace DbDoctor.Model;

/// <summary>Counted nouns, shared by the rules and the renderers so "1 connection" / "3 connections" read the same everywhere.</summary>
public static class Wording
{
    /// <summary>"1 pool", "3 pools"; <paramref name="plural"/> for irregular nouns.</summary>
    public static string Count(int n, string singular, string? plural = null) =>
        n.ToString(CultureInfo.InvariantCulture) + " " + (n == 1 ? singular : plural ?? singular + "s");
}
