package io.jvs.keepalived;

import static io.jvs.keepalived.KeywordValues.args;
import static io.jvs.keepalived.KeywordValues.bad;
import static io.jvs.keepalived.KeywordValues.error;
import static io.jvs.keepalived.KeywordValues.noBlock;
import static io.jvs.keepalived.KeywordValues.requireBlock;

import io.jvs.api.Protocol;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The top-level blocks that virtual servers refer to: {@code virtual_server_group} (addresses, ranges
 * {@code A-B} and {@code A/len}, firewall marks) and JVS's {@code fwmark_endpoints} (where the traffic of a
 * firewall-mark service arrives).
 */
final class GroupReader {

    /** At most this many addresses in one group, so that a typo in a range cannot ask for millions. */
    static final int MAX_GROUP_ADDRESSES = 1024;

    /** One {@code virtual_server_group}. */
    static final class Group {
        final Node node;
        final String name;
        final List<InetSocketAddress> addresses = new ArrayList<>();
        final List<Long> marks = new ArrayList<>();
        /** The family of each mark, or {@code null} for the virtual server's. */
        final List<StandardProtocolFamily> markFamilies = new ArrayList<>();
        boolean used;

        Group(Node node, String name) {
            this.node = node;
            this.name = name;
        }
    }

    /** One {@code fwmark_endpoints} block: the addresses (and their protocols) a marked service listens on. */
    static final class Endpoints {
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

    private final Warnings warnings;
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final Map<String, Endpoints> endpoints = new LinkedHashMap<>();

    GroupReader(Warnings warnings) {
        this.warnings = warnings;
    }

    /** The group of that name, or {@code null}. */
    Group group(String name) {
        return groups.get(name);
    }

    /** The names of the groups defined, in file order. */
    Set<String> groupNames() {
        return groups.keySet();
    }

    /** The endpoints of a firewall mark, or {@code null}. */
    Endpoints endpoints(long mark, StandardProtocolFamily family) {
        return endpoints.get(key(mark, family));
    }

    /** Warns about the groups and endpoint blocks no virtual server used. */
    void warnUnused() {
        for (Endpoints e : endpoints.values()) {
            if (!e.used) {
                warnings.warn(e.node, "fwmark_endpoints " + e.mark + " is used by no virtual_server; ignored");
            }
        }
        for (Group g : groups.values()) {
            if (!g.used) {
                warnings.warn(g.node, "virtual_server_group " + g.name + " is used by no virtual_server; ignored");
            }
        }
    }

    /** {@code virtual_server_group NAME { ADDRESS [PORT] | RANGE [PORT] | fwmark MARK [inet|inet6] ... }}. */
    void group(Node n) {
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
                g.marks.add(KeywordValues.integer(e, 0, 1, 0xFFFFFFFFL));
                g.markFamilies.add(e.args.size() > 1 ? KeywordValues.family(e.args.get(1)) : null);
                continue;
            }
            if (e.args.size() > 1) {
                throw error(e.args.get(1), "virtual_server_group entry: unexpected '" + e.args.get(1).text
                        + "' (expected: ADDRESS [PORT], RANGE [PORT] or fwmark MARK)");
            }
            int port = e.args.isEmpty() ? 0 : KeywordValues.port(e.args.get(0), "port", true);
            for (InetAddress a : range(e.keyword)) {
                if (g.addresses.size() >= MAX_GROUP_ADDRESSES) {
                    throw bad(e.keyword, "virtual_server_group entry", "at most " + MAX_GROUP_ADDRESSES
                            + " addresses per group");
                }
                g.addresses.add(new InetSocketAddress(a, port));
            }
        }
        if (g.addresses.isEmpty() && g.marks.isEmpty()) {
            warnings.warn(n, "virtual_server_group " + g.name + " has no entries");
        }
    }

    /** The addresses of a group entry: {@code A}, {@code A-B} (last octet or group, or a full address) or {@code A/len}. */
    private static List<InetAddress> range(Token t) {
        String s = t.text;
        int slash = s.indexOf('/');
        int dash = s.lastIndexOf('-');
        if (slash < 0 && dash < 0) {
            return List.of(KeywordValues.address(t, "virtual_server_group entry"));
        }
        String expect = "ADDRESS, ADDRESS-LAST, ADDRESS-ADDRESS or ADDRESS/PREFIX with at most "
                + MAX_GROUP_ADDRESSES + " addresses";
        InetAddress first = KeywordValues.literal(s.substring(0, slash >= 0 ? slash : dash));
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
            InetAddress end = last.contains(".") || last.contains(":") ? KeywordValues.literal(last) : null;
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

    /** JVS: {@code fwmark_endpoints MARK [inet|inet6] { ADDRESS PORT [tcp|udp] ... }}. */
    void endpoints(Node n) {
        args(n, 1, 2, "a firewall mark 1-4294967295, then optionally inet or inet6");
        requireBlock(n);
        long mark = KeywordValues.integer(n, 0, 1, 0xFFFFFFFFL);
        StandardProtocolFamily family = n.args.size() > 1 ? KeywordValues.family(n.args.get(1)) : null;
        Endpoints e = null;
        for (Node entry : n.children) {
            noBlock(entry);
            if (entry.args.isEmpty() || entry.args.size() > 2) {
                throw error(entry.keyword, "fwmark_endpoints entry: " + entry.keyword.text
                        + " (expected: ADDRESS PORT, then optionally tcp or udp)");
            }
            InetAddress a = KeywordValues.address(entry.keyword, "fwmark_endpoints address");
            StandardProtocolFamily f = KeywordValues.familyOf(a);
            if (e == null) {
                e = new Endpoints(n, mark, family == null ? f : family);
                Endpoints before = endpoints.putIfAbsent(key(mark, e.family), e);
                if (before != null) {
                    throw error(n.keyword, "fwmark_endpoints " + mark + " is already defined at line "
                            + before.node.keyword.line);
                }
            }
            if (f != e.family) {
                throw bad(entry.keyword, "fwmark_endpoints address", "an address of the group's family " + e.family);
            }
            int port = KeywordValues.port(entry.args.get(0), "port", false);
            Protocol p = entry.args.size() > 1 ? KeywordValues.protocol(entry.args.get(1), "fwmark_endpoints protocol")
                    : Protocol.TCP;
            InetSocketAddress sa = new InetSocketAddress(a, port);
            for (int i = 0; i < e.addresses.size(); i++) {
                if (e.addresses.get(i).equals(sa) && e.protocols.get(i) == p) {
                    throw error(entry.keyword, "fwmark_endpoints entry: " + p + " " + KeywordValues.text(a) + " "
                            + port + " is listed twice");
                }
            }
            e.addresses.add(sa);
            e.protocols.add(p);
        }
        if (e == null) {
            warnings.warn(n, "fwmark_endpoints " + mark + " lists no endpoints");
        }
    }

    private static String key(long mark, StandardProtocolFamily family) {
        return mark + "/" + family;
    }
}
