package io.jvs.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jvs.api.LoadBalancer;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.VirtualService;
import io.jvs.core.ForwardingLoadBalancer;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every error of ipvs-spec.md 7.3 that applies to JVS, with ipvsadm's exact text and exit status; a failed command
 * leaves the table as it was.
 */
class ErrorMessagesTest extends DirectorTestBase {


    @BeforeEach
    void setUp() {
        ok("-A", "-t", "10.0.0.1:80", "-s", "wrr");
        ok("-a", "-t", "10.0.0.1:80", "-r", "192.168.1.2:80", "-w", "3");
        ok("-A", "-f", "1", "-s", "rr", "--endpoints", "tcp:10.0.0.1:443");
    }


    static Stream<Arguments> errors() {
        String tryHelp = "Try `ipvsadm -h' or 'ipvsadm --help' for more information.";
        return Stream.of(
                // Argument errors: status 2.
                e(2, "multiple 'weight' options specified", "-a", "-t", "10.0.0.1:80", "-r", "1.1.1.1", "-w", "1",
                        "-w", "2"),
                e(2, "multiple 'service-address' options specified", "-A", "-t", "10.0.0.2:80", "-u", "10.0.0.2:80"),
                e(2, "You need to supply the 'service-address' option for the 'add-service' command", "-A"),
                e(2, "You need to supply the 'real-server' option for the 'add-server' command", "-a", "-t",
                        "10.0.0.1:80"),
                e(2, "You need to supply the 'service-address' option for the 'delete-service' command", "-D"),
                e(2, "Illegal 'weight' option with the 'add-service' command", "-A", "-t", "10.0.0.2:80", "-w", "2"),
                e(2, "Illegal 'scheduler' option with the 'delete-service' command", "-D", "-t", "10.0.0.1:80", "-s",
                        "rr"),
                e(2, "Illegal 'numeric' option with the 'flush' command", "-C", "-n"),
                e(2, "Illegal 'forwarding-method' option with the 'delete-server' command", "-d", "-t", "10.0.0.1:80",
                        "-r", "192.168.1.2:80", "-m"),
                e(2, "Illegal 'endpoints' option with the 'list' command", "-L", "--endpoints", "tcp:1.2.3.4:80"),
                e(2, "The option 'service-address' conflicts with the 'connection' option in the 'list' command",
                        "-L", "-t", "10.0.0.1:80", "-c"),
                e(2, "The option 'timeout' conflicts with the 'connection' option in the 'list' command", "-L", "-c",
                        "--timeout"),
                e(2, "illegal virtual server address[:port] specified", "-A", "-t", "80"),
                e(2, "illegal virtual server address[:port] specified", "-A", "-t", "10.0.0.2:65536"),
                e(2, "illegal virtual server address[:port] specified", "-A", "-t", "no-such-host.invalid:80"),
                e(2, "illegal virtual server address[:port] specified", "-A", "-t", "[2001:db8::1]"),
                e(2, "illegal real server address[:port] specified", "-a", "-t", "10.0.0.1:80", "-r",
                        "1.2.3.4:no-such-service"),
                e(2, "illegal virtual server persistent mask specified", "-A", "-t", "10.0.0.2:80", "-p", "-M",
                        "no.such.mask"),
                e(2, "illegal ipv6 netmask specified", "-A", "-t", "[2001:db8::1]:80", "-p", "-M", "129"),
                e(2, "illegal ipv6 netmask specified", "-A", "-f", "3", "-6", "-p", "-M", "0"),
                e(2, "illegal weight specified", "-a", "-t", "10.0.0.1:80", "-r", "1.1.1.1", "-w", "65536"),
                e(2, "illegal weight specified", "-a", "-t", "10.0.0.1:80", "-r", "1.1.1.1", "-w", "-1"),
                e(2, "illegal weight specified", "-e", "-t", "10.0.0.1:80", "-r", "192.168.1.2:80", "-w", "1x"),
                e(2, "illegal u_threshold specified", "-a", "-t", "10.0.0.1:80", "-r", "1.1.1.1", "-x", "abc"),
                e(2, "illegal l_threshold specified", "-a", "-t", "10.0.0.1:80", "-r", "1.1.1.1", "-y", "2147483648"),
                e(2, "illegal syncid specified", "--start-daemon", "master", "--syncid", "256"),
                e(2, "invalid timeout value `0' specified", "-A", "-t", "10.0.0.2:80", "-p", "0"),
                e(2, "invalid timeout value `2678401' specified", "-A", "-t", "10.0.0.2:80", "-p", "2678401"),
                e(2, "invalid timeout value `x' specified", "--set", "1", "2", "x"),
                e(2, "invalid fwmark value `0' specified", "-A", "-f", "0"),
                e(2, "invalid fwmark value `4294967296' specified", "-A", "-f", "4294967296"),
                e(2, "-6 used before -f\n", "-A", "-6", "-f", "3"),
                e(2, "incompatible scheduler flag `sh-port'", "-A", "-t", "10.0.0.2:80", "-s", "rr", "-b", "sh-port"),
                e(2, "incompatible scheduler flag `mh-fallback'", "-A", "-t", "10.0.0.2:80", "-b", "mh-fallback"),
                e(2, "invalid scheduler flag `bogus'", "-A", "-t", "10.0.0.2:80", "-b", "flag-1,bogus"),
                e(2, "illegal start-daemon parameter specified", "--start-daemon", "primary"),
                e(2, "illegal start_daemon specified", "--stop-daemon", "primary"),
                e(2, "Zero port specified for non-persistent service", "-A", "-t", "10.0.0.2"),
                e(2, "Zero port specified for non-persistent service", "-E", "-t", "10.0.0.1:0"),
                e(2, "One-Packet Scheduling is only for UDP virtual services", "-A", "-t", "10.0.0.2:80", "-o"),
                e(2, "Different address family is allowed only for tunneling servers", "-a", "-t", "10.0.0.1:80",
                        "-r", "[2001:db8::5]:80"),
                e(2, "Tunnel options conflict with forward method", "-a", "-t", "10.0.0.1:80", "-r", "1.1.1.1",
                        "--tun-type", "gue"),
                e(2, "You need to supply the 'tun-port' option for the 'gue' tunnel type", "-a", "-t", "10.0.0.1:80",
                        "-r", "1.1.1.1", "-i", "--tun-type", "gue"),
                e(2, "Illegal 'tun-port' option with the 'ipip' tunnel type", "-a", "-t", "10.0.0.1:80", "-r",
                        "1.1.1.1", "-i", "--tun-port", "6080"),
                e(2, "The option 'tun-csum' conflicts with the 'tun-nocsum' option in the 'gue' tunnel type", "-a",
                        "-t", "10.0.0.1:80", "-r", "1.1.1.1", "-i", "--tun-type", "gue", "--tun-port", "6080",
                        "--tun-nocsum", "--tun-csum"),
                e(2, "illegal tunnel type specified", "-a", "-t", "10.0.0.1:80", "-r", "1.1.1.1", "-i", "--tun-type",
                        "vxlan"),
                e(2, "illegal tunnel port specified", "-a", "-t", "10.0.0.1:80", "-r", "1.1.1.1", "-i", "--tun-port",
                        "0"),
                e(2, "illegal mcast-port specified", "--start-daemon", "master", "--mcast-port", "0"),
                e(2, "illegal mcast-ttl specified", "--start-daemon", "master", "--mcast-ttl", "256"),
                e(2, "illegal sync-maxlen specified", "--start-daemon", "master", "--sync-maxlen", "65508"),
                e(2, "invalid IPv4 mcast-group `10.0.0.1'", "--start-daemon", "master", "--mcast-group", "10.0.0.1"),
                e(2, "invalid IPv6 mcast-group `2001:db8::1'", "--start-daemon", "backup", "--mcast-group",
                        "2001:db8::1"),
                e(2, "options conflicts in the list command", "-L", "-c", "--stats"),
                e(2, "options conflicts in the list command", "-L", "--timeout", "--persistent-conn"),
                e(2, "options conflicts in the list command", "-L", "--daemon", "--rate"),
                e(2, "--set option requires 3 timeout values", "--set", "1", "2"),
                e(2, "unexpected argument foo", "-L", "foo"),
                e(2, "unexpected argument 4", "--set", "1", "2", "3", "4"),
                e(2, "invalid option `-A'", "-L", "-A"),
                e(2, "invalid option `-Ln'", "-C", "-Ln"),
                e(2, "Connection sync daemon not supported: JVS has no state synchronisation (--start-daemon)",
                        "--start-daemon", "master"),
                e(2, "Connection sync daemon not supported: JVS has no state synchronisation (--stop-daemon)",
                        "--stop-daemon", "backup"),
                e(2, "Forwarding method -g (Route) is not supported by this director; it supports --fullnat "
                        + "(FullNat), -m (Masq)", "-a", "-t", "10.0.0.1:80", "-r", "1.1.1.1:80", "-g"),
                e(2, "Forwarding method -i (Tunnel) is not supported by this director; it supports --fullnat "
                        + "(FullNat), -m (Masq)", "-e", "-t", "10.0.0.1:80", "-r", "192.168.1.2:80", "-i"),
                e(2, "The 'endpoints' option is only for firewall-mark services (-f)", "-A", "-t", "10.0.0.2:80",
                        "--endpoints", "tcp:10.0.0.2:81"),
                e(2, "illegal endpoint `sctp:10.0.0.2:81' specified (expected: tcp:HOST:PORT or udp:HOST:PORT, "
                        + "PORT 1-65535)", "-A", "-f", "5", "--endpoints", "sctp:10.0.0.2:81"),
                e(2, "endpoint `tcp:10.0.0.2:81' is not of the service's address family (IPv6 endpoints need -6 "
                        + "after -f)", "-A", "-f", "5", "-6", "--endpoints", "tcp:10.0.0.2:81"),
                // The command itself is unusable: status 255.
                e(255, tryHelp, "-t", "10.0.0.1:80"),
                e(255, tryHelp, "--foo"),
                e(255, tryHelp, "foo"),
                e(255, tryHelp, "-nL"),
                // popt errors in later options: status 255.
                e(255, "--foo: unknown option", "-L", "--foo"),
                e(255, "-Lq: unknown option", "-Lq"),
                e(255, "-t: missing argument", "-A", "-t"),
                e(255, "--numeric=1: option does not take an argument", "-L", "--numeric=1"),
                // Listing errors: status 1.
                e(1, "No such service", "-L", "-t", "10.0.0.9:80"),
                e(1, "No such service", "-L", "-n", "-f", "1", "-6"),
                // The kernel's refusals: status 255.
                e(255, "Service already exists", "-A", "-t", "10.0.0.1:80"),
                e(255, "Service already exists", "-A", "-t", "www.example.com:http", "-s", "rr"),
                e(255, "Scheduler or persistence engine not found", "-A", "-t", "10.0.0.2:80", "-s", "nope"),
                e(255, "Scheduler or persistence engine not found", "-A", "-t", "10.0.0.2:80", "-s", "WRR"),
                e(255, "Scheduler or persistence engine not found", "-A", "-u", "10.0.0.2:5060", "-p", "--pe", "sip"),
                e(255, "Scheduler or persistence engine not found", "-E", "-t", "10.0.0.1:80", "-s", "nope"),
                e(255, "No such service", "-E", "-t", "10.0.0.2:80"),
                e(255, "No such service", "-D", "-t", "10.0.0.2:80"),
                e(255, "No such service", "-D", "-f", "1", "-6"),
                e(255, "No such service", "-Z", "-u", "10.0.0.1:80"),
                e(255, "Service not defined", "-a", "-t", "10.0.0.2:80", "-r", "1.1.1.1"),
                e(255, "Service not defined", "-e", "-t", "10.0.0.2:80", "-r", "1.1.1.1"),
                e(255, "Service not defined", "-d", "-t", "10.0.0.2:80", "-r", "1.1.1.1"),
                e(255, "Destination already exists", "-a", "-t", "10.0.0.1:80", "-r", "192.168.1.2:80", "-w", "5"),
                e(255, "No such destination", "-e", "-t", "10.0.0.1:80", "-r", "192.168.1.9:80"),
                e(255, "No such destination", "-d", "-t", "10.0.0.1:80", "-r", "192.168.1.2:81"),
                e(255, "Numerical result out of range", "-a", "-t", "10.0.0.1:80", "-r", "1.1.1.1", "-y", "10"),
                e(255, "Numerical result out of range", "-e", "-t", "10.0.0.1:80", "-r", "192.168.1.2:80", "-x", "5",
                        "-y", "6"),
                e(255, "Invalid operation.  Possibly wrong module version, address not unicast, ...", "-a", "-t",
                        "10.0.0.1:80", "-r", "224.0.0.1:80"),
                e(255, "Invalid operation.  Possibly wrong module version, address not unicast, ...", "-a", "-t",
                        "10.0.0.1:80", "-r", "0.0.0.0:80"),
                e(255, "Protocol not available", "-A", "--sctp-service", "10.0.0.2:80"),
                e(255, "Operation not supported: endpoints of running service FWM 1 cannot change: "
                        + "[TCP 10.0.0.1:443] -> [TCP 10.0.0.1:444] (stop and start it instead)", "-E", "-f", "1",
                        "--endpoints", "tcp:10.0.0.1:444"));
    }

    private static Arguments e(int status, String message, String... args) {
        return Arguments.of(String.join(" ", args), args, status, message + "\n");
    }

    @ParameterizedTest(name = "ipvsadm {0}")
    @MethodSource("errors")
    void error(String label, String[] args, int status, String stderr) {
        String before = save();
        Ipvsadm.Result r = ipvsadm.execute(args);
        assertEquals(stderr, r.stderr());
        assertEquals(status, r.status());
        assertEquals("", r.stdout());
        assertEquals(before, save(), "a failed command changed the table");
    }

    @Test
    void bindFailure_reportedAndUndone() {
        dataPath.failPort = 8443;
        String before = save();
        Ipvsadm.Result r = ipvsadm.execute("-A", "-t", "10.0.0.2:8443");
        assertEquals(255, r.status());
        assertEquals("Cannot bind the service: cannot listen on TCP 10.0.0.2:8443: Address already in use\n",
                r.stderr());
        assertEquals(before, save());
    }

    @Test
    void memoryAllocationProblem() {
        LoadBalancer full = new ForwardingLoadBalancer() {
            @Override
            protected LoadBalancer delegate() {
                return director;
            }

            @Override
            public CompletableFuture<Void> start(VirtualService service) {
                throw new LoadBalancerException(LoadBalancerException.Reason.NO_MEMORY, "too many services");
            }
        };
        Ipvsadm.Result r = Ipvsadm.of(full, GoldenFixture.names()).execute("-A", "-t", "10.0.0.2:80");
        assertEquals(new Ipvsadm.Result("", "Memory allocation problem\n", 255), r);
    }

    /** A load balancer that refuses reads (a cluster member without a majority): its message, exit 255. */
    @Test
    void refusedListing_printsTheRefusal() {
        LoadBalancer noQuorum = new ForwardingLoadBalancer() {
            @Override
            protected LoadBalancer delegate() {
                return director;
            }

            @Override
            public java.util.List<io.jvs.api.ServiceStatus> services() {
                throw new LoadBalancerException(LoadBalancerException.Reason.NO_QUORUM, "no quorum in cluster web");
            }
        };
        Ipvsadm ipvsadm = Ipvsadm.of(noQuorum, GoldenFixture.names());
        assertEquals(new Ipvsadm.Result("", "no quorum in cluster web\n", 255), ipvsadm.execute("-S", "-n"));
        assertEquals(new Ipvsadm.Result("", "no quorum in cluster web\n", 255), ipvsadm.execute("-L", "-n"));
    }

    @Test
    void closedDirector() {
        director.close();
        Ipvsadm.Result r = ipvsadm.execute("-A", "-t", "10.0.0.2:80");
        assertEquals(new Ipvsadm.Result("", "The director is closed\n", 255), r);
    }

    @Test
    void restore_parseErrorAbortsButKeepsEarlierLines_kernelErrorsContinue() {
        Ipvsadm.Result r = ipvsadm.execute(java.util.List.of("-R"), String.join("\n",
                "-A -t 10.0.0.5:80 -s rr",
                "-A -t 10.0.0.1:80",
                "-a -t 10.0.0.5:80 -r 1.1.1.1:80 -w 2",
                "-a -t 10.0.0.5:80 -r 1.1.1.2:80 -w 70000",
                "-a -t 10.0.0.5:80 -r 1.1.1.3:80"));
        assertEquals(2, r.status());
        assertEquals("Service already exists\nillegal weight specified\n", r.stderr());
        assertEquals(String.join("\n",
                "-A -t 10.0.0.1:80 -s wrr",
                "-a -t 10.0.0.1:80 -r 192.168.1.2:80 --fullnat -w 3",
                "-A -t 10.0.0.5:80 -s rr",
                "-a -t 10.0.0.5:80 -r 1.1.1.1:80 --fullnat -w 2",
                "-A -f 1 -s rr --endpoints tcp:10.0.0.1:443", ""), save());
    }

    @Test
    void restore_returnsTheLastLinesResult() {
        Ipvsadm.Result r = ipvsadm.execute(java.util.List.of("-R"), "-A -t 10.0.0.1:80\n-A -t 10.0.0.6:80\n");
        assertEquals(new Ipvsadm.Result("", "Service already exists\n", 0), r);
        r = ipvsadm.execute(java.util.List.of("-R"), "ipvsadm -A -t 10.0.0.7:80\n\n  \t\r\n-A -t 10.0.0.1:80");
        assertEquals(new Ipvsadm.Result("", "Service already exists\n", 255), r);
    }

    @Test
    void restore_insideRestore_isRefused() {
        Ipvsadm.Result r = ipvsadm.execute(java.util.List.of("-R"), "-A -t 10.0.0.8:80\n-R\n-A -t 10.0.0.9:80\n");
        assertEquals(255, r.status());
        assertEquals("Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n", r.stderr());
        assertEquals(true, save().contains("10.0.0.8:80") && !save().contains("10.0.0.9:80"));
    }
}
