package io.jvs.health.keepalived;

import static io.jvs.health.keepalived.Values.args;
import static io.jvs.health.keepalived.Values.bad;
import static io.jvs.health.keepalived.Values.error;
import static io.jvs.health.keepalived.Values.noBlock;

import io.jvs.api.ForwardingMethod;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.Scheduler;
import io.jvs.api.SchedulerFlag;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import io.jvs.health.CheckSettings;
import io.jvs.health.CheckedServer;
import io.jvs.health.CheckedService;
import io.jvs.health.CommandCheck;
import io.jvs.health.ConnectOptions;
import io.jvs.health.HealthCheck;
import io.jvs.health.HealthState;
import io.jvs.health.HttpGetCheck;
import io.jvs.health.keepalived.Lexer.Token;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gives the statement tree of a keepalived.conf its LVS meaning: virtual servers, groups, real servers and their
 * checkers, with keepalived's defaults and inheritance (virtual server, then real server, then checker). Values
 * that are not valid stop the load with an error at their position; what JVS does not do is skipped with one
 * warning per keyword or block.
 */
final class Interpreter {

    private static final Duration MILLI = Duration.ofMillis(1);
    private static final Duration DAY = Duration.ofDays(1);
    private static final Duration HOUR = Duration.ofHours(1);
    private static final int MAX_GROUP_ADDRESSES = 1024;
    private static final String CHECKERS = "TCP_CHECK, HTTP_GET and MISC_CHECK";

    private final List<ConfigWarning> warnings;
    private final Set<ForwardingMethod> methods;
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final Map<String, Endpoints> endpoints = new LinkedHashMap<>();
    private final Map<ServiceId, Token> defined = new HashMap<>();

    Interpreter(List<ConfigWarning> warnings, Set<ForwardingMethod> methods) {
        this.warnings = warnings;
        this.methods = methods;
    }

    private void warn(Node n, String message) {
        warnings.add(new ConfigWarning(n.keyword.file, n.keyword.line, message));
    }

    private void unsupported(Node n, String why) {
        warn(n, n.name() + " is not supported (" + why + "); " + (n.hasBlock() ? "block skipped" : "ignored"));
    }

    /** Warns when a single-valued keyword comes again; as in keepalived, the last value wins. */
    private void replaced(Token previous, Node n) {
        if (previous != null) {
            warn(n, n.name() + " is given again (first at line " + previous.line + "); the last value is used");
        }
    }

    // ---- the top level

    List<CheckedService> run(List<Node> top) {
        List<Node> virtualServers = new ArrayList<>();
        for (Node n : top) {
            switch (n.name()) {
                case "virtual_server":
                    virtualServers.add(n);
                    break;
                case "virtual_server_group":
                    group(n);
                    break;
                case "fwmark_endpoints":
                    endpoints(n);
                    break;
                case "global_defs":
                    unsupported(n, "JVS has no global settings in keepalived.conf");
                    break;
                case "SSL":
                    unsupported(n, "it serves SSL_GET, which JVS does not have");
                    break;
                case "static_ipaddress":
                case "static_routes":
                case "static_rules":
                case "static_track_group":
                case "linkbeat_interfaces":
                    unsupported(n, "JVS does not configure the network");
                    break;
                case "bfd_instance":
                    unsupported(n, "JVS has no BFD");
                    break;
                case "track_file":
                case "track_process":
                    unsupported(n, "JVS tracks neither files nor processes");
                    break;
                default:
                    if (n.name().startsWith("vrrp_") || n.name().equals("garp_group")) {
                        unsupported(n, "JVS does not run VRRP or own virtual addresses; keep keepalived or another "
                                + "VRRP daemon for that");
                    } else {
                        warn(n, "unknown keyword " + n.name() + "; " + (n.hasBlock() ? "block skipped" : "ignored"));
                    }
            }
        }
        List<CheckedService> services = new ArrayList<>();
        for (Node n : virtualServers) {
            CheckedService s = virtualServer(n);
            if (s != null) {
                services.add(s);
            }
        }
        for (Endpoints e : endpoints.values()) {
            if (!e.used) {
                warn(e.node, "fwmark_endpoints " + e.mark + " is used by no virtual_server; ignored");
            }
        }
        for (Group g : groups.values()) {
            if (!g.used) {
                warn(g.node, "virtual_server_group " + g.name + " is used by no virtual_server; ignored");
            }
        }
        return services;
    }

    // ---- virtual_server_group and fwmark_endpoints

    private static final class Group {
        final Node node;
        final String name;
        final List<InetSocketAddress> addresses = new ArrayList<>();
        final List<Token> addressTokens = new ArrayList<>();
        final List<Long> marks = new ArrayList<>();
        final List<StandardProtocolFamily> markFamilies = new ArrayList<>();
        final List<Token> markTokens = new ArrayList<>();
        boolean used;

        Group(Node node, String name) {
            this.node = node;
            this.name = name;
        }
    }

    private void group(Node n) {
        args(n, 1, 1, "a group name");
        requireBlock(n);
        Group g = new Group(n, n.args.get(0).text);
        Group before = groups.putIfAbsent(g.name, g);
        if (before != null) {
            throw error(n.args.get(0), "virtual_server_group " + g.name + " is already defined at line "
                    + before.node.keyword.line);
        }
        for (Node e : n.children) {
            noBlock(e);
            if (e.name().equals("fwmark")) {
                args(e, 1, 2, "a firewall mark 1-4294967295, then optionally inet or inet6");
                g.marks.add(Values.integer(e, 0, 1, 0xFFFFFFFFL));
                g.markFamilies.add(e.args.size() > 1 ? family(e.args.get(1)) : null);
                g.markTokens.add(e.keyword);
                continue;
            }
            if (e.args.size() > 1) {
                throw error(e.args.get(1), "virtual_server_group entry: unexpected '" + e.args.get(1).text
                        + "' (expected: ADDRESS [PORT], RANGE [PORT] or fwmark MARK)");
            }
            int port = e.args.isEmpty() ? 0 : Values.port(e.args.get(0), "port", true);
            for (InetAddress a : range(e.keyword)) {
                if (g.addresses.size() >= MAX_GROUP_ADDRESSES) {
                    throw bad(e.keyword, "virtual_server_group entry", "at most " + MAX_GROUP_ADDRESSES
                            + " addresses per group");
                }
                g.addresses.add(new InetSocketAddress(a, port));
                g.addressTokens.add(e.keyword);
            }
        }
        if (g.addresses.isEmpty() && g.marks.isEmpty()) {
            warn(n, "virtual_server_group " + g.name + " has no entries");
        }
    }

    private static StandardProtocolFamily family(Token t) {
        switch (t.text) {
            case "inet":
                return StandardProtocolFamily.INET;
            case "inet6":
                return StandardProtocolFamily.INET6;
            default:
                throw bad(t, "ip_family", "inet or inet6");
        }
    }

    /** The addresses of a group entry: {@code A}, {@code A-B} (last octet or group, or a full address) or {@code A/len}. */
    private static List<InetAddress> range(Token t) {
        String s = t.text;
        int slash = s.indexOf('/');
        int dash = s.lastIndexOf('-');
        if (slash < 0 && dash < 0) {
            return List.of(Values.address(t, "virtual_server_group entry"));
        }
        String expect = "ADDRESS, ADDRESS-LAST, ADDRESS-ADDRESS or ADDRESS/PREFIX with at most "
                + MAX_GROUP_ADDRESSES + " addresses";
        InetAddress first = lit(s.substring(0, slash >= 0 ? slash : dash));
        if (first == null) {
            throw bad(t, "virtual_server_group entry", expect);
        }
        int bits = first instanceof Inet4Address ? 32 : 128;
        BigInteger from = new BigInteger(1, first.getAddress());
        BigInteger to;
        if (slash >= 0) {
            String len = s.substring(slash + 1);
            if (!len.matches("\\d{1,3}") || Integer.parseInt(len) > bits) {
                throw bad(t, "virtual_server_group entry", expect);
            }
            BigInteger size = BigInteger.ONE.shiftLeft(bits - Integer.parseInt(len));
            from = from.subtract(from.mod(size));
            to = from.add(size).subtract(BigInteger.ONE);
        } else {
            String last = s.substring(dash + 1);
            InetAddress end = last.contains(".") || last.contains(":") ? lit(last) : null;
            if (end != null) {
                to = new BigInteger(1, end.getAddress());
            } else {
                boolean v4 = bits == 32;
                if (!last.matches(v4 ? "\\d{1,3}" : "[0-9a-fA-F]{1,4}")) {
                    throw bad(t, "virtual_server_group entry", expect);
                }
                int unit = v4 ? 8 : 16;
                BigInteger mask = BigInteger.ONE.shiftLeft(unit).subtract(BigInteger.ONE);
                to = from.andNot(mask).or(new BigInteger(last, v4 ? 10 : 16));
                if (new BigInteger(last, v4 ? 10 : 16).compareTo(mask) > 0) {
                    throw bad(t, "virtual_server_group entry", expect);
                }
            }
        }
        if (to.compareTo(from) < 0 || to.subtract(from).compareTo(BigInteger.valueOf(MAX_GROUP_ADDRESSES - 1)) > 0) {
            throw bad(t, "virtual_server_group entry", expect);
        }
        List<InetAddress> list = new ArrayList<>();
        for (BigInteger a = from; a.compareTo(to) <= 0; a = a.add(BigInteger.ONE)) {
            list.add(fromNumber(a, bits / 8));
        }
        return list;
    }

    private static InetAddress lit(String s) {
        return Values.literal(s);
    }

    private static InetAddress fromNumber(BigInteger n, int bytes) {
        byte[] raw = n.toByteArray();
        byte[] b = new byte[bytes];
        for (int i = 0; i < Math.min(bytes, raw.length); i++) {
            b[bytes - 1 - i] = raw[raw.length - 1 - i];
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static final class Endpoints {
        final Node node;
        final long mark;
        final StandardProtocolFamily family;
        final List<Protocol> protocols = new ArrayList<>();
        final List<InetSocketAddress> addresses = new ArrayList<>();
        boolean used;

        Endpoints(Node node, long mark, StandardProtocolFamily family) {
            this.node = node;
            this.mark = mark;
            this.family = family;
        }
    }

    /** JVS: {@code fwmark_endpoints MARK [inet|inet6] { ADDRESS PORT [tcp|udp] ... }}. */
    private void endpoints(Node n) {
        args(n, 1, 2, "a firewall mark 1-4294967295, then optionally inet or inet6");
        requireBlock(n);
        long mark = Values.integer(n, 0, 1, 0xFFFFFFFFL);
        StandardProtocolFamily family = n.args.size() > 1 ? family(n.args.get(1)) : null;
        Endpoints e = null;
        for (Node entry : n.children) {
            noBlock(entry);
            if (entry.args.isEmpty() || entry.args.size() > 2) {
                throw error(entry.keyword, "fwmark_endpoints entry: " + entry.keyword.text
                        + " (expected: ADDRESS PORT, then optionally tcp or udp)");
            }
            InetAddress a = Values.address(entry.keyword, "fwmark_endpoints address");
            StandardProtocolFamily f = a instanceof Inet6Address ? StandardProtocolFamily.INET6
                    : StandardProtocolFamily.INET;
            if (e == null) {
                e = new Endpoints(n, mark, family == null ? f : family);
                String key = key(mark, e.family);
                Endpoints before = endpoints.putIfAbsent(key, e);
                if (before != null) {
                    throw error(n.keyword, "fwmark_endpoints " + mark + " is already defined at line "
                            + before.node.keyword.line);
                }
            }
            if (f != e.family) {
                throw bad(entry.keyword, "fwmark_endpoints address", "an address of the group's family " + e.family);
            }
            int port = Values.port(entry.args.get(0), "port", false);
            Protocol p = Protocol.TCP;
            if (entry.args.size() > 1) {
                p = protocol(entry.args.get(1), "fwmark_endpoints protocol");
            }
            InetSocketAddress sa = new InetSocketAddress(a, port);
            for (int i = 0; i < e.addresses.size(); i++) {
                if (e.addresses.get(i).equals(sa) && e.protocols.get(i) == p) {
                    throw error(entry.keyword, "fwmark_endpoints entry: " + p + " " + Values.text(a) + " " + port
                            + " is listed twice");
                }
            }
            e.addresses.add(sa);
            e.protocols.add(p);
        }
        if (e == null) {
            warn(n, "fwmark_endpoints " + mark + " lists no endpoints");
        }
    }

    private static String key(long mark, StandardProtocolFamily family) {
        return mark + "/" + family;
    }

    private static Protocol protocol(Token t, String name) {
        switch (Values.lower(t.text)) {
            case "tcp":
                return Protocol.TCP;
            case "udp":
                return Protocol.UDP;
            default:
                throw bad(t, name, "TCP or UDP" + (Values.lower(t.text).equals("sctp") ? "; JVS does not carry SCTP"
                        : ""));
        }
    }

    private static void requireBlock(Node n) {
        if (!n.hasBlock()) {
            Token last = n.args.isEmpty() ? n.keyword : n.args.get(n.args.size() - 1);
            throw new KeepalivedParseException(last.file, last.line, last.column + last.text.length(),
                    n.name() + " needs a block: { ... }");
        }
    }

    // ---- settings inherited from virtual server to real server to checker

    /** The settings a level may give; {@code null} means inherit. */
    private static final class Settings {
        Duration delayLoop;
        Duration connectTimeout;
        Integer retry;
        Duration delayBeforeRetry;
        Duration warmup;
        Boolean alpha;
        Boolean inhibit;
        Integer rise;
        Integer fall;
        Double jitter;
        Duration slowStart;
        Boolean passive;
        Boolean logAllFailures;
        String virtualHost;
        final Map<String, Token> seen = new HashMap<>();
    }

    private enum Level { VIRTUAL_SERVER, REAL_SERVER, CHECKER, MISC_CHECKER }

    /** Handles the keywords every level shares; returns false if {@code n} is not one of them. */
    private boolean setting(Node n, Settings s, Level level) {
        boolean checker = level == Level.CHECKER || level == Level.MISC_CHECKER;
        switch (n.name()) {
            case "delay_loop":
                s.delayLoop = Values.seconds(n, MILLI, DAY);
                break;
            case "connect_timeout":
                if (level == Level.MISC_CHECKER) {
                    return false;
                }
                s.connectTimeout = Values.seconds(n, MILLI, HOUR);
                break;
            case "retry":
            case "nb_get_retry":
                if (n.name().equals("nb_get_retry") && !checker) {
                    return false;
                }
                s.retry = Values.integer(n, checker ? 0 : 1, 1000);
                break;
            case "delay_before_retry":
                s.delayBeforeRetry = Values.seconds(n, Duration.ZERO, DAY);
                break;
            case "warmup":
                s.warmup = Values.seconds(n, Duration.ZERO, DAY);
                break;
            case "alpha":
                s.alpha = Values.flag(n);
                break;
            case "rise":
                s.rise = Values.integer(n, 1, 1000);
                break;
            case "fall":
                s.fall = Values.integer(n, 1, 1000);
                break;
            case "jitter":
                s.jitter = Values.fraction(n, 0.5);
                break;
            case "inhibit_on_failure":
            case "slow_start":
            case "passive":
                if (checker) {
                    return false;
                }
                if (n.name().equals("slow_start")) {
                    s.slowStart = Values.seconds(n, Duration.ZERO, DAY);
                } else if (n.name().equals("passive")) {
                    s.passive = Values.flag(n);
                } else {
                    s.inhibit = Values.flag(n);
                }
                break;
            case "log_all_failures":
                if (!checker) {
                    return false;
                }
                s.logAllFailures = Values.flag(n);
                break;
            case "virtualhost":
                if (level == Level.MISC_CHECKER) {
                    return false;
                }
                args(n, 1, 1, "a host name");
                noBlock(n);
                s.virtualHost = n.args.get(0).text;
                break;
            default:
                return false;
        }
        Token before = s.seen.put(n.name(), n.keyword);
        replaced(before, n);
        return true;
    }

    private static <T> T first(T a, T b, T c, T fallback) {
        return a != null ? a : b != null ? b : c != null ? c : fallback;
    }

    /** Keywords keepalived has at several levels that JVS does not act on. */
    private boolean ignored(Node n) {
        switch (n.name()) {
            case "smtp_alert":
            case "notify_up":
            case "notify_down":
            case "quorum_up":
            case "quorum_down":
                unsupported(n, "JVS runs no notification scripts and sends no mail; subscribe to HealthChecker events");
                return true;
            case "snmp_name":
                unsupported(n, "JVS has no SNMP agent");
                return true;
            case "ha_suspend":
                unsupported(n, "JVS does not watch interface addresses; checks always run");
                return true;
            case "omega":
                unsupported(n, "JVS runs no notifiers at shutdown");
                return true;
            case "persistence_engine":
                unsupported(n, "JVS has no persistence engines; plain persistence applies");
                return true;
            case "hashed":
                unsupported(n, "the flag has no effect in IPVS");
                return true;
            default:
                return false;
        }
    }

    // ---- virtual_server

    private static final class VirtualServerDef {
        final Node node;
        final Settings settings = new Settings();
        final List<RealServerDef> servers = new ArrayList<>();
        Token scheduler;
        ForwardingMethod method;
        Integer persistence;
        Token granularity;
        Protocol protocol;
        Integer quorum;
        Node quorumNode;
        Integer hysteresis;
        Node hysteresisNode;
        Node sorry;
        ForwardingMethod sorryMethod;
        Node sorryInhibit;
        Token family;
        Node ops;
        final List<Token> flags = new ArrayList<>();
        Integer weight;
        final Map<String, Token> seen = new HashMap<>();

        VirtualServerDef(Node node) {
            this.node = node;
        }
    }

    private static final class RealServerDef {
        final Node node;
        final InetAddress address;
        final int port;
        final Settings settings = new Settings();
        final List<CheckerDef> checks = new ArrayList<>();
        Integer weight;
        ForwardingMethod method;
        Long upper;
        Long lower;
        Token lowerToken;
        final Map<String, Token> seen = new HashMap<>();

        RealServerDef(Node node, InetAddress address, int port) {
            this.node = node;
            this.address = address;
            this.port = port;
        }
    }

    private static final class CheckerDef {
        final Node node;
        final Settings settings = new Settings();
        InetAddress connectIp;
        Token connectIpToken;
        int connectPort;
        InetAddress bindIp;
        Token bindIpToken;
        int bindPort;
        final List<HttpGetCheck.Url> urls = new ArrayList<>();
        HttpGetCheck.Version version = HttpGetCheck.Version.HTTP_1_0;
        List<String> command;
        Duration miscTimeout;
        boolean dynamic;

        CheckerDef(Node node) {
            this.node = node;
        }
    }

    private CheckedService virtualServer(Node n) {
        requireBlock(n);
        VirtualServerDef vs = new VirtualServerDef(n);
        for (Node c : n.children) {
            if (setting(c, vs.settings, Level.VIRTUAL_SERVER) || ignored(c)) {
                continue;
            }
            if (!c.name().equals("real_server")) {
                replaced(vs.seen.put(c.name().replace("lvs_sched", "lb_algo").replace("lvs_method", "lb_kind"),
                        c.keyword), c);
            }
            switch (c.name()) {
                case "lb_algo":
                case "lvs_sched":
                    args(c, 1, 1, "a scheduler: " + Values.or(new ArrayList<>(Scheduler.Factory.names())));
                    noBlock(c);
                    vs.scheduler = c.args.get(0);
                    if (Scheduler.Factory.find(vs.scheduler.text).isEmpty()) {
                        throw bad(vs.scheduler, c.name(), "a scheduler JVS has: "
                                + Values.or(new ArrayList<>(Scheduler.Factory.names())));
                    }
                    break;
                case "lb_kind":
                case "lvs_method":
                    vs.method = method(c);
                    break;
                case "persistence_timeout":
                    args(c, 0, 1, "seconds, 1-2678400");
                    noBlock(c);
                    vs.persistence = c.args.isEmpty() ? 360 : (int) Values.integer(c, 0, 1, 2_678_400);
                    break;
                case "persistence_granularity":
                    args(c, 1, 1, "a netmask such as 255.255.255.0, or an IPv6 prefix length 1-128");
                    noBlock(c);
                    vs.granularity = c.args.get(0);
                    break;
                case "protocol":
                    args(c, 1, 1, "TCP or UDP");
                    noBlock(c);
                    vs.protocol = protocol(c.args.get(0), "protocol");
                    break;
                case "quorum":
                    vs.quorum = Values.integer(c, 1, Integer.MAX_VALUE);
                    vs.quorumNode = c;
                    break;
                case "hysteresis":
                    vs.hysteresis = Values.integer(c, 0, Integer.MAX_VALUE - 1);
                    vs.hysteresisNode = c;
                    break;
                case "sorry_server":
                    args(c, 1, 2, "ADDRESS [PORT]");
                    noBlock(c);
                    Values.unicast(c.args.get(0), "sorry_server");
                    if (c.args.size() > 1) {
                        Values.port(c.args.get(1), "port", true);
                    }
                    vs.sorry = c;
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
                    family(c.args.get(0));
                    vs.family = c.args.get(0);
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
                    vs.weight = Values.integer(c, 1, RealServer.MAX_WEIGHT);
                    break;
                case "real_server":
                    vs.servers.add(realServer(c, vs));
                    break;
                default:
                    warn(c, "unknown keyword " + c.name() + " in virtual_server; "
                            + (c.hasBlock() ? "block skipped" : "ignored"));
            }
        }
        return build(vs);
    }

    private ForwardingMethod method(Node n) {
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
        String expected = Values.or(supported);
        ForwardingMethod m;
        switch (t.text) {
            case "NAT":
                m = ForwardingMethod.NAT;
                break;
            case "FULLNAT":
                m = ForwardingMethod.FULLNAT;
                break;
            case "DR":
                throw bad(t, n.name(), expected + "; direct routing (Route) rewrites packets below the socket "
                        + "layer and needs a packet data path, which JVS does not have yet");
            case "TUN":
                throw bad(t, n.name(), expected + "; tunnelling (Tunnel) needs a packet data path, which JVS "
                        + "does not have yet");
            default:
                throw bad(t, n.name(), expected);
        }
        if (!methods.contains(m)) {
            throw bad(t, n.name(), expected + "; this load balancer cannot forward with " + m + " ("
                    + m.listingName() + ")");
        }
        if (n.args.size() > 1) {
            throw error(n.args.get(1), n.name() + ": unexpected '" + n.args.get(1).text + "' (expected: " + expected
                    + " and nothing after it)");
        }
        return m;
    }

    // ---- real_server

    private RealServerDef realServer(Node n, VirtualServerDef vs) {
        args(n, 1, 2, "ADDRESS [PORT]");
        InetAddress a = Values.unicast(n.args.get(0), "real_server");
        int port = n.args.size() > 1 ? Values.port(n.args.get(1), "port", true) : 0;
        RealServerDef rs = new RealServerDef(n, a, port);
        for (RealServerDef other : vs.servers) {
            if (other.address.equals(a) && other.port == port) {
                throw error(n.keyword, "real_server " + Values.text(a) + " " + port + " is already defined at line "
                        + other.node.keyword.line);
            }
        }
        if (!n.hasBlock()) {
            return rs;
        }
        for (Node c : n.children) {
            if (setting(c, rs.settings, Level.REAL_SERVER) || ignored(c)) {
                continue;
            }
            if (!c.name().endsWith("_CHECK") && !c.name().endsWith("_GET")) {
                replaced(rs.seen.put(c.name().replace("lb_kind", "lvs_method"), c.keyword), c);
            }
            switch (c.name()) {
                case "weight":
                    rs.weight = Values.integer(c, 0, RealServer.MAX_WEIGHT);
                    break;
                case "lvs_method":
                case "lb_kind":
                    rs.method = method(c);
                    break;
                case "uthreshold":
                    rs.upper = (long) Values.integer(c, 0, Integer.MAX_VALUE);
                    break;
                case "lthreshold":
                    rs.lower = (long) Values.integer(c, 0, Integer.MAX_VALUE);
                    rs.lowerToken = c.args.get(0);
                    break;
                case "TCP_CHECK":
                case "HTTP_GET":
                case "MISC_CHECK":
                    CheckerDef check = checker(c);
                    if (check != null) {
                        rs.checks.add(check);
                    }
                    break;
                case "SSL_GET":
                case "SMTP_CHECK":
                case "DNS_CHECK":
                case "UDP_CHECK":
                case "PING_CHECK":
                case "FILE_CHECK":
                case "BFD_CHECK":
                    unsupported(c, "JVS has " + CHECKERS + "; the real server is not checked by it");
                    break;
                default:
                    warn(c, "unknown keyword " + c.name() + " in real_server; "
                            + (c.hasBlock() ? "block skipped" : "ignored"));
            }
        }
        return rs;
    }

    // ---- checkers

    private CheckerDef checker(Node n) {
        args(n, 0, 0, "no value, then a block");
        CheckerDef ck = new CheckerDef(n);
        boolean misc = n.name().equals("MISC_CHECK");
        boolean http = n.name().equals("HTTP_GET");
        if (n.hasBlock()) {
            for (Node c : n.children) {
                if (setting(c, ck.settings, misc ? Level.MISC_CHECKER : Level.CHECKER)) {
                    continue;
                }
                if (misc ? miscKeyword(c, ck) : connectKeyword(c, ck) || (http && httpKeyword(c, ck))) {
                    continue;
                }
                warn(c, "unknown keyword " + c.name() + " in " + n.name() + "; "
                        + (c.hasBlock() ? "block skipped" : "ignored"));
            }
        }
        if (ck.connectIp != null && ck.bindIp != null && Values.isV4(ck.connectIp) != Values.isV4(ck.bindIp)) {
            throw bad(ck.bindIpToken, "bindto", "an address of the family of connect_ip "
                    + Values.text(ck.connectIp));
        }
        if (http && ck.urls.isEmpty()) {
            warn(n, "HTTP_GET has no url with a path; checker ignored (as keepalived does)");
            return null;
        }
        if (misc && ck.command == null) {
            warn(n, "MISC_CHECK has no misc_path; checker ignored (as keepalived does)");
            return null;
        }
        return ck;
    }

    private boolean connectKeyword(Node c, CheckerDef ck) {
        switch (c.name()) {
            case "connect_ip":
                args(c, 1, 1, "an IP address");
                noBlock(c);
                ck.connectIp = Values.address(c.args.get(0), "connect_ip");
                ck.connectIpToken = c.args.get(0);
                return true;
            case "connect_port":
                args(c, 1, 1, "a port 1-65535");
                noBlock(c);
                ck.connectPort = Values.port(c.args.get(0), "connect_port", false);
                return true;
            case "bindto":
                args(c, 1, 1, "an IP address");
                noBlock(c);
                ck.bindIp = Values.address(c.args.get(0), "bindto");
                ck.bindIpToken = c.args.get(0);
                return true;
            case "bind_port":
                args(c, 1, 1, "a port 1-65535");
                noBlock(c);
                ck.bindPort = Values.port(c.args.get(0), "bind_port", false);
                return true;
            case "bind_if":
                unsupported(c, "checks use the routing table's interface");
                return true;
            case "fwmark":
                unsupported(c, "JVS does not mark check packets");
                return true;
            default:
                return false;
        }
    }

    private boolean httpKeyword(Node c, CheckerDef ck) {
        switch (c.name()) {
            case "url":
                HttpGetCheck.Url url = url(c);
                if (url != null) {
                    ck.urls.add(url);
                }
                return true;
            case "http_protocol":
                args(c, 1, 1, "1.0, 1.0C or 1.1");
                noBlock(c);
                ck.version = null;
                for (HttpGetCheck.Version v : HttpGetCheck.Version.values()) {
                    if (v.keyword().equals(c.args.get(0).text)) {
                        ck.version = v;
                    }
                }
                if (ck.version == null) {
                    throw bad(c.args.get(0), "http_protocol", "1.0, 1.0C or 1.1");
                }
                return true;
            case "fast_recovery":
                Values.flag(c); // JVS always fetches every url of a probe at once, as fast_recovery does
                return true;
            case "enable_sni":
            case "sni_name":
            case "tls_compliant":
                unsupported(c, "it is for SSL_GET, which JVS does not have");
                return true;
            default:
                return false;
        }
    }

    private HttpGetCheck.Url url(Node n) {
        args(n, 0, 0, "no value, then a block");
        requireBlock(n);
        Token path = null;
        Token digest = null;
        List<Token> codes = null;
        Token host = null;
        Map<String, Token> seen = new HashMap<>();
        for (Node c : n.children) {
            replaced(seen.put(c.name(), c.keyword), c);
            switch (c.name()) {
                case "path":
                    args(c, 1, 1, "a path such as /index.html");
                    noBlock(c);
                    path = c.args.get(0);
                    break;
                case "digest":
                    args(c, 1, 1, "32 hex digits (an MD5 digest, as genhash prints it)");
                    noBlock(c);
                    digest = c.args.get(0);
                    break;
                case "status_code":
                    args(c, 1, Integer.MAX_VALUE, "status codes or ranges in 100-599");
                    noBlock(c);
                    codes = c.args;
                    break;
                case "virtualhost":
                    args(c, 1, 1, "a host name");
                    noBlock(c);
                    host = c.args.get(0);
                    break;
                case "regex":
                case "regex_no_match":
                case "regex_options":
                case "regex_stack":
                case "regex_min_offset":
                case "regex_max_offset":
                    unsupported(c, "JVS does not match the body against regular expressions; use digest");
                    break;
                case "tls_compliant":
                    unsupported(c, "it is for SSL_GET, which JVS does not have");
                    break;
                default:
                    warn(c, "unknown keyword " + c.name() + " in url; " + (c.hasBlock() ? "block skipped" : "ignored"));
            }
        }
        if (path == null) {
            warn(n, "url has no path; ignored (as keepalived does)");
            return null;
        }
        HttpGetCheck.Url url;
        try {
            url = HttpGetCheck.Url.of(path.text);
        } catch (IllegalArgumentException e) {
            throw error(path, e.getMessage());
        }
        if (digest != null) {
            try {
                url = url.withDigest(digest.text);
            } catch (IllegalArgumentException e) {
                throw error(digest, e.getMessage());
            }
        }
        if (codes != null) {
            for (Token t : codes) {
                try {
                    HttpGetCheck.Url.of("/").withStatusCodes(t.text);
                } catch (IllegalArgumentException e) {
                    throw bad(t, "status_code", "status codes or ranges in 100-599, such as 200-299 503");
                }
            }
            StringBuilder sb = new StringBuilder();
            codes.forEach(t -> sb.append(t.text).append(' '));
            url = url.withStatusCodes(sb.toString());
        }
        if (host != null) {
            try {
                url = url.withVirtualHost(host.text);
            } catch (IllegalArgumentException e) {
                throw error(host, e.getMessage());
            }
        }
        return url;
    }

    private boolean miscKeyword(Node c, CheckerDef ck) {
        switch (c.name()) {
            case "misc_path":
                args(c, 1, Integer.MAX_VALUE, "the command line, in quotes");
                noBlock(c);
                ck.command = command(c);
                return true;
            case "misc_timeout":
                int s = Values.integer(c, 0, 86_400);
                ck.miscTimeout = s == 0 ? null : Duration.ofSeconds(s);
                return true;
            case "misc_dynamic":
                args(c, 0, 0, "no value");
                noBlock(c);
                ck.dynamic = true;
                return true;
            case "user":
                unsupported(c, "the command runs as the user JVS runs as");
                return true;
            default:
                return false;
        }
    }

    /**
     * keepalived's reading of {@code misc_path}: the line is split into words honouring both kinds of quotes, and
     * the first word after the keyword, split again with escapes, is the command and its arguments. Later words
     * are ignored by keepalived, which is worth a warning.
     */
    private List<String> command(Node n) {
        Token at = n.args.get(0);
        Token last = n.args.get(n.args.size() - 1);
        List<String> words = ScriptWords.split(at.source.text.substring(at.start, last.end), false);
        if (words == null || words.isEmpty()) {
            throw bad(at, "misc_path", "a command line with balanced quotes");
        }
        if (words.size() > 1) {
            warn(n, "misc_path: only the first word is the command line, as in keepalived; '"
                    + String.join(" ", words.subList(1, words.size())) + "' ignored (quote the whole command line)");
        }
        List<String> argv = ScriptWords.split(words.get(0), true);
        if (argv == null || argv.isEmpty() || argv.get(0).isEmpty()) {
            throw bad(at, "misc_path", "a command line with balanced quotes");
        }
        return argv;
    }

    // ---- putting a virtual server together

    private CheckedService build(VirtualServerDef vs) {
        Node n = vs.node;
        Protocol protocol = vs.protocol == null ? Protocol.TCP : vs.protocol;
        StandardProtocolFamily family = vs.family == null ? null : family(vs.family);
        StandardProtocolFamily rsFamily = !vs.servers.isEmpty() && vs.servers.get(0).address instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        List<ServiceId> ids = ids(vs, protocol, family == null ? rsFamily : family);
        if (vs.servers.isEmpty()) {
            warn(n, "virtual_server " + label(n) + " has no real servers; ignored (as keepalived does)");
            return null;
        }
        ForwardingMethod method = vs.method;
        if (method == null) {
            method = methods.contains(ForwardingMethod.NAT) ? ForwardingMethod.NAT : ForwardingMethod.FULLNAT;
            boolean anyUnset = vs.servers.stream().anyMatch(r -> r.method == null);
            if (anyUnset) {
                warn(n, "virtual_server " + label(n) + " sets no lb_kind; using " + method
                        + (method == ForwardingMethod.NAT ? " (keepalived's default)" : " (what this load balancer does)"));
            }
        }
        int vsPort = ids.get(0).isFwmark() ? 0 : ids.size() == 1 ? ids.get(0).address().getPort() : 0;
        StandardProtocolFamily serviceFamily = ids.get(0).family();

        // Real servers, with keepalived's port rule: a real server without a port takes the virtual server's.
        List<CheckedServer> servers = new ArrayList<>();
        long totalWeight = 0;
        for (RealServerDef r : vs.servers) {
            StandardProtocolFamily f = r.address instanceof Inet6Address ? StandardProtocolFamily.INET6
                    : StandardProtocolFamily.INET;
            if (f != serviceFamily) {
                throw error(r.node.args.get(0), "real_server: " + Values.text(r.address) + " (expected: an "
                        + (serviceFamily == StandardProtocolFamily.INET ? "IPv4" : "IPv6")
                        + " address, as the virtual server's)");
            }
            int port = r.port == 0 ? vsPort : r.port;
            RealServer rs = RealServer.of(new InetSocketAddress(r.address, port))
                    .withWeight(r.weight != null ? r.weight : vs.weight != null ? vs.weight : 1)
                    .withForwardingMethod(r.method != null ? r.method : method);
            if (r.upper != null || r.lower != null) {
                long upper = r.upper == null ? 0 : r.upper;
                long lower = r.lower == null ? 0 : r.lower;
                if (lower > upper) {
                    throw bad(r.lowerToken, "lthreshold", "0-" + upper + ", at most uthreshold");
                }
                rs = rs.withThresholds((int) upper, (int) lower);
            }
            totalWeight += rs.weight();
            servers.add(checkedServer(vs, r, rs));
        }
        for (int i = 0; i < servers.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (servers.get(i).address().equals(servers.get(j).address())) {
                    throw error(vs.servers.get(i).node.keyword, "real_server " + Values.text(vs.servers.get(i).address)
                            + " is the same as the one at line " + vs.servers.get(j).node.keyword.line
                            + " once the virtual server's port is applied");
                }
            }
        }

        // The virtual services: one per address or mark of the group.
        List<VirtualService> services = new ArrayList<>();
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
            warn(vs.quorumNode != null ? vs.quorumNode : n, "quorum " + quorum + " exceeds the total weight "
                    + totalWeight + " of the real servers; reduced to " + totalWeight + " (as keepalived does)");
            quorum = (int) totalWeight;
        }
        int hysteresis = vs.hysteresis == null ? 0 : vs.hysteresis;
        if (hysteresis >= quorum) {
            warn(vs.hysteresisNode, "hysteresis " + hysteresis + " is not below the quorum " + quorum + "; set to "
                    + (quorum - 1) + " (as keepalived does)");
            hysteresis = quorum - 1;
        }
        b.quorum(quorum).hysteresis(hysteresis);
        if (vs.sorry != null) {
            InetAddress a = Values.unicast(vs.sorry.args.get(0), "sorry_server");
            int port = vs.sorry.args.size() > 1 ? Values.port(vs.sorry.args.get(1), "port", true) : 0;
            if ((a instanceof Inet6Address) != (serviceFamily == StandardProtocolFamily.INET6)) {
                throw bad(vs.sorry.args.get(0), "sorry_server", "an address of the virtual server's family");
            }
            InetSocketAddress sa = new InetSocketAddress(a, port == 0 ? vsPort : port);
            if (servers.stream().anyMatch(s -> s.address().equals(sa))) {
                throw error(vs.sorry.args.get(0), "sorry_server: " + Values.text(a) + " (expected: a server that is "
                        + "not also a real server of the virtual server)");
            }
            b.sorryServer(RealServer.of(sa).withForwardingMethod(vs.sorryMethod != null ? vs.sorryMethod : method));
            b.sorryServerInhibit(vs.sorryInhibit != null);
        } else if (vs.sorryInhibit != null) {
            warn(vs.sorryInhibit, "sorry_server_inhibit without a sorry_server; ignored");
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw error(n.keyword, "virtual_server " + label(n) + ": " + e.getMessage());
        }
    }

    private static String label(Node n) {
        StringBuilder sb = new StringBuilder();
        n.args.forEach(t -> sb.append(sb.length() == 0 ? "" : " ").append(t.text));
        return sb.toString();
    }

    private List<ServiceId> ids(VirtualServerDef vs, Protocol protocol, StandardProtocolFamily family) {
        Node n = vs.node;
        args(n, 1, 2, "ADDRESS [PORT], fwmark MARK or group NAME");
        List<ServiceId> ids = new ArrayList<>();
        Token head = n.args.get(0);
        if (head.text.equals("fwmark") || head.text.equals("group")) {
            args(n, 2, 2, head.text.equals("fwmark") ? "fwmark MARK" : "group NAME");
        }
        if (head.text.equals("fwmark")) {
            long mark = Values.integer(n, 1, 1, 0xFFFFFFFFL);
            ids.add(ServiceId.fwmark((int) mark, family));
        } else if (head.text.equals("group")) {
            Group g = groups.get(n.args.get(1).text);
            if (g == null) {
                throw bad(n.args.get(1), "virtual_server group", "a virtual_server_group defined in the file"
                        + (groups.isEmpty() ? "" : ": " + Values.or(new ArrayList<>(groups.keySet()))));
            }
            g.used = true;
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
            InetAddress a = Values.address(head, "virtual_server");
            int port = n.args.size() > 1 ? Values.port(n.args.get(1), "port", true) : 0;
            ids.add(ServiceId.of(protocol, new InetSocketAddress(a, port)));
        }
        for (ServiceId id : ids) {
            Token before = defined.putIfAbsent(id, n.keyword);
            if (before != null) {
                throw error(n.keyword, "virtual_server " + label(n) + ": " + id + " is already defined at line "
                        + before.line);
            }
        }
        return ids;
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
                    InetAddress mask = Values.address(g, "persistence_granularity");
                    b.persistenceNetmask(mask);
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
            String scheduler = vs.scheduler == null ? VirtualService.DEFAULT_SCHEDULER : Values.lower(vs.scheduler.text);
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
            Endpoints e = endpoints.get(key(Integer.toUnsignedLong(id.fwmark()), id.family()));
            if (e == null) {
                warn(n, id + " has no endpoints, so it receives no traffic; list them in a fwmark_endpoints "
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
            throw error(at, "virtual_server " + label(n) + ": " + e.getMessage());
        }
    }

    private CheckedServer checkedServer(VirtualServerDef vs, RealServerDef r, RealServer rs) {
        Settings v = vs.settings;
        Settings s = r.settings;
        List<HealthCheck> checks = new ArrayList<>();
        for (CheckerDef ck : r.checks) {
            checks.add(check(vs, r, ck, rs));
        }
        CheckedServer cs = CheckedServer.of(rs).withChecks(checks)
                .withInhibitOnFailure(first(s.inhibit, v.inhibit, null, false))
                .withSlowStart(first(s.slowStart, v.slowStart, null, Duration.ZERO));
        boolean passive = first(s.passive, v.passive, null, false);
        if (passive && checks.isEmpty()) {
            throw error(r.node.keyword, "passive: on for real_server " + Values.text(r.address)
                    + " (expected: at least one checker to bring the server back up)");
        }
        return cs.withPassive(passive);
    }

    private HealthCheck check(VirtualServerDef vs, RealServerDef r, CheckerDef ck, RealServer rs) {
        Settings v = vs.settings;
        Settings s = r.settings;
        Settings c = ck.settings;
        String kind = ck.node.name();
        boolean misc = kind.equals("MISC_CHECK");
        Duration interval = first(c.delayLoop, s.delayLoop, v.delayLoop, Duration.ofSeconds(60));
        CheckSettings settings = CheckSettings.defaults()
                .withInterval(interval)
                .withTimeout(first(c.connectTimeout, s.connectTimeout, v.connectTimeout, Duration.ofSeconds(5)))
                .withRetries(first(c.retry, s.retry, v.retry, misc ? 0 : 1))
                .withRetryDelay(first(c.delayBeforeRetry, s.delayBeforeRetry, v.delayBeforeRetry,
                        Duration.ofSeconds(kind.equals("HTTP_GET") ? 3 : 1)))
                .withWarmup(first(c.warmup, s.warmup, v.warmup, interval))
                .withInitialState(first(c.alpha, s.alpha, v.alpha, false) ? HealthState.DOWN : HealthState.UP)
                .withRise(first(c.rise, s.rise, v.rise, 1))
                .withFall(first(c.fall, s.fall, v.fall, 1))
                .withJitter(first(c.jitter, s.jitter, v.jitter, 0.0))
                .withLogAllFailures(first(c.logAllFailures, null, null, false));
        if (misc) {
            CommandCheck m = CommandCheck.of(ck.command).withSettings(settings).withDynamicWeight(ck.dynamic)
                    .withTimeout(ck.miscTimeout != null ? ck.miscTimeout : first(v.delayLoop, null, null,
                            Duration.ofSeconds(60)));
            return m;
        }
        InetSocketAddress bind = ck.bindIp == null && ck.bindPort == 0 ? null : new InetSocketAddress(
                ck.bindIp != null ? ck.bindIp : wildcard(ck.connectIp != null ? ck.connectIp : r.address), ck.bindPort);
        ConnectOptions options = new ConnectOptions(ck.connectIp, ck.connectPort, bind);
        if (options.port() == 0 && rs.address().getPort() == 0) {
            throw error(ck.node.keyword, kind + ": real server " + Values.text(r.address) + " has no port, so the "
                    + "checker needs connect_port (expected: 1-65535)");
        }
        if (kind.equals("TCP_CHECK")) {
            return HealthCheck.tcp().withSettings(settings).withConnectOptions(options);
        }
        HttpGetCheck h = HttpGetCheck.of(ck.urls).withSettings(settings).withConnectOptions(options)
                .withVersion(ck.version);
        String host = first(c.virtualHost, s.virtualHost, v.virtualHost, null);
        try {
            return h.withVirtualHost(host);
        } catch (IllegalArgumentException e) {
            throw error(ck.node.keyword, e.getMessage());
        }
    }

    private static InetAddress wildcard(InetAddress like) {
        try {
            return InetAddress.getByAddress(new byte[like instanceof Inet4Address ? 4 : 16]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
