using System.CommandLine.Parsing;

namespace DbDoctor.Cli;

/// <summary>Validators for whole-number arguments and options with a lower bound.</summary>
public static class MinimumValue
{
    /// <summary>
    /// Reports an error below <paramref name="minimum"/>. It reads the token itself: a validator that converts would
    /// throw on "abc" instead of leaving that to the parser's own message.
    /// </summary>
    public static Action<T> Of<T>(int minimum, string message) where T : SymbolResult => result =>
    {
        if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, out var value) && value < minimum)
        {
            result.AddError(message);
        }
    };
}
