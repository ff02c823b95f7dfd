using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DbDoctor.Model;
using Prometheus;

namespace DbDoctor.Prometheus;

/// <summary>
/// Serves <see cref="WatchMetrics"/> at <c>http://HOST:PORT/metrics</c> (prometheus-net's HttpListener server).
/// A port that cannot be bound is bad input (exit 2), said before watching starts.
/// </summary>
public sealed class MetricsEndpoint : IDisposable
{
    private readonly MetricServer _server;

    private MetricsEndpoint(MetricServer server, string url)
    {
        _server = server;
        Url = url;
    }

    /// <summary>Where a scrape finds the metrics.</summary>
    public string Url { get; }

    /// <summary>Parses <c>[HOST:]PORT</c>: a bare port, 0.0.0.0 or [::] listens on every interface (<c>+</c>); <c>localhost</c>, a host name or an IPv4 address limits it.</summary>
    public static bool TryParse(string? text, out string host, out int port)
    {
        host = "+";
        port = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var colon = text.LastIndexOf(':');
        var portText = colon < 0 ? text : text[(colon + 1)..];
        if (colon > 0)
        {
            host = ListenHost(text[..colon].Trim('[', ']'));
        }
        else if (colon == 0)
        {
            return false;
        }

        // HttpListener on Unix takes no IPv6 address in a prefix ("Invalid port in prefix"): only [::], as every interface.
        return host.Length > 0 && !host.Contains(':', StringComparison.Ordinal) && int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;
    }

    /// <summary>"Every interface" is <c>+</c> in an HttpListener prefix: a prefix host of 0.0.0.0 is refused ("The request is not supported").</summary>
    private static string ListenHost(string host) => host is "0.0.0.0" or "::" or "*" ? "+" : host;

    public static MetricsEndpoint Start(string host, int port, WatchMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var server = new MetricServer(host, port, "metrics/", metrics.Registry);
        try
        {
            server.Start();
        }
        catch (Exception e) when (e is HttpListenerException or SocketException or InvalidOperationException)
        {
            server.Dispose();
            throw new DbDoctorInputException($"Cannot serve metrics on {host}:{port}: {e.Message}", e);
        }

        var shown = host == "+" ? "0.0.0.0" : host;
        return new MetricsEndpoint(server, string.Create(CultureInfo.InvariantCulture, $"http://{shown}:{port}/metrics"));
    }

    public void Dispose()
    {
        _server.Stop();
        _server.Dispose();
    }
}
