package io.jvs.keepalived;

import static io.jvs.keepalived.KeywordValues.args;
import static io.jvs.keepalived.KeywordValues.bad;
import static io.jvs.keepalived.KeywordValues.error;
import static io.jvs.keepalived.KeywordValues.noBlock;
import static io.jvs.keepalived.KeywordValues.requireBlock;

import io.jvs.api.ForwardingMethod;
import io.jvs.api.RealServer;
import io.jvs.api.Scheduler;
import io.jvs.api.TunnelChecksum;
import io.jvs.api.TunnelType;
import io.jvs.health.CheckedService;
import io.jvs.keepalived.CheckerDef.Kind;
import io.jvs.keepalived.SettingsReader.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Gives the statement tree of a keepalived.conf its LVS meaning: the top level, {@code virtual_server} and
 * {@code real_server} blocks are read here; groups ({@link GroupReader}), shared settings ({@link SettingsReader})
 * and checkers ({@link CheckerReader}) by their readers; {@link ServiceAssembler} builds the checked services.
 * Values that are not valid stop the load with an error at their position; what JVS does not do is skipped with
 * one warning per keyword or block.
 */
final class Interpreter {

    /** The artifact that brings the schedulers, named when none is on the path. */
    static final String SCHEDULERS_ARTIFACT = "io.jvs:lb-schedulers";

    private final Warnings warnings;
    private final Set<ForwardingMethod> methods;
    private final GroupReader groups;
    private final SettingsReader settings;
    private final CheckerReader checkers;
    private final ServiceAssembler assembler;

    Interpreter(List<ConfigWarning> warnings, Set<ForwardingMethod> methods) {
        this.warnings = new Warnings(warnings);
        this.methods = methods;
        this.groups = new GroupReader(this.warnings);
        this.settings = new SettingsReader(this.warnings);
        this.checkers = new CheckerReader(this.warnings, settings);
        this.assembler = new ServiceAssembler(this.warnings, groups, methods);
    }

    List<CheckedService> run(List<Node> top) {
        List<Node> virtualServers = new ArrayList<>();
        for (Node n : top) {
            switch (n.name()) {
                case "virtual_server":
                    virtualServers.add(n);
                    break;
                case "virtual_server_group":
                    groups.group(n);
                    break;
                case "fwmark_endpoints":
                    groups.endpoints(n);
                    break;
                case "global_defs":
                    warnings.unsupported(n, "JVS has no global settings in keepalived.conf");
                    break;
                case "SSL":
                    warnings.unsupported(n, "the SSL_GET of JVS sends no client certificate and, like keepalived, "
                            + "verifies no server certificate");
                    break;
                case "static_ipaddress":
                case "static_routes":
                case "static_rules":
                case "static_track_group":
                case "linkbeat_interfaces":
                    warnings.unsupported(n, "JVS does not configure the network");
                    break;
                case "bfd_instance":
                    warnings.unsupported(n, "JVS has no BFD");
                    break;
                case "track_file":
                case "track_process":
                    warnings.unsupported(n, "JVS tracks neither files nor processes");
                    break;
                default:
                    if (n.name().startsWith("vrrp_") || n.name().equals("garp_group")) {
                        warnings.unsupported(n, "JVS does not run VRRP or own virtual addresses; keep keepalived "
                                + "or another VRRP daemon for that");
                    } else {
                        warnings.unknown(n, null);
                    }
            }
        }
        List<CheckedService> services = new ArrayList<>(virtualServers.size());
        for (Node n : virtualServers) {
            CheckedService s = assembler.assemble(virtualServer(n));
            if (s != null) {
                services.add(s);
            }
        }
        groups.warnUnused();
        return services;
    }

    // ---- virtual_server

    private VirtualServerDef virtualServer(Node n) {
        requireBlock(n);
        VirtualServerDef vs = new VirtualServerDef(n);
        for (Node c : n.children) {
            if (settings.read(c, vs.settings, Level.VIRTUAL_SERVER) || settings.ignored(c)) {
                continue;
            }
            if (!c.name().equals("real_server")) {
                warnings.replaced(vs.seen.put(c.name().replace("lvs_sched", "lb_algo").replace("lvs_method", "lb_kind"),
                        c.keyword), c);
            }
            switch (c.name()) {
                case "lb_algo":
                case "lvs_sched":
                    args(c, 1, 1, "a scheduler: " + KeywordValues.or(new ArrayList<>(Scheduler.Factory.names())));
                    noBlock(c);
                    vs.scheduler = c.args.get(0);
                    if (Scheduler.Factory.find(vs.scheduler.text).isEmpty()) {
                        throw bad(vs.scheduler, c.name(), schedulerExpectation(Scheduler.Factory.names()));
                    }
                    break;
                case "lb_kind":
                case "lvs_method":
                    vs.method = method(c);
                    break;
                case "persistence_timeout":
                    args(c, 0, 1, "seconds, 1-2678400");
                    noBlock(c);
                    vs.persistence = c.args.isEmpty() ? 360 : (int) KeywordValues.integer(c, 0, 1, 2_678_400);
                    break;
                case "persistence_granularity":
                    args(c, 1, 1, "a netmask such as 255.255.255.0, or an IPv6 prefix length 1-128");
                    noBlock(c);
                    vs.granularity = c.args.get(0);
                    break;
                case "protocol":
                    args(c, 1, 1, "TCP or UDP");
                    noBlock(c);
                    vs.protocol = KeywordValues.protocol(c.args.get(0), "protocol");
                    break;
                case "quorum":
                    vs.quorum = KeywordValues.integer(c, 1, Integer.MAX_VALUE);
                    vs.quorumNode = c;
                    break;
                case "hysteresis":
                    vs.hysteresis = KeywordValues.integer(c, 0, Integer.MAX_VALUE - 1);
                    vs.hysteresisNode = c;
                    break;
                case "sorry_server":
                    args(c, 1, 2, "ADDRESS [PORT]");
                    noBlock(c);
                    vs.sorryToken = c.args.get(0);
                    vs.sorryAddress = KeywordValues.unicast(vs.sorryToken, "sorry_server");
                    vs.sorryPort = c.args.size() > 1 ? KeywordValues.port(c.args.get(1), "port", true) : 0;
                    break;
                case "sorry_server_inhibit":
                    args(c, 0, 0, "no value");
                    noBlock(c);
                    vs.sorryInhibit = c;
                    break;
                case "sorry_server_lvs_method":
                    vs.sorryMethod = method(c);
                    break;
                case "ip_family":
                    args(c, 1, 1, "inet or inet6");
                    noBlock(c);
                    vs.family = KeywordValues.family(c.args.get(0));
                    break;
                case "ops":
                    args(c, 0, 0, "no value");
                    noBlock(c);
                    vs.ops = c;
                    break;
                case "flag-1":
                case "flag-2":
                case "flag-3":
                case "sh-port":
                case "sh-fallback":
                case "mh-port":
                case "mh-fallback":
                    args(c, 0, 0, "no value");
                    noBlock(c);
                    vs.flags.add(c.keyword);
                    break;
                case "weight":
                    vs.weight = KeywordValues.integer(c, 1, RealServer.MAX_WEIGHT);
                    break;
                case "real_server":
                    RealServerDef rs = realServer(c, vs);
                    vs.servers.add(rs);
                    break;
                default:
                    warnings.unknown(c, "virtual_server");
            }
        }
        return vs;
    }

    /** What {@code lb_algo} accepts: the schedulers on the path, or, when there are none, which artifact to add. */
    static String schedulerExpectation(Collection<String> names) {
        if (names.isEmpty()) {
            return "a scheduler; none is on the class or module path: add the artifact " + SCHEDULERS_ARTIFACT
                    + " (lb-keepalived depends on it; was it excluded?)";
        }
        return "a scheduler JVS has: " + KeywordValues.or(new ArrayList<>(names));
    }

    /** {@code lb_kind} and its tunnel settings: {@code TUN [type ipip | type gue port N [nocsum|csum]]}. */
    record Method(ForwardingMethod method, TunnelType tunnelType, int tunnelPort, TunnelChecksum tunnelChecksum) {

        /** {@code rs} with this method and, for TUN, its tunnel. */
        RealServer apply(RealServer rs) {
            RealServer r = rs.withForwardingMethod(method);
            return method == ForwardingMethod.TUN ? r.withTunnel(tunnelType, tunnelPort, tunnelChecksum) : r;
        }
    }

    private Method method(Node n) {
        args(n, 1, Integer.MAX_VALUE, "NAT or FULLNAT");
        noBlock(n);
        Token t = n.args.get(0);
        List<String> supported = new ArrayList<>();
        if (methods.contains(ForwardingMethod.NAT)) {
            supported.add("NAT");
        }
        if (methods.contains(ForwardingMethod.FULLNAT)) {
            supported.add("FULLNAT");
        }
        if (methods.contains(ForwardingMethod.DR)) {
            supported.add("DR");
        }
        if (methods.contains(ForwardingMethod.TUN)) {
            supported.add("TUN");
        }
        String expected = KeywordValues.or(supported);
        ForwardingMethod m;
        switch (t.text) {
            case "NAT":
                m = ForwardingMethod.NAT;
                break;
            case "FULLNAT":
                m = ForwardingMethod.FULLNAT;
                break;
            case "DR":
                m = ForwardingMethod.DR;
                break;
            case "TUN":
                m = ForwardingMethod.TUN;
                break;
            default:
                throw bad(t, n.name(), expected);
        }
        if (!methods.contains(m)) {
            throw bad(t, n.name(), expected + "; this load balancer cannot forward with " + m + " ("
                    + m.listingName() + ")" + (m == ForwardingMethod.DR || m == ForwardingMethod.TUN
                            ? ": direct routing and tunnelling need the packet data path (jvs daemon --interface)"
                            : ""));
        }
        if (m == ForwardingMethod.TUN) {
            return tunnel(n);
        }
        if (n.args.size() > 1) {
            throw error(n.args.get(1), n.name() + ": unexpected '" + n.args.get(1).text + "' (expected: " + expected
                    + " and nothing after it)");
        }
        return new Method(m, TunnelType.IPIP, 0, TunnelChecksum.NONE);
    }

    /** {@code TUN}, {@code TUN type ipip}, {@code TUN type gue port N [nocsum|csum]} (keepalived 2.1+). */
    private Method tunnel(Node n) {
        List<Token> a = n.args;
        if (a.size() == 1) {
            return new Method(ForwardingMethod.TUN, TunnelType.IPIP, 0, TunnelChecksum.NONE);
        }
        if (!a.get(1).text.equals("type") || a.size() < 3) {
            throw error(a.get(1), n.name() + ": unexpected '" + a.get(1).text + "' (expected: TUN, TUN type ipip or "
                    + "TUN type gue port N [nocsum|csum])");
        }
        Token type = a.get(2);
        switch (type.text) {
            case "ipip":
                if (a.size() > 3) {
                    throw error(a.get(3), n.name() + ": unexpected '" + a.get(3).text + "' (expected: nothing after "
                            + "TUN type ipip)");
                }
                return new Method(ForwardingMethod.TUN, TunnelType.IPIP, 0, TunnelChecksum.NONE);
            case "gue":
                break;
            case "gre":
                throw bad(type, n.name() + " TUN type", "ipip or gue; GRE tunnels are not supported");
            default:
                throw bad(type, n.name() + " TUN type", "ipip or gue");
        }
        if (a.size() < 5 || !a.get(3).text.equals("port")) {
            throw error(a.size() > 3 ? a.get(3) : type, n.name() + ": a gue tunnel needs its port (expected: TUN type "
                    + "gue port N [nocsum|csum])");
        }
        int port = KeywordValues.port(a.get(4), "port", false);
        TunnelChecksum checksum = TunnelChecksum.NONE;
        if (a.size() > 5) {
            Token c = a.get(5);
            switch (c.text) {
                case "nocsum" -> checksum = TunnelChecksum.NONE;
                case "csum" -> checksum = TunnelChecksum.CHECKSUM;
                case "remcsum" -> throw bad(c, n.name() + " checksum", "nocsum or csum; remote checksum offload "
                        + "(remcsum) is not supported");
                default -> throw bad(c, n.name() + " checksum", "nocsum or csum");
            }
        }
        if (a.size() > 6) {
            throw error(a.get(6), n.name() + ": unexpected '" + a.get(6).text + "' (expected: nothing after the "
                    + "checksum)");
        }
        return new Method(ForwardingMethod.TUN, TunnelType.GUE, port, checksum);
    }

    // ---- real_server

    private RealServerDef realServer(Node n, VirtualServerDef vs) {
        args(n, 1, 2, "ADDRESS [PORT]");
        InetAddress a = KeywordValues.unicast(n.args.get(0), "real_server");
        int port = n.args.size() > 1 ? KeywordValues.port(n.args.get(1), "port", true) : 0;
        RealServerDef rs = new RealServerDef(n, a, port);
        RealServerDef other = vs.serversByAddress.putIfAbsent(new InetSocketAddress(a, port), rs);
        if (other != null) {
            throw error(n.keyword, "real_server " + KeywordValues.text(a) + " " + port + " is already defined at line "
                    + other.node.keyword.line);
        }
        if (!n.hasBlock()) {
            return rs;
        }
        for (Node c : n.children) {
            if (settings.read(c, rs.settings, Level.REAL_SERVER) || settings.ignored(c)) {
                continue;
            }
            Kind kind = CheckerReader.kind(c.name());
            if (!c.name().endsWith("_CHECK") && !c.name().endsWith("_GET")) {
                warnings.replaced(rs.seen.put(c.name().replace("lb_kind", "lvs_method"), c.keyword), c);
            }
            switch (c.name()) {
                case "weight":
                    rs.weight = KeywordValues.integer(c, 0, RealServer.MAX_WEIGHT);
                    break;
                case "lvs_method":
                case "lb_kind":
                    rs.method = method(c);
                    break;
                case "uthreshold":
                    rs.upper = (long) KeywordValues.integer(c, 0, Integer.MAX_VALUE);
                    break;
                case "lthreshold":
                    rs.lower = (long) KeywordValues.integer(c, 0, Integer.MAX_VALUE);
                    rs.lowerToken = c.args.get(0);
                    break;
                default:
                    if (kind == null) {
                        warnings.unknown(c, "real_server");
                    } else {
                        CheckerDef check = checkers.checker(c, kind);
                        if (check != null) {
                            rs.checks.add(check);
                        }
                    }
            }
        }
        return rs;
    }
}
