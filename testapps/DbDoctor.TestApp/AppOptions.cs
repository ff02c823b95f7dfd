using System.Globalization;

namespace DbDoctor.TestApp;

/// <summary>A bad command line: the message says which option is wrong.</summary>
public sealed class TestAppUsageException(string message) : Exception(message);

/// <summary>A scenario could not set its failure up (the server does not behave as the scenario needs): one sentence.</summary>
public sealed class ScenarioFailedException(string message) : Exception(message);

/// <summary>The "--name value" options of a scenario. Every option takes exactly one value.</summary>
public sealed class AppOptions
{
    private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> used = new(StringComparer.Ordinal);

    public static AppOptions Parse(IEnumerable<string> arguments)
    {
        var options = new AppOptions();
        using var cursor = arguments.GetEnumerator();
        while (cursor.MoveNext())
        {
            var name = cursor.Current;
            if (!name.StartsWith("--", StringComparison.Ordinal) || name.Length < 3)
            {
                throw new TestAppUsageException($"expected an option like --count, got '{name}'");
            }

            if (!cursor.MoveNext())
            {
                throw new TestAppUsageException($"option {name} needs a value");
            }

            options.values[name[2..]] = cursor.Current;
        }

        return options;
    }

    public string? GetString(string name)
    {
        used.Add(name);
        return values.GetValueOrDefault(name);
    }

    public string GetRequiredString(string name) =>
        GetString(name) ?? throw new TestAppUsageException($"this scenario needs --{name}");

    public int GetInt(string name, int defaultValue, int min = 0, int max = 10_000)
    {
        var text = GetString(name);
        if (text is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new TestAppUsageException($"--{name} must be a whole number between {min} and {max}, got '{text}'");
        }

        return value;
    }

    /// <summary>Options the scenario never asked for are typos: refuse them rather than silently ignore them.</summary>
    public void RejectUnused()
    {
        var unused = values.Keys.Where(k => !used.Contains(k)).ToList();
        if (unused.Count > 0)
        {
            throw new TestAppUsageException($"this scenario does not take --{string.Join(", --", unused)}");
        }
    }
}
