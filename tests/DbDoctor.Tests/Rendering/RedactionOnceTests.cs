using System.Text.Json;
using DbDoctor.Model.Reports;
using DbDoctor.Rendering;

namespace DbDoctor.Tests.Rendering;

/// <summary>Redaction belongs to <see cref="ReportRenderer"/>, not to each format: a new format gets it without asking.</summary>
public sealed class RedactionOnceTests
{
    private const string Secret = "hunter2";

    /// <summary>A format written the naive way: every property of the report, as it arrives, no redaction of its own.</summary>
    private sealed class EverythingRenderer : ReportRenderer
    {
        public Report? Seen { get; private set; }

        protected override string Write(Report redacted)
        {
            Seen = redacted;
            return JsonSerializer.Serialize(redacted, new JsonSerializerOptions { WriteIndented = false });
        }
    }

    /// <summary>A secret in every free-text field that carries what the target or the server said.</summary>
    private static Report Leaky()
    {
        var pair = $"Password={Secret}";
        var report = SampleReports.LeakyShop();
        return report with
        {
            Pools = report.Pools.Select(p => p with { Name = $"Host=db;{pair}", Holder = $"static App.Conn ({pair})" }).ToList(),
            Findings = report.Findings.Select(f => f with
            {
                Title = $"title {pair}",
                Evidence = [$"evidence {pair}"],
                Advice = $"advice {pair}",
                Pool = $"Host=db;{pair}",
                Objects = f.Objects.Select(o => o with { Sql = $"SELECT '{pair}'", Holder = pair, State = pair, RootPath = [pair] }).ToList(),
            }).ToList(),
            Telemetry = report.Telemetry! with
            {
                Exceptions = [new() { Type = "Npgsql.PostgresException", Message = $"login failed for {pair}", Count = 1, Events = 1 }],
            },
            Warnings = [$"warning {pair}"],
        };
    }

    [Fact]
    public void A_new_format_that_does_not_redact_still_prints_no_secret()
    {
        var renderer = new EverythingRenderer();

        var text = renderer.Render(Leaky());

        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.Contains("Password=***", text, StringComparison.Ordinal);
        Assert.NotNull(renderer.Seen);
    }

    [Fact]
    public void Every_shipped_format_prints_no_secret_from_any_field()
    {
        foreach (ReportRenderer renderer in new ReportRenderer[] { new JsonRenderer(), new MarkdownRenderer(), new ConsoleRenderer(new ConsoleRenderOptions { Width = 400 }), new DbDoctor.Rendering.Html.HtmlRenderer() })
        {
            var text = renderer.Render(Leaky());

            Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
            Assert.Contains("Password=***", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Formats_have_no_public_way_around_the_redaction()
    {
        // The only public entry point of every format is the base class's Render.
        foreach (var type in typeof(ReportRenderer).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(ReportRenderer))))
        {
            var renders = type.GetMethods().Where(m => m.ReturnType == typeof(string) && m.GetParameters().Any(p => p.ParameterType == typeof(Report)));
            Assert.All(renders, m => Assert.Equal(typeof(ReportRenderer), m.DeclaringType));
        }
    }
}
