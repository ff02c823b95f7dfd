using System.Collections;
using DbDoctor.Telemetry;

namespace DbDoctor.Tests.Telemetry;

public class EventCounterPayloadTests
{
    [Fact]
    public void Mean_counter_is_read_by_enumerating_pairs_even_when_Keys_throws()
    {
        var payload = new KeysThrowingPayload(new()
        {
            ["Name"] = "busy-connections-Host=h;Database=d", ["DisplayName"] = "Busy Connections", ["Mean"] = 6.0,
            ["Count"] = 1, ["CounterType"] = "Mean",
        });

        var value = EventCounterPayload.Parse(payload);

        Assert.NotNull(value);
        Assert.Equal("busy-connections-Host=h;Database=d", value.Name);
        Assert.Equal(6.0, value.Value);
        Assert.False(value.IsIncrement);
    }

    [Fact]
    public void Rate_counter_reports_its_increment()
    {
        var payload = new KeysThrowingPayload(new() { ["Name"] = "commands-per-second", ["Increment"] = 362.0, ["CounterType"] = "Sum" });

        var value = EventCounterPayload.Parse(payload);

        Assert.Equal(new EventCounterValue("commands-per-second", 362.0, IsIncrement: true), value);
    }

    [Fact]
    public void Payload_wrapped_in_an_inner_Payload_entry_is_unwrapped()
    {
        var inner = new KeysThrowingPayload(new() { ["Name"] = "cpu-usage", ["Mean"] = 12.5 });
        var outer = new KeysThrowingPayload(new() { ["Payload"] = inner });

        Assert.Equal(new EventCounterValue("cpu-usage", 12.5, IsIncrement: false), EventCounterPayload.Parse(outer));
    }

    [Fact]
    public void Payload_without_name_or_value_is_ignored()
    {
        Assert.Null(EventCounterPayload.Parse(new KeysThrowingPayload(new() { ["Mean"] = 1.0 })));
        Assert.Null(EventCounterPayload.Parse(new KeysThrowingPayload(new() { ["Name"] = "x" })));
        Assert.Null(EventCounterPayload.Parse("not a dictionary"));
        Assert.Null(EventCounterPayload.Parse(null));
    }

    /// <summary>Shaped like TraceEvent's payload object: enumerable pairs, but .Keys throws.</summary>
    private sealed class KeysThrowingPayload(Dictionary<string, object> fields) : IDictionary<string, object>
    {
        public object this[string key] { get => fields[key]; set => throw new NotSupportedException(); }
        public ICollection<string> Keys => throw new NotSupportedException("Keys");
        public ICollection<object> Values => throw new NotSupportedException("Values");
        public int Count => fields.Count;
        public bool IsReadOnly => true;
        public void Add(string key, object value) => throw new NotSupportedException();
        public void Add(KeyValuePair<string, object> item) => throw new NotSupportedException();
        public void Clear() => throw new NotSupportedException();
        public bool Contains(KeyValuePair<string, object> item) => throw new NotSupportedException();
        public bool ContainsKey(string key) => throw new NotSupportedException();
        public void CopyTo(KeyValuePair<string, object>[] array, int arrayIndex) => throw new NotSupportedException();
        public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => fields.GetEnumerator();
        public bool Remove(string key) => throw new NotSupportedException();
        public bool Remove(KeyValuePair<string, object> item) => throw new NotSupportedException();
        public bool TryGetValue(string key, out object value) => throw new NotSupportedException();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
