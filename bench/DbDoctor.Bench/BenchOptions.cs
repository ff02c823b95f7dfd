using System.Globalization;

namespace DbDoctor.Bench;

/// <summary>
/// The benchmark's command line. <c>--smoke</c>: the smallest dump, one run, no attach part, no results file.
/// <c>--wide-shapes</c>: only the wide-object shapes (one huge list, one big dictionary, one deep chain), which update their own section.
/// <c>--watch-soak</c>: only the watch soak (ten minutes by default; never part of CI), which updates its own section of the results.
/// </summary>
public sealed record BenchOptions
{
    public bool Smoke { get; init; }
    public int Runs { get; init; } = 3;
    public IReadOnlyList<long> BallastSizes { get; init; } = [1_000_000, 5_000_000, 20_000_000];
    public bool Attach { get; init; } = true;
    public int Rate { get; init; } = 1000;
    public int AttachRounds { get; init; } = 3;
    public int WindowSeconds { get; init; } = 8;
    public string? ResultsPath { get; init; }
    public string? CacheDirectory { get; init; }
    public bool WatchSoak { get; init; }

    /// <summary>Measure the wide shapes (part of a full run).</summary>
    public bool Wide { get; init; } = true;

    /// <summary>Only the wide shapes: no ballast sizes, no attach part.</summary>
    public bool OnlyWide { get; init; }

    /// <summary>Entries of each wide shape (the big cache: a list of 3 million).</summary>
    public int WideEntries { get; init; } = 3_000_000;

    public static readonly string[] WideShapeNames = ["list", "dictionary", "linked-list"];
    public int SoakMinutes { get; init; } = 10;

    public const string Usage =
        "usage: dotnet run -c Release --project bench/DbDoctor.Bench -- [--smoke] [--runs N] [--sizes 1000000,5000000,20000000]\n"
        + "       [--no-attach] [--no-wide] [--rate QUERIES_PER_SECOND] [--results FILE] [--cache DIR]\n"
        + "       --wide-shapes [--wide-entries 3000000] [--runs N] [--results FILE]\n"
        + "       --watch-soak [--soak-minutes 10] [--rate QUERIES_PER_SECOND] [--results FILE]";

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--smoke" => options with { Smoke = true, Runs = 1, Attach = false, Wide = false, BallastSizes = [1_000_000] },
                "--wide-shapes" => options with { OnlyWide = true, Wide = true, Attach = false },
                "--wide-entries" => options with { WideEntries = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--no-wide" => options with { Wide = false },
                "--runs" => options with { Runs = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--sizes" => options with { BallastSizes = Value().Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToList() },
                "--no-attach" => options with { Attach = false },
                "--rate" => options with { Rate = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--results" => options with { ResultsPath = Value() },
                "--cache" => options with { CacheDirectory = Value() },
                "--watch-soak" => options with { WatchSoak = true },
                "--soak-minutes" => options with { SoakMinutes = int.Parse(Value(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown option '{args[i]}'"),
            };
        }

        return options.Runs < 1 || options.BallastSizes.Count == 0 || options.SoakMinutes < 2 || options.WideEntries < 1
            ? throw new ArgumentException("--runs must be at least 1, --sizes not empty, --soak-minutes at least 2 and --wide-entries at least 1")
            : options;
    }
}
