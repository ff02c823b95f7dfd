using DbDoctor.Diagnosis.Watch;

namespace DbDoctor.Tests.Watch;

public class TriggerParserTests
{
    [Theory]
    [InlineData("used>=80%:30s", TriggerMeasure.Used, TriggerComparison.GreaterOrEqual, 80, true, 30)]
    [InlineData("timeouts>0", TriggerMeasure.Timeouts, TriggerComparison.Greater, 0, false, 0)]
    [InlineData("pending>0:5s", TriggerMeasure.Pending, TriggerComparison.Greater, 0, false, 5)]
    [InlineData("exhaustion<=10m", TriggerMeasure.Exhaustion, TriggerComparison.LessOrEqual, 600, false, 0)]
    [InlineData("exhaustion<5", TriggerMeasure.Exhaustion, TriggerComparison.Less, 300, false, 0)] // a bare number is minutes
    [InlineData("leak-rate>=5", TriggerMeasure.LeakRate, TriggerComparison.GreaterOrEqual, 5, false, 0)]
    [InlineData(" Used >= 9 : 2m ", TriggerMeasure.Used, TriggerComparison.GreaterOrEqual, 9, false, 120)]
    [InlineData("idle<1%", TriggerMeasure.Idle, TriggerComparison.Less, 1, true, 0)]
    [InlineData("used=10", TriggerMeasure.Used, TriggerComparison.Equal, 10, false, 0)]
    public void Parses_the_documented_grammar(string text, TriggerMeasure measure, TriggerComparison comparison, double threshold, bool percent, double hold)
    {
        var trigger = TriggerParser.Parse(text);

        Assert.Equal(measure, trigger.Measure);
        Assert.Equal(comparison, trigger.Comparison);
        Assert.Equal(threshold, trigger.Threshold);
        Assert.Equal(percent, trigger.PercentOfMax);
        Assert.Equal(hold, trigger.HoldSeconds);
        Assert.DoesNotContain(' ', trigger.Text);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("used", "no comparison")]
    [InlineData(">=3", "no comparison")]
    [InlineData("connections>3", "'connections' is not a measure")]
    [InlineData("used>=lots", "'lots' in 'used>=lots' is not a number")]
    [InlineData("used>=-1", "is not a number")]
    [InlineData("pending>0:soon", "'soon' in 'pending>0:soon' is not a duration")]
    [InlineData("pending>0:0s", "is not a duration")]
    [InlineData("timeouts>5%", "only used and idle take a percentage")]
    [InlineData("exhaustion<=later", "is not a duration")]
    [InlineData("used>=5:", "is not a duration")]
    public void Bad_triggers_say_what_is_wrong(string text, string expected)
    {
        Assert.False(TriggerParser.TryParse(text, out var trigger, out var error));
        Assert.Null(trigger);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => TriggerParser.Parse(text));
    }

    [Fact]
    public void Defaults_are_the_issue_defaults()
    {
        Assert.Equal(["used>=90%:10s", "timeouts>0", "pending>0:5s", "exhaustion<=10m"], Trigger.Defaults.Select(t => t.Text));
    }
}
