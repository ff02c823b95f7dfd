using System.CommandLine.Parsing;
using System.Globalization;

namespace DbDoctor.Cli;

/// <summary>Parses a process id with a message a user understands ("'abc' is not a process id"), not a .NET type name.</summary>
public static class ProcessIdParser
{
    public static int Parse(ArgumentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var pid))
        {
            return pid;
        }

        result.AddError($"'{token}' is not a process id: give the number of a running .NET process ('dbdoctor ps' lists them).");
        return 0;
    }

    /// <summary>The same, for a pid that may be left out (<c>watch</c> also selects by name or takes every process).</summary>
    public static int? ParseOptional(ArgumentResult result) => Parse(result);
}
