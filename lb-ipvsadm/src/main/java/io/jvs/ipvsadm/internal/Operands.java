package io.jvs.ipvsadm.internal;

import static io.jvs.ipvsadm.internal.CommandEntry.AF_INET6;
import static io.jvs.ipvsadm.internal.CommandEntry.AF_INET;
import static io.jvs.ipvsadm.internal.CommandEntry.DEF_SCHED;
import static io.jvs.ipvsadm.internal.CommandEntry.IPPROTO_SCTP;
import static io.jvs.ipvsadm.internal.CommandEntry.IPPROTO_TCP;
import static io.jvs.ipvsadm.internal.CommandEntry.IPPROTO_UDP;
import static io.jvs.ipvsadm.internal.CommandEntry.SVC_F_SCHED1;
import static io.jvs.ipvsadm.internal.CommandEntry.SVC_F_SCHED2;
import static io.jvs.ipvsadm.internal.CommandEntry.SVC_F_SCHED3;

import io.jvs.api.Endpoint;
import io.jvs.api.Protocol;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The values of ipvsadm's options, parsed as ipvsadm parses them ({@code parse_service}, {@code parse_netmask},
 * {@code parse_timeout}, {@code parse_sched_flags}, ...), with its messages; and JVS's {@code --endpoints}.
 */
final class Operands {

    static final int SERVICE_ADDR = 1;
    static final int SERVICE_PORT = 2;

    private final Names names;
    private final Out out;

    Operands(Names names, Out out) {
        this.names = names;
        this.out = out;
    }

    InetAddress mcastGroup(String arg) {
        if (arg.indexOf(':') >= 0) {
            Inet6Address a = Inet.pton6(arg);
            if (a == null || !a.isMulticastAddress()) {
                throw out.fail(2, "invalid IPv6 mcast-group `" + arg + "'");
            }
            return a;
        }
        byte[] a = Inet.pton4(arg);
        if (a == null || (a[0] & 0xf0) != 0xe0) {
            throw out.fail(2, "invalid IPv4 mcast-group `" + arg + "'");
        }
        try {
            return InetAddress.getByAddress(a);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    long number(String s, long min, long max, String message) {
        long v = Inet.stringToNumber(s, min, max);
        if (v == -1) {
            throw out.fail(2, message);
        }
        return v;
    }

    int parseTimeout(String s, int min, int max) {
        long v = Inet.stringToNumber(s, min, max);
        if (v == -1) {
            throw out.fail(2, "invalid timeout value `" + s + "' specified");
        }
        return (int) v;
    }

    long parseFwmark(String s) {
        long v = Inet.stringToNumber(s, 1, 0xffffffffL);
        if (v == -1) {
            throw out.fail(2, "invalid fwmark value `" + s + "' specified");
        }
        return v;
    }

    /** ipvsadm's {@code parse_netmask}: {@code inet_aton}, else a host name; the mask as a 32-bit number. */
    Long parseNetmask(String s) {
        Long v = Inet.aton(s);
        if (v != null) {
            return v;
        }
        Inet4Address a = names.hostToIpv4(s);
        return a == null ? null : (long) a.hashCode() & 0xffffffffL;
    }

    /**
     * ipvsadm's {@code parse_service}: {@code [v6]:port}, a bare IPv6 address, or an IPv4 address or host name
     * with an optional {@code :port}; a port is a number or a service name of the protocol. Sets the family,
     * address and port of {@code svc} (and the IPv6 netmask of a service).
     *
     * @return SERVICE_ADDR, plus SERVICE_PORT if a port was given; 0 if unusable
     */
    int parseService(String buf, CommandEntry svc, boolean service) {
        if (buf == null || isAllDigits(buf)) {
            return 0;
        }
        String host = buf;
        String port = null;
        boolean portGiven = false;
        if (buf.startsWith("[")) {
            int close = buf.indexOf(']', 1);
            if (close < 0) {
                return 0;
            }
            host = buf.substring(1, close);
            String rest = buf.substring(close + 1);
            if (!rest.startsWith(":")) {
                return 0;
            }
            port = rest.substring(1);
            portGiven = true;
        }
        Inet6Address v6 = Inet.pton6(host);
        if (v6 != null) {
            svc.addr = v6;
            svc.af = AF_INET6;
            if (service) {
                svc.netmask = 128;
            }
        } else {
            // As in ipvsadm, an IPv4 address in brackets loses its port: the colon is looked for in the host.
            int colon = host.lastIndexOf(':');
            portGiven = colon >= 0;
            if (colon >= 0) {
                port = host.substring(colon + 1);
                host = host.substring(0, colon);
            }
            InetAddress a = Inet.atonAddress(host);
            if (a == null) {
                a = names.hostToIpv4(host);
            }
            if (a == null) {
                return 0;
            }
            svc.addr = a;
            svc.af = AF_INET;
        }
        int result = SERVICE_ADDR;
        if (portGiven) {
            result |= SERVICE_PORT;
            long p = Inet.stringToNumber(port, 0, 65535);
            if (p == -1) {
                p = serviceToPort(port, svc.protocol);
            }
            if (p == -1) {
                return 0;
            }
            svc.port = (int) p;
        }
        return result;
    }

    private int serviceToPort(String name, int protocol) {
        String proto = protocolName(protocol);
        return proto == null ? -1 : names.serviceToPort(name, proto);
    }

    /** {@code tcp}, {@code udp}, {@code sctp}, or null for any other protocol. */
    static String protocolName(int protocol) {
        switch (protocol) {
            case IPPROTO_TCP:
                return "tcp";
            case IPPROTO_UDP:
                return "udp";
            case IPPROTO_SCTP:
                return "sctp";
            default:
                return null;
        }
    }

    private static boolean isAllDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!Inet.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    int parseSchedFlags(String sched, String arg) {
        String s = sched.isEmpty() ? DEF_SCHED : sched;
        int flags = 0;
        List<String> tokens = new ArrayList<>();
        for (String t : arg.split(",")) {
            if (!t.isEmpty()) {
                tokens.add(t);
            }
        }
        if (tokens.isEmpty()) {
            throw out.fail(2, "invalid scheduler flag `'");
        }
        for (String flag : tokens) {
            switch (flag) {
                case "flag-1":
                    flags |= SVC_F_SCHED1;
                    break;
                case "flag-2":
                    flags |= SVC_F_SCHED2;
                    break;
                case "flag-3":
                    flags |= SVC_F_SCHED3;
                    break;
                case "sh-fallback":
                case "sh-port":
                case "mh-fallback":
                case "mh-port":
                    flags |= flag.endsWith("fallback") ? SVC_F_SCHED1 : SVC_F_SCHED2;
                    if (!s.equals(flag.substring(0, 2))) {
                        throw out.fail(2, "incompatible scheduler flag `" + flag + "'");
                    }
                    break;
                default:
                    throw out.fail(2, "invalid scheduler flag `" + flag + "'");
            }
        }
        return flags;
    }

    /**
     * JVS {@code --endpoints}: a comma-separated list of {@code tcp:HOST:PORT} and {@code udp:HOST:PORT}
     * ({@code tcp:[2001:db8::1]:443} for IPv6), each HOST an address or an IPv4 host name and each PORT 1-65535 or
     * a service name. An empty list is allowed (the mark then receives nothing).
     */
    List<Endpoint> parseEndpoints(String arg) {
        List<Endpoint> list = new ArrayList<>();
        if (arg.isEmpty()) {
            return list;
        }
        for (String item : arg.split(",", -1)) {
            int colon = item.indexOf(':');
            Protocol protocol = null;
            if (colon > 0) {
                String p = item.substring(0, colon).toLowerCase(Locale.ROOT);
                protocol = p.equals("tcp") ? Protocol.TCP : p.equals("udp") ? Protocol.UDP : null;
            }
            CommandEntry t = new CommandEntry();
            t.protocol = protocol == Protocol.UDP ? IPPROTO_UDP : IPPROTO_TCP;
            if (protocol == null || parseService(item.substring(colon + 1), t, false) != (SERVICE_ADDR | SERVICE_PORT)
                    || t.port == 0) {
                throw out.fail(2, "illegal endpoint `" + item + "' specified (expected: tcp:HOST:PORT or "
                        + "udp:HOST:PORT, PORT 1-65535)");
            }
            Endpoint e = Endpoint.of(protocol, new InetSocketAddress(t.addr, t.port));
            if (list.contains(e)) {
                throw out.fail(2, "endpoint `" + item + "' specified twice");
            }
            list.add(e);
        }
        return list;
    }

    /** {@code tcp:10.0.0.1:80}, {@code udp:[2001:db8::1]:53}: the form {@code --endpoints} takes. */
    static String endpointText(Endpoint e) {
        return e.protocol().name().toLowerCase(Locale.ROOT) + ":" + io.jvs.api.internal.Addresses.toString(e.address());
    }
}
