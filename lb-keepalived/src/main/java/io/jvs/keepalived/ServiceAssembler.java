package io.jvs.keepalived;

import static io.jvs.keepalived.KeywordValues.args;
import static io.jvs.keepalived.KeywordValues.bad;
import static io.jvs.keepalived.KeywordValues.error;
import static io.jvs.keepalived.SettingsReader.first;

import io.jvs.api.ForwardingMethod;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.SchedulerFlag;
import io.jvs.api.ServiceId;
import io.jvs.api.TunnelChecksum;
import io.jvs.api.TunnelType;
import io.jvs.api.VirtualService;
import io.jvs.health.CheckSettings;
import io.jvs.health.CheckedServer;
import io.jvs.health.CheckedService;
import io.jvs.health.CommandCheck;
import io.jvs.health.ConnectOptions;
import io.jvs.health.HealthCheck;
import io.jvs.health.HealthState;
import io.jvs.health.HttpGetCheck;
import io.jvs.health.SmtpCheck;
import io.jvs.health.UdpCheck;
import io.jvs.keepalived.CheckerDef.Kind;
import io.jvs.keepalived.GroupReader.Endpoints;
import io.jvs.keepalived.GroupReader.Group;
import io.jvs.keepalived.SettingsReader.InheritedSettings;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts a read virtual server together: its service ids (address, firewall mark or group), keepalived's
 * defaults, the real servers with the settings they inherit, their checks, quorum and sorry server, into one
 * {@link CheckedService}.
 */
final class ServiceAssembler {

    private final Warnings warnings;
    private final GroupReader groups;
    private final Set<ForwardingMethod> methods;
    private final Map<ServiceId, Token> defined = new HashMap<>();

    ServiceAssembler(Warnings warnings, GroupReader groups, Set<ForwardingMethod> methods) {
        this.warnings = warnings;
        this.groups = groups;
        this.methods = methods;
    }

    /** The checked service, or {@code null} for a virtual server without real servers (as keepalived skips it). */
    CheckedService assemble(VirtualServerDef vs) {
        Node n = vs.node;
        StandardProtocolFamily rsFamily = vs.servers.isEmpty() ? StandardProtocolFamily.INET
                : KeywordValues.familyOf(vs.servers.get(0).address);
        List<ServiceId> ids = ids(vs, vs.family == null ? rsFamily : vs.family);
        if (vs.servers.isEmpty()) {
            warnings.warn(n, "virtual_server " + vs.label() + " has no real servers; ignored (as keepalived does)");
            return null;
        }
        Interpreter.Method method = vs.method;
        if (method == null) {
            method = new Interpreter.Method(methods.contains(ForwardingMethod.NAT) ? ForwardingMethod.NAT
                    : methods.contains(ForwardingMethod.FULLNAT) ? ForwardingMethod.FULLNAT : ForwardingMethod.DR,
                    TunnelType.IPIP, 0, TunnelChecksum.NONE);
            if (vs.servers.stream().anyMatch(r -> r.method == null)) {
                warnings.warn(n, "virtual_server " + vs.label() + " sets no lb_kind; using " + method.method()
                        + (method.method() == ForwardingMethod.NAT ? " (keepalived's default)"
                                : " (what this load balancer does)"));
            }
        }
        int vsPort = ids.get(0).isFwmark() ? 0 : ids.size() == 1 ? ids.get(0).address().getPort() : 0;
        StandardProtocolFamily serviceFamily = ids.get(0).family();
        Protocol checkProtocol = ids.get(0).isFwmark() ? Protocol.TCP : ids.get(0).protocol();

        // Real servers, with keepalived's port rule: a real server without a port takes the virtual server's.
        List<CheckedServer> servers = new ArrayList<>(vs.servers.size());
        Map<InetSocketAddress, RealServerDef> byAddress = new HashMap<>();
        long totalWeight = 0;
        for (RealServerDef r : vs.servers) {
            if (KeywordValues.familyOf(r.address) != serviceFamily) {
                throw error(r.node.args.get(0), "real_server: " + KeywordValues.text(r.address) + " (expected: an "
                        + (serviceFamily == StandardProtocolFamily.INET ? "IPv4" : "IPv6")
                        + " address, as the virtual server's)");
            }
            InetSocketAddress address = new InetSocketAddress(r.address, r.port == 0 ? vsPort : r.port);
            RealServerDef same = byAddress.putIfAbsent(address, r);
            if (same != null) {
                throw error(r.node.keyword, "real_server " + KeywordValues.text(r.address)
                        + " is the same as the one at line " + same.node.keyword.line
                        + " once the virtual server's port is applied");
            }
            RealServer rs = (r.method != null ? r.method : method).apply(RealServer.of(address)
                    .withWeight(r.weight != null ? r.weight : vs.weight != null ? vs.weight : 1));
            if (r.upper != null || r.lower != null) {
                long upper = r.upper == null ? 0 : r.upper;
                long lower = r.lower == null ? 0 : r.lower;
                if (lower > upper) {
                    throw bad(r.lowerToken, "lthreshold", "0-" + upper + ", at most uthreshold");
                }
                rs = rs.withThresholds((int) upper, (int) lower);
            }
            totalWeight += rs.weight();
            servers.add(checkedServer(vs, r, rs, checkProtocol));
        }

        // The virtual services: one per address or mark of the group.
        List<VirtualService> services = new ArrayList<>(ids.size());
        for (ServiceId id : ids) {
            services.add(service(vs, id));
        }
        CheckedService.Builder b = CheckedService.builder(services.get(0));
        for (int i = 1; i < services.size(); i++) {
            b.service(services.get(i));
        }
        servers.forEach(b::server);

        // Quorum and hysteresis, corrected as keepalived corrects them.
        int quorum = vs.quorum == null ? 1 : vs.quorum;
        if (quorum > totalWeight && totalWeight > 0) {
            warnings.warn(vs.quorumNode != null ? vs.quorumNode : n, "quorum " + quorum + " exceeds the total weight "
                    + totalWeight + " of the real servers; reduced to " + totalWeight + " (as keepalived does)");
            quorum = (int) totalWeight;
        }
        int hysteresis = vs.hysteresis == null ? 0 : vs.hysteresis;
        if (hysteresis >= quorum) {
            warnings.warn(vs.hysteresisNode, "hysteresis " + hysteresis + " is not below the quorum " + quorum
                    + "; set to " + (quorum - 1) + " (as keepalived does)");
            hysteresis = quorum - 1;
        }
        b.quorum(quorum).hysteresis(hysteresis);
        if (vs.sorryAddress != null) {
            if (KeywordValues.familyOf(vs.sorryAddress) != serviceFamily) {
                throw bad(vs.sorryToken, "sorry_server", "an address of the virtual server's family");
            }
            InetSocketAddress sa = new InetSocketAddress(vs.sorryAddress, vs.sorryPort == 0 ? vsPort : vs.sorryPort);
            if (byAddress.containsKey(sa)) {
                throw error(vs.sorryToken, "sorry_server: " + KeywordValues.text(vs.sorryAddress)
                        + " (expected: a server that is not also a real server of the virtual server)");
            }
            b.sorryServer((vs.sorryMethod != null ? vs.sorryMethod : method).apply(RealServer.of(sa)));
            b.sorryServerInhibit(vs.sorryInhibit != null);
        } else if (vs.sorryInhibit != null) {
            warnings.warn(vs.sorryInhibit, "sorry_server_inhibit without a sorry_server; ignored");
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw error(n.keyword, "virtual_server " + vs.label() + ": " + e.getMessage());
        }
    }

    /**
     * The service ids of a virtual server: its address, its mark, or every entry of its group. A service given
     * by address without {@code protocol} is UDP, with keepalived's warning (the kernel's default).
     */
    private List<ServiceId> ids(VirtualServerDef vs, StandardProtocolFamily family) {
        Node n = vs.node;
        args(n, 1, 2, "ADDRESS [PORT], fwmark MARK or group NAME");
        List<ServiceId> ids = new ArrayList<>();
        Token head = n.args.get(0);
        if (head.text.equals("fwmark") || head.text.equals("group")) {
            args(n, 2, 2, head.text.equals("fwmark") ? "fwmark MARK" : "group NAME");
        }
        if (head.text.equals("fwmark")) {
            long mark = KeywordValues.integer(n, 1, 1, 0xFFFFFFFFL);
            ids.add(ServiceId.fwmark((int) mark, family));
        } else if (head.text.equals("group")) {
            Group g = groups.group(n.args.get(1).text);
            if (g == null) {
                throw bad(n.args.get(1), "virtual_server group", "a virtual_server_group defined in the file"
                        + (groups.groupNames().isEmpty() ? ""
                        : ": " + KeywordValues.or(new ArrayList<>(groups.groupNames()))));
            }
            g.used = true;
            Protocol protocol = g.addresses.isEmpty() ? Protocol.TCP : protocol(vs);
            for (InetSocketAddress a : g.addresses) {
                ids.add(ServiceId.of(protocol, a));
            }
            for (int i = 0; i < g.marks.size(); i++) {
                StandardProtocolFamily f = g.markFamilies.get(i) == null ? family : g.markFamilies.get(i);
                ids.add(ServiceId.fwmark((int) (long) g.marks.get(i), f));
            }
            if (ids.isEmpty()) {
                throw error(n.args.get(1), "virtual_server group " + g.name + ": the group has no entries");
            }
        } else {
            InetAddress a = KeywordValues.address(head, "virtual_server");
            int port = n.args.size() > 1 ? KeywordValues.port(n.args.get(1), "port", true) : 0;
            ids.add(ServiceId.of(protocol(vs), new InetSocketAddress(a, port)));
        }
        for (ServiceId id : ids) {
            Token before = defined.putIfAbsent(id, n.keyword);
            if (before != null) {
                throw error(n.keyword, "virtual_server " + vs.label() + ": " + id + " is already defined at line "
                        + before.line);
            }
        }
        return ids;
    }

    private Protocol protocol(VirtualServerDef vs) {
        if (vs.protocol != null) {
            return vs.protocol;
        }
        warnings.warn(vs.node, "virtual_server " + vs.label() + ": no protocol set - defaulting to UDP (as keepalived "
                + "does; add protocol TCP for a TCP service)");
        return Protocol.UDP;
    }

    private VirtualService service(VirtualServerDef vs, ServiceId id) {
        VirtualService.Builder b = VirtualService.builder(id);
        Node n = vs.node;
        if (vs.scheduler != null) {
            b.scheduler(vs.scheduler.text);
        }
        Integer persistence = vs.persistence;
        if (vs.granularity != null) {
            Token g = vs.granularity;
            try {
                if (id.family() == StandardProtocolFamily.INET) {
                    b.persistenceNetmask(KeywordValues.address(g, "persistence_granularity"));
                } else {
                    b.persistenceNetmask(g.text.matches("\\d{1,3}") ? Integer.parseInt(g.text) : -1);
                }
            } catch (IllegalArgumentException | KeepalivedParseException e) {
                throw bad(g, "persistence_granularity", id.family() == StandardProtocolFamily.INET
                        ? "an IPv4 netmask such as 255.255.255.0" : "an IPv6 prefix length 1-128");
            }
            if (persistence == null) {
                persistence = 360; // keepalived: granularity implies the default timeout
            }
        }
        if (persistence != null) {
            b.persistence(Duration.ofSeconds(persistence));
        }
        if (vs.ops != null) {
            b.onePacket();
        }
        if (!vs.flags.isEmpty()) {
            Set<SchedulerFlag> flags = EnumSet.noneOf(SchedulerFlag.class);
            String scheduler = vs.scheduler == null ? VirtualService.DEFAULT_SCHEDULER
                    : KeywordValues.lower(vs.scheduler.text);
            for (Token t : vs.flags) {
                try {
                    flags.add(SchedulerFlag.parse(t.text, scheduler));
                } catch (IllegalArgumentException e) {
                    throw error(t, e.getMessage());
                }
            }
            b.schedulerFlags(flags);
        }
        if (id.isFwmark()) {
            Endpoints e = groups.endpoints(Integer.toUnsignedLong(id.fwmark()), id.family());
            if (e == null) {
                warnings.warn(n, id + " has no endpoints, so it receives no traffic; list them in a fwmark_endpoints "
                        + Integer.toUnsignedString(id.fwmark()) + " block (a JVS extension: where marked traffic "
                        + "arrives, as an iptables MARK rule says for IPVS)");
            } else {
                e.used = true;
                for (int i = 0; i < e.addresses.size(); i++) {
                    b.endpoint(e.protocols.get(i), e.addresses.get(i));
                }
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            Token at = vs.ops != null && e.getMessage().startsWith("onePacket") ? vs.ops.keyword : n.keyword;
            throw error(at, "virtual_server " + vs.label() + ": " + e.getMessage());
        }
    }

    private CheckedServer checkedServer(VirtualServerDef vs, RealServerDef r, RealServer rs, Protocol protocol) {
        InheritedSettings v = vs.settings;
        InheritedSettings s = r.settings;
        List<HealthCheck> checks = new ArrayList<>(r.checks.size());
        for (CheckerDef ck : r.checks) {
            checks.add(check(vs, r, ck, rs, protocol));
        }
        CheckedServer cs = CheckedServer.of(rs).withChecks(checks)
                .withInhibitOnFailure(first(s.inhibit, v.inhibit, null, false))
                .withSlowStart(first(s.slowStart, v.slowStart, null, Duration.ZERO));
        boolean passive = first(s.passive, v.passive, null, false);
        if (passive && checks.isEmpty()) {
            throw error(r.node.keyword, "passive: on for real_server " + KeywordValues.text(r.address)
                    + " (expected: at least one checker to bring the server back up)");
        }
        return cs.withPassive(passive);
    }

    private HealthCheck check(VirtualServerDef vs, RealServerDef r, CheckerDef ck, RealServer rs, Protocol protocol) {
        InheritedSettings v = vs.settings;
        InheritedSettings s = r.settings;
        InheritedSettings c = ck.settings;
        boolean misc = ck.kind == Kind.MISC;
        boolean http = ck.kind == Kind.HTTP || ck.kind == Kind.SSL;
        Duration interval = first(c.delayLoop, s.delayLoop, v.delayLoop, Duration.ofSeconds(60));
        CheckSettings settings = CheckSettings.defaults()
                .withInterval(interval)
                .withTimeout(first(c.connectTimeout, s.connectTimeout, v.connectTimeout, Duration.ofSeconds(5)))
                .withRetries(first(c.retry, s.retry, v.retry, misc ? 0 : 1))
                .withRetryDelay(first(c.delayBeforeRetry, s.delayBeforeRetry, v.delayBeforeRetry,
                        Duration.ofSeconds(http ? 3 : 1)))
                .withWarmup(first(c.warmup, s.warmup, v.warmup, interval))
                .withInitialState(first(c.alpha, s.alpha, v.alpha, false) ? HealthState.DOWN : HealthState.UP)
                .withRise(first(c.rise, s.rise, v.rise, 1))
                .withFall(first(c.fall, s.fall, v.fall, 1))
                .withJitter(first(c.jitter, s.jitter, v.jitter, 0.0))
                .withLogAllFailures(first(c.logAllFailures, null, null, false));
        if (misc) {
            return CommandCheck.of(ck.command).withSettings(settings).withDynamicWeight(ck.dynamic)
                    .withTimeout(ck.miscTimeout != null ? ck.miscTimeout : first(v.delayLoop, null, null,
                            Duration.ofSeconds(60)));
        }
        InetSocketAddress bind = ck.bindIp == null && ck.bindPort == 0 ? null : new InetSocketAddress(
                ck.bindIp != null ? ck.bindIp : wildcard(ck.connectIp != null ? ck.connectIp : r.address), ck.bindPort);
        ConnectOptions options = new ConnectOptions(ck.connectIp, ck.connectPort, bind);
        String kind = ck.node.name();
        if (options.port() == 0 && rs.address().getPort() == 0) {
            throw error(ck.node.keyword, kind + ": real server " + KeywordValues.text(r.address) + " has no port, so "
                    + "the checker needs connect_port (expected: 1-65535)");
        }
        switch (ck.kind) {
            case TCP:
                return HealthCheck.tcp().withSettings(settings).withConnectOptions(options);
            case SMTP:
                return SmtpCheck.of().withSettings(settings).withConnectOptions(options)
                        .withHeloName(ck.heloName != null ? ck.heloName : SmtpCheck.DEFAULT_HELO_NAME);
            case UDP:
                return udp(ck, settings, options);
            case CONNECT:
                return connect(ck, settings, options, rs, protocol);
            default:
                return http(vs, r, ck, settings, options);
        }
    }

    private HealthCheck http(VirtualServerDef vs, RealServerDef r, CheckerDef ck, CheckSettings settings,
            ConnectOptions options) {
        HttpGetCheck h = HttpGetCheck.of(ck.urls).withSettings(settings).withConnectOptions(options)
                .withVersion(ck.version);
        String host = first(ck.settings.virtualHost, r.settings.virtualHost, vs.settings.virtualHost, null);
        try {
            h = h.withVirtualHost(host);
            if (ck.kind == Kind.SSL) {
                // keepalived sends SNI only with enable_sni: sni_name, else the virtual host.
                String sni = ck.sni ? (ck.sniName != null ? ck.sniName : host) : null;
                h = h.withTls(true).withServerName(sni);
            }
            return h;
        } catch (IllegalArgumentException e) {
            throw error(ck.node.keyword, e.getMessage());
        }
    }

    private static HealthCheck udp(CheckerDef ck, CheckSettings settings, ConnectOptions options) {
        UdpCheck u = UdpCheck.of().withSettings(settings).withConnectOptions(options);
        if (ck.payload != null) {
            u = u.withPayload(ck.payload);
        }
        if (ck.requireReply) {
            byte[][] reply = ck.replyPattern == null ? new byte[][] {new byte[0], new byte[0]}
                    : KeywordValues.hex(ck.replyPattern, true);
            u = u.withRequiredReply(reply[0], reply[1]);
        }
        if (ck.minReplyLength != null || ck.maxReplyLength != null) {
            u = u.withReplyLength(ck.minReplyLength == null ? 0 : ck.minReplyLength,
                    ck.maxReplyLength == null ? UdpCheck.DEFAULT_MAX_REPLY_LENGTH : ck.maxReplyLength);
        }
        return u;
    }

    /** A checker JVS cannot run becomes a connect check: TCP, or for a UDP service a UDP_CHECK. */
    private HealthCheck connect(CheckerDef ck, CheckSettings settings, ConnectOptions options, RealServer rs,
            Protocol protocol) {
        String why;
        switch (ck.node.name()) {
            case "PING_CHECK":
                why = "JVS cannot send ICMP echo requests without raw sockets";
                break;
            case "DNS_CHECK":
                why = "JVS sends no DNS queries";
                break;
            case "FILE_CHECK":
                why = "JVS does not track files";
                break;
            default:
                why = "JVS has no BFD";
        }
        String target = KeywordValues.text(options.target(rs.address()).getAddress()) + " port "
                + options.target(rs.address()).getPort();
        if (protocol == Protocol.UDP) {
            warnings.unsupported(ck.node, why + "; the real server is checked by UDP_CHECK (a datagram to " + target
                    + ", failing on ICMP port unreachable) instead, so that it is not trusted unchecked");
            return UdpCheck.of().withSettings(settings).withConnectOptions(options);
        }
        warnings.unsupported(ck.node, why + "; the real server is checked by a TCP connect to " + target
                + " instead, so that it is not trusted unchecked");
        return HealthCheck.tcp().withSettings(settings).withConnectOptions(options);
    }

    private static InetAddress wildcard(InetAddress like) {
        try {
            return InetAddress.getByAddress(new byte[like instanceof Inet4Address ? 4 : 16]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
