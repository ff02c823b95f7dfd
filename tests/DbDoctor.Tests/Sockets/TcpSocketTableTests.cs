using System.Net;
using System.Net.Sockets;
using DbDoctor.Model.Facts;
using DbDoctor.Telemetry.Sockets;

namespace DbDoctor.Tests.Sockets;

public sealed class TcpSocketTableTests
{
    // Captured from /proc/self/net/tcp and tcp6 on the build machine (Debian 12, x86-64): a listener, an ESTABLISHED
    // pair, and TIME-WAIT sockets on both sides of a loopback connection.
    private const string Ipv4Table =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     \n" +
        "   0: 0100007F:D888 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 10705 1 00000000c8f55b4c 100 0 0 10 0                     \n" +
        "   3: 0100007F:D889 0100007F:8A0A 01 00000000:00000000 02:000AF130 00000000   101        0 15318 2 000000005371bd5c 20 4 1 17 -1                     \n" +
        "   6: 0100007F:C5D6 0100007F:ADD9 06 00000000:00000000 03:00001766 00000000     0        0 0 3 000000009df66eab                                      \n" +
        "   7: 0100007F:C5DA 0100007F:ADD9 06 00000000:00000000 03:00001765 00000000     0        0 0 3 000000008a06ee73                                      \n" +
        "  12: 0100007F:ADD9 0100007F:C5D6 01 00000000:00000000 00:00000000 00000000     0        0 17469 1 00000000e7693872 20 0 0 10 -1                     \n" +
        "  25: 0100007F:A5FA 0100007F:D889 06 00000000:00000000 03:00000BE4 00000000     0        0 0 3 000000008ca92b57                                      \n";

    private const string Ipv6Table =
        "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
        "   1: 00000000000000000000000001000000:B698 00000000000000000000000001000000:C08D 06 00000000:00000000 03:0000175A 00000000     0        0 0 3 000000005b2cf9de\n" +
        "   3: 0000000000000000FFFF00000100007F:E8B0 0000000000000000FFFF00000100007F:92FD 01 00000000:00000000 00:00000000 00000000     0        0 17473 2 0000000025f4dc66 20 0 0 10 -1\n" +
        "   5: 0000000000000000FFFF00000100007F:92FD 0000000000000000FFFF00000100007F:E8B0 01 00000000:00000000 00:00000000 00000000     0        0 17474 1 00000000878aeac9 20 0 0 10 -1\n";

    [Fact]
    public void Parses_ipv4_rows_with_little_endian_addresses_and_big_endian_ports()
    {
        var sockets = TcpSocketTable.Parse(Ipv4Table);

        Assert.Equal(6, sockets.Count);
        var listener = sockets[0];
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 0xD888), listener.Local);
        Assert.Equal(TcpState.Listen, listener.State);
        Assert.Equal(101, listener.Uid);
        Assert.Equal(10705, listener.Inode);

        var established = sockets[1];
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 55433), established.Local);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 35338), established.Remote);
        Assert.Equal(TcpState.Established, established.State);
        Assert.Equal(15318, established.Inode);

        var timeWait = sockets[2];
        Assert.Equal(TcpState.TimeWait, timeWait.State);
        Assert.Equal(0, timeWait.Inode);
        Assert.Equal(44505, timeWait.Remote.Port);
    }

    [Fact]
    public void Parses_ipv6_rows_word_by_word_including_ipv4_mapped_addresses()
    {
        var sockets = TcpSocketTable.Parse(Ipv6Table);

        Assert.Equal(3, sockets.Count);
        Assert.Equal(IPAddress.IPv6Loopback, sockets[0].Local.Address);
        Assert.Equal(49293, sockets[0].Remote.Port);
        Assert.Equal(TcpState.TimeWait, sockets[0].State);
        Assert.Equal(IPAddress.Parse("::ffff:127.0.0.1"), sockets[1].Local.Address);
        Assert.Equal(AddressFamily.InterNetworkV6, sockets[1].Remote.Address.AddressFamily);
        Assert.Equal(37629, sockets[1].Remote.Port);
        Assert.Equal(17473, sockets[1].Inode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode")]
    [InlineData("   3: 0100007F:D889 0100007F 01 00000000:00000000 02:000AF130 00000000   101        0 15318")]
    [InlineData("   3: 0100007G:D889 0100007F:8A0A 01 00000000:00000000 02:000AF130 00000000   101        0 15318")]
    [InlineData("   3: 0100007F:D889 0100007F:8A0A ZZ 00000000:00000000 02:000AF130 00000000   101        0 15318")]
    public void Skips_headers_and_malformed_lines(string line)
    {
        Assert.False(TcpSocketTable.TryParseLine(line, out _));
    }

    [Fact]
    public void Names_the_kernel_states()
    {
        Assert.Equal("TIME_WAIT", TcpSocketTable.StateName(TcpState.TimeWait));
        Assert.Equal("ESTABLISHED", TcpSocketTable.StateName(TcpState.Established));
        Assert.Equal("CLOSE_WAIT", TcpSocketTable.StateName(TcpState.CloseWait));
    }

    [Fact]
    public void Reads_socket_inodes_from_descriptor_link_targets()
    {
        Assert.True(ProcessSocketInodes.TryParseLinkTarget("socket:[44997]", out var inode));
        Assert.Equal(44997, inode);
        Assert.False(ProcessSocketInodes.TryParseLinkTarget("pipe:[44997]", out _));
        Assert.False(ProcessSocketInodes.TryParseLinkTarget("/dev/null", out _));
        Assert.False(ProcessSocketInodes.TryParseLinkTarget(null, out _));
    }

    [Fact]
    public void Counts_client_and_server_side_time_wait_and_owned_established_sockets_per_endpoint()
    {
        var table = TcpSocketTable.Parse(Ipv4Table).Concat(TcpSocketTable.Parse(Ipv6Table)).ToList();

        // 127.0.0.1:44505 (0xADD9) is "the database": two client-side TIME-WAIT and one ESTABLISHED peer socket.
        // 127.0.0.1:55433 (0xD889), named "localhost": one client-side TIME-WAIT (row 25 of the IPv4 table).
        var facts = SocketCensus.Count(42, DateTimeOffset.UnixEpoch, table, new HashSet<long> { 15318 },
            [new DatabaseEndpoint("127.0.0.1", 44505, EndpointSources.Pool), new DatabaseEndpoint("localhost", 55433, EndpointSources.Telemetry)]);

        var database = Assert.Single(facts.Endpoints, e => e.Port == 44505);
        Assert.Equal(2, database.TimeWait);
        Assert.Equal(0, database.ServerSideTimeWait);
        Assert.Equal(0, database.Established);
        Assert.Equal(2, database.ByState["TIME_WAIT"]);

        var other = Assert.Single(facts.Endpoints, e => e.Port == 55433);
        Assert.Equal(EndpointSources.Telemetry, other.Source);
        Assert.Contains("127.0.0.1", other.Addresses);
        Assert.Equal(1, other.TimeWait);
        Assert.Equal(0, other.ServerSideTimeWait);
        Assert.Equal(0, other.Established);
        Assert.Equal(2, facts.Endpoints.Count);
    }

    [Fact]
    public void Counts_the_server_side_of_a_loopback_connection_and_ties_established_sockets_to_the_target()
    {
        var table = TcpSocketTable.Parse(Ipv4Table);

        // Seen from 127.0.0.1:35338 (0x8A0A), the socket 15318 is the target's ESTABLISHED connection to it.
        var facts = SocketCensus.Count(42, DateTimeOffset.UnixEpoch, table, new HashSet<long> { 15318 },
            [new DatabaseEndpoint("127.0.0.1", 35338, EndpointSources.Pool), new DatabaseEndpoint("127.0.0.1", 0xA5FA, EndpointSources.Pool)]);

        var owned = Assert.Single(facts.Endpoints, e => e.Port == 35338);
        Assert.Equal(1, owned.Established);
        Assert.Equal(1, owned.EstablishedByTarget);

        // Row 25: local 127.0.0.1:42490 (0xA5FA) in TIME-WAIT: the "server" closed first.
        var closedByServer = Assert.Single(facts.Endpoints, e => e.Port == 0xA5FA);
        Assert.Equal(1, closedByServer.ServerSideTimeWait);
        Assert.Equal(1, closedByServer.RecentlyClosed);
    }

    [Fact]
    public void Does_not_count_one_address_twice_under_two_names()
    {
        var table = TcpSocketTable.Parse(Ipv4Table);
        var facts = SocketCensus.Count(42, DateTimeOffset.UnixEpoch, table, new HashSet<long>(),
            [new DatabaseEndpoint("127.0.0.1", 44505, EndpointSources.Pool), new DatabaseEndpoint("127.0.0.1", 44505, EndpointSources.Telemetry)]);

        Assert.Single(facts.Endpoints);
    }

    [Fact]
    public void Unix_domain_socket_hosts_give_a_warning_instead_of_counts()
    {
        var facts = SocketCensus.Count(42, DateTimeOffset.UnixEpoch, [], new HashSet<long>(), [new DatabaseEndpoint("/var/run/postgresql", 5432, EndpointSources.Pool)]);

        Assert.Empty(facts.Endpoints);
        Assert.Contains(facts.Warnings, w => w.Contains("Unix-domain socket", StringComparison.Ordinal));
    }

    [Fact]
    public void Reads_this_machines_real_table_and_sees_a_connection_this_test_opens()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);
        using var accepted = listener.AcceptTcpClient();

        var facts = SocketCensus.Take(Environment.ProcessId, [new DatabaseEndpoint("127.0.0.1", port, EndpointSources.ServerOption)]);

        Assert.Empty(facts.Warnings);
        var endpoint = Assert.Single(facts.Endpoints);
        Assert.Equal(1, endpoint.Established);
        Assert.Equal(1, endpoint.EstablishedByTarget);
        Assert.Equal(0, endpoint.TimeWait);
        Assert.Contains(TcpSocketTable.Read(Environment.ProcessId), s => s.State == TcpState.Listen && s.Local.Port == port);
    }

    [Fact]
    public void Reports_a_missing_process_as_a_warning()
    {
        var facts = SocketCensus.Take(int.MaxValue, [new DatabaseEndpoint("127.0.0.1", 5432, EndpointSources.Pool)]);

        Assert.Empty(facts.Endpoints);
        Assert.Contains(facts.Warnings, w => w.Contains("/proc/", StringComparison.Ordinal));
    }
}
