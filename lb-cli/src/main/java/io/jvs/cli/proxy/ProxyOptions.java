package io.jvs.cli.proxy;

import io.jvs.api.Cidr;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.ProxyProtocol;
import io.jvs.api.RealServer;
import io.jvs.api.SourceLimit;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.cli.HostPort;
import io.jvs.core.Director;
import io.jvs.netty.NettyLoadBalancer;
import io.jvs.netty.Transport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code jvs proxy}'s command line, parsed: what to build the virtual service and the load balancer from. */
final class ProxyOptions {

    private static final Set<String> FLAGS = Set.of("--udp", "--one-packet", "-h", "--help");

    InetSocketAddress listen;
    final List<RealServer> backends = new ArrayList<>();
    String scheduler;
    Integer persistence;
    Transport transport = Transport.AUTO;
    Integer threads;
    Integer connectTimeoutMillis;
    Integer connectAttempts;
    ForwardingMethod forward = ForwardingMethod.FULLNAT;
    final List<InetAddress> sources = new ArrayList<>();
    ProxyProtocol sendProxy = ProxyProtocol.NONE;
    final List<Cidr> acceptProxy = new ArrayList<>();
    Integer maxConnections;
    Integer upperThreshold;
    Integer relayBuffer;
    Integer drainTimeoutMillis;
    final List<Cidr> allow = new ArrayList<>();
    final List<Cidr> deny = new ArrayList<>();
    Integer sourceConnections;
    int[] sourceRate;
    int[] sourcePrefix;
    Integer awaitDataMillis;
    Integer tableSize;
    Long memoryThreshold;
    /** {@code --check}; null for the default (passive for TCP, none for UDP). */
    ProxyHealth.Check check;
    int checkIntervalMillis = 2000;
    boolean help;
    boolean udp;
    boolean onePacket;
    Integer maxDatagramSize;
    Integer maxUdpFlows;
    Integer udpTimeout;

    /** The check to run: {@code --check}, else passive for TCP and none for UDP. */
    ProxyHealth.Check check() {
        return check != null ? check : udp ? ProxyHealth.Check.NONE : ProxyHealth.Check.PASSIVE;
    }

    /** How long a health probe may take: the check interval, at most the connect timeout. */
    Duration probeTimeout() {
        return Duration.ofMillis(Math.min(checkIntervalMillis, connectTimeoutMillis != null ? connectTimeoutMillis
                : 5000));
    }

    VirtualService service() {
        if (listen == null) {
            throw new IllegalStateException("--listen: missing (expected: HOST:PORT)");
        }
        VirtualService.Builder b = udp ? VirtualService.udp(listen) : VirtualService.tcp(listen);
        if (onePacket) {
            b.onePacket();
        }
        if (scheduler != null) {
            b.scheduler(scheduler);
        }
        if (persistence != null) {
            b.persistence(Duration.ofSeconds(persistence));
        }
        if (maxConnections != null) {
            b.maxConnections(maxConnections);
        }
        if (!acceptProxy.isEmpty()) {
            b.acceptProxyProtocol(acceptProxy);
        }
        if (!allow.isEmpty()) {
            b.allow(allow);
        }
        if (!deny.isEmpty()) {
            b.deny(deny);
        }
        if (sourceConnections != null || sourceRate != null) {
            SourceLimit limit = sourceConnections != null ? SourceLimit.maxConnections(sourceConnections)
                    : SourceLimit.rate(sourceRate[0], sourceRate[1]);
            if (sourceConnections != null && sourceRate != null) {
                limit = limit.withRate(sourceRate[0], sourceRate[1]);
            }
            if (sourcePrefix != null) {
                limit = limit.withPrefixLengths(sourcePrefix[0], sourcePrefix[1]);
            }
            b.sourceLimit(limit);
        } else if (sourcePrefix != null) {
            throw new IllegalArgumentException("--source-prefix: given without --source-connections or "
                    + "--source-rate (expected: a per-source limit to apply it to)");
        }
        if (awaitDataMillis != null) {
            b.awaitClientData(Duration.ofMillis(awaitDataMillis));
        }
        for (RealServer rs : backends) {
            RealServer r = rs.withForwardingMethod(forward).withProxyProtocol(sendProxy);
            b.realServer(upperThreshold == null ? r : r.withThresholds(upperThreshold, 0));
        }
        return b.build();
    }

    NettyLoadBalancer.Builder loadBalancer() {
        NettyLoadBalancer.Builder b = NettyLoadBalancer.builder().transport(transport);
        if (threads != null) {
            b.ioThreads(threads);
        }
        if (connectTimeoutMillis != null) {
            b.connectTimeout(Duration.ofMillis(connectTimeoutMillis));
        }
        if (connectAttempts != null) {
            b.connectAttempts(connectAttempts);
        }
        if (!sources.isEmpty()) {
            b.sourceAddresses(sources);
        }
        if (relayBuffer != null) {
            b.relayBuffer(relayBuffer);
        }
        if (drainTimeoutMillis != null) {
            b.drainTimeout(Duration.ofMillis(drainTimeoutMillis));
        }
        if (tableSize != null || memoryThreshold != null) {
            b.director(d -> {
                if (tableSize != null) {
                    d.maxConnections(tableSize);
                }
                if (memoryThreshold != null) {
                    d.memoryThreshold(memoryThreshold);
                }
            });
        }
        if (maxDatagramSize != null) {
            b.maxDatagramSize(maxDatagramSize);
        }
        if (maxUdpFlows != null) {
            b.maxUdpFlows(maxUdpFlows);
        }
        return b;
    }

    /**
     * Parses the arguments.
     *
     * @throws IllegalArgumentException with a one-line message naming the bad argument
     */
    static ProxyOptions parse(String[] args) {
        ProxyOptions o = new ProxyOptions();
        HostPort.options(args, FLAGS, (a, v) -> {
            switch (a) {
                case "--udp":
                    o.udp = true;
                    break;
                case "--one-packet":
                    o.onePacket = true;
                    break;
                case "-h":
                case "--help":
                    o.help = true;
                    break;
                case "--listen":
                    if (o.listen != null) {
                        throw new IllegalArgumentException("--listen: given twice");
                    }
                    o.listen = HostPort.parse(v, "--listen");
                    if (o.listen.getPort() == 0) {
                        throw new IllegalArgumentException("--listen port: 0 (expected: 1-65535)");
                    }
                    break;
                case "--backend":
                    o.backends.add(backend(v));
                    break;
                case "--scheduler":
                    o.scheduler = v;
                    break;
                case "--persistence":
                    o.persistence = HostPort.parseInt(v, 1, 2_678_400, "--persistence");
                    break;
                case "--transport":
                    o.transport = HostPort.parseTransport(v);
                    break;
                case "--threads":
                    o.threads = HostPort.parseInt(v, 1, 1024, "--threads");
                    break;
                case "--connect-timeout":
                    o.connectTimeoutMillis = HostPort.parseInt(v, 1, 3_600_000, "--connect-timeout");
                    break;
                case "--connect-attempts":
                    o.connectAttempts = HostPort.parseInt(v, 1, 100, "--connect-attempts");
                    break;
                case "--forward":
                    if (v.equalsIgnoreCase("fullnat")) {
                        o.forward = ForwardingMethod.FULLNAT;
                    } else if (v.equalsIgnoreCase("nat") || v.equalsIgnoreCase("masq")) {
                        o.forward = ForwardingMethod.NAT;
                    } else {
                        throw new IllegalArgumentException("--forward: " + v + " (expected: fullnat or nat)");
                    }
                    break;
                case "--source":
                    for (String ip : v.split(",")) {
                        o.sources.add(Addresses.resolve(ip.trim(), "--source"));
                    }
                    break;
                case "--send-proxy":
                    if (v.equalsIgnoreCase("v1")) {
                        o.sendProxy = ProxyProtocol.V1;
                    } else if (v.equalsIgnoreCase("v2")) {
                        o.sendProxy = ProxyProtocol.V2;
                    } else {
                        throw new IllegalArgumentException("--send-proxy: " + v + " (expected: v1 or v2)");
                    }
                    break;
                case "--accept-proxy":
                    o.acceptProxy.addAll(cidrs(v, "--accept-proxy"));
                    break;
                case "--max-connections":
                    o.maxConnections = HostPort.parseInt(v, 1, Integer.MAX_VALUE, "--max-connections");
                    break;
                case "--upper-threshold":
                    o.upperThreshold = HostPort.parseInt(v, 1, Integer.MAX_VALUE, "--upper-threshold");
                    break;
                case "--relay-buffer":
                    o.relayBuffer = HostPort.parseInt(v, 4096, 64 << 20, "--relay-buffer");
                    break;
                case "--drain-timeout":
                    o.drainTimeoutMillis = HostPort.parseInt(v, 0, 3_600_000, "--drain-timeout");
                    break;
                case "--allow":
                    o.allow.addAll(cidrs(v, "--allow"));
                    break;
                case "--deny":
                    o.deny.addAll(cidrs(v, "--deny"));
                    break;
                case "--source-connections":
                    o.sourceConnections = HostPort.parseInt(v, 1, Integer.MAX_VALUE, "--source-connections");
                    break;
                case "--source-rate": {
                    int colon = v.indexOf(':');
                    int rate = HostPort.parseInt(colon < 0 ? v : v.substring(0, colon), 1, 1_000_000, "--source-rate");
                    int burst = colon < 0 ? rate : HostPort.parseInt(v.substring(colon + 1), 1, 1_000_000,
                            "--source-rate burst");
                    o.sourceRate = new int[] {rate, burst};
                    break;
                }
                case "--source-prefix": {
                    int comma = v.indexOf(',');
                    if (comma < 0) {
                        throw new IllegalArgumentException("--source-prefix: " + v + " (expected: V4,V6 such as 24,64)");
                    }
                    o.sourcePrefix = new int[] {HostPort.parseInt(v.substring(0, comma), 1, 32, "--source-prefix IPv4"),
                            HostPort.parseInt(v.substring(comma + 1), 1, 128, "--source-prefix IPv6")};
                    break;
                }
                case "--await-data":
                    o.awaitDataMillis = HostPort.parseInt(v, 1, 3_600_000, "--await-data");
                    break;
                case "--table-size":
                    o.tableSize = HostPort.parseInt(v, 1, Director.Builder.MAX_MAX_CONNECTIONS, "--table-size");
                    break;
                case "--memory-threshold":
                    o.memoryThreshold = HostPort.parseBytes(v, "--memory-threshold");
                    break;
                case "--max-datagram-size":
                    o.maxDatagramSize = HostPort.parseInt(v, 512, 65_507, "--max-datagram-size");
                    break;
                case "--max-udp-flows":
                    o.maxUdpFlows = HostPort.parseInt(v, 1, 1 << 24, "--max-udp-flows");
                    break;
                case "--check":
                    o.check = ProxyHealth.Check.parse(v);
                    break;
                case "--check-interval":
                    o.checkIntervalMillis = HostPort.parseInt(v, 100, 3_600_000, "--check-interval");
                    break;
                case "--udp-timeout":
                    o.udpTimeout = HostPort.parseInt(v, 1, 2_678_400, "--udp-timeout");
                    break;
                default:
                    throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        });
        if (o.help) {
            return o;
        }
        if ((o.onePacket || o.maxDatagramSize != null || o.maxUdpFlows != null || o.udpTimeout != null) && !o.udp) {
            throw new IllegalArgumentException("--one-packet, --max-datagram-size, --max-udp-flows and --udp-timeout: "
                    + "only with --udp");
        }
        if (o.udp && o.check != null && !o.check.equals(ProxyHealth.Check.NONE)) {
            throw new IllegalArgumentException("--check: " + o.check + " (expected: none with --udp; jvs proxy checks "
                    + "TCP real servers only)");
        }
        if (o.listen == null) {
            throw new IllegalArgumentException("--listen: missing (expected: HOST:PORT)");
        }
        if (o.backends.isEmpty()) {
            throw new IllegalArgumentException("--backend: missing (expected: at least one HOST:PORT[@WEIGHT])");
        }
        return o;
    }

    private static List<Cidr> cidrs(String v, String option) {
        List<Cidr> list = new ArrayList<>();
        for (String c : v.split(",", -1)) {
            try {
                list.add(Cidr.parse(c.trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + ": " + e.getMessage());
            }
        }
        return list;
    }

    private static RealServer backend(String v) {
        int at = v.lastIndexOf('@');
        InetSocketAddress address = HostPort.parse(at < 0 ? v : v.substring(0, at), "--backend");
        RealServer rs = RealServer.of(address);
        return at < 0 ? rs : rs.withWeight(HostPort.parseInt(v.substring(at + 1), 0, RealServer.MAX_WEIGHT,
                "--backend weight"));
    }
}
