using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Watch;

/// <summary>
/// A private, real Prometheus (Debian's <c>prometheus</c> package, /usr/bin/prometheus): its own config scraping one
/// target every second, its own TSDB in a temporary directory, its own loopback port; queried through its HTTP API.
/// </summary>
public sealed class PrometheusServer : IDisposable
{
    public const string Binary = "/usr/bin/prometheus";

    private readonly string _directory = Directory.CreateTempSubdirectory("dbdoctor-e2e-prometheus-").FullName;
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public PrometheusServer(string scrapeTarget)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: install Debian's prometheus package (.ci/run does).");
        }

        Port = FreeTcpPort();
        var config = Path.Combine(_directory, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: dbdoctor
                static_configs:
                  - targets: ['{scrapeTarget}']
            """);
        var info = ChildProcess.StartInfo(Binary, [
            "--config.file=" + config,
            "--storage.tsdb.path=" + Path.Combine(_directory, "data"),
            "--web.listen-address=127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture),
        ]);
        _process = Process.Start(info) ?? throw new InvalidOperationException("Could not start prometheus.");
        _process.OutputDataReceived += (_, e) => Log(e.Data);
        _process.ErrorDataReceived += (_, e) => Log(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; }

    public string Logs
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>An instant query through /api/v1/query: the raw response text and its result vector (empty when Prometheus is not up yet).</summary>
    public async Task<(string Text, List<(Dictionary<string, string> Labels, double Value)> Series)> QueryAsync(string promql)
    {
        var uri = new Uri($"http://127.0.0.1:{Port}/api/v1/query?query={Uri.EscapeDataString(promql)}");
        string text;
        try
        {
            text = await _http.GetStringAsync(uri);
        }
        catch (HttpRequestException)
        {
            return ("", []);
        }

        using var document = JsonDocument.Parse(text);
        var series = new List<(Dictionary<string, string>, double)>();
        if (document.RootElement.GetProperty("status").GetString() == "success")
        {
            foreach (var item in document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
            {
                var labels = item.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
                var value = double.Parse(item.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
                series.Add((labels, value));
            }
        }

        return (text, series);
    }

    public override string ToString() => $"prometheus on 127.0.0.1:{Port}" + (_process.HasExited ? $", exited {_process.ExitCode}" : "") + $"\nlog:\n{Logs}";

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        _http.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private void Log(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
