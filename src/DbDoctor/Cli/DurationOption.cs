using System.CommandLine;
using DbDoctor.Model;

namespace DbDoctor.Cli;

/// <summary>Options that take a duration as people type it: "10", "10s", "1m", "500ms".</summary>
public static class DurationOption
{
    public static Option<TimeSpan?> Create(string name, string description, TimeSpan? defaultValue, TimeSpan minimum)
    {
        var option = new Option<TimeSpan?>(name)
        {
            Description = description,
            HelpName = "duration",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
                if (!DurationText.TryParseSeconds(text, out var seconds))
                {
                    result.AddError($"{name}: '{text}' is not a duration (examples: 10, 10s, 2m, 500ms).");
                    return null;
                }

                var value = TimeSpan.FromSeconds(seconds);
                if (value < minimum)
                {
                    result.AddError($"{name} must be at least {minimum.TotalSeconds:0.###} s.");
                    return null;
                }

                return value;
            },
        };
        if (defaultValue is { } d)
        {
            option.DefaultValueFactory = _ => d;
        }

        return option;
    }
}
