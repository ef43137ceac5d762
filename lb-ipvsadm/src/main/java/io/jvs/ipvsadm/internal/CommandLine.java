package io.jvs.ipvsadm.internal;

import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.Protocol;
import io.jvs.ipvsadm.internal.Popt.Opt;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * ipvsadm 1.31's {@code parse_options} and the checks of {@code process_options}, in the same order, with the
 * same messages and exit statuses: the command comes first, each option is checked as it is read, then the
 * {@code --set} values, leftover arguments, scheduler flags, the command × option table, and the rules of the
 * command. JVS adds {@code --fullnat} (a forwarding method, like {@code -m}) and {@code --endpoints} (the
 * listen endpoints of a firewall-mark service).
 */
public final class CommandLine {

    /** The commands, in ipvsadm's order (the rows of its option table). */
    public enum Cmd {
        ADD("add-service"),
        EDIT("edit-service"),
        DEL("delete-service"),
        FLUSH("flush"),
        LIST("list"),
        ADDDEST("add-server"),
        DELDEST("delete-server"),
        EDITDEST("edit-server"),
        TIMEOUT("set"),
        STARTDAEMON("start-daemon"),
        STOPDAEMON("stop-daemon"),
        RESTORE("restore"),
        SAVE("save"),
        ZERO("zero");

        final String label;

        Cmd(String label) {
            this.label = label;
        }

        /** Whether the command changes the table or its counters. */
        public boolean modifies() {
            return this != LIST && this != SAVE && this != STARTDAEMON && this != STOPDAEMON;
        }
    }

    // Option bits, in ipvsadm's order (the columns of its option table); ENDPOINTS is JVS's.
    static final int NUMERIC = 0;
    static final int CONNECTION = 1;
    static final int SERVICE = 2;
    static final int SCHEDULER = 3;
    static final int PERSISTENT = 4;
    static final int NETMASK = 5;
    static final int SERVER = 6;
    static final int FORWARD = 7;
    static final int WEIGHT = 8;
    static final int UTHRESHOLD = 9;
    static final int LTHRESHOLD = 10;
    static final int MCAST = 11;
    static final int TIMEOUT = 12;
    static final int DAEMON = 13;
    static final int STATS = 14;
    static final int RATE = 15;
    static final int THRESHOLDS = 16;
    static final int PERSISTENTCONN = 17;
    static final int NOSORT = 18;
    static final int SYNCID = 19;
    static final int EXACT = 20;
    static final int ONEPACKET = 21;
    static final int PERSISTENCE_ENGINE = 22;
    static final int SCHED_FLAGS = 23;
    static final int MCAST_GROUP = 24;
    static final int MCAST_PORT = 25;
    static final int MCAST_TTL = 26;
    static final int SYNC_MAXLEN = 27;
    static final int TUN_INFO = 28;
    static final int TUN_TYPE = 29;
    static final int TUN_PORT = 30;
    static final int TUN_NOCSUM = 31;
    static final int TUN_CSUM = 32;
    static final int TUN_REMCSUM = 33;
    static final int ENDPOINTS = 34;

    static final String[] OPTNAMES = {"numeric", "connection", "service-address", "scheduler", "persistent",
        "netmask", "real-server", "forwarding-method", "weight", "u-threshold", "l-threshold", "mcast-interface",
        "timeout", "daemon", "stats", "rate", "thresholds", "persistent-conn", "nosort", "syncid", "exact", "ops",
        "pe", "sched-flags", "mcast-group", "mcast-port", "mcast-ttl", "sync-maxlen", "tun-info", "tun-type",
        "tun-port", "tun-nocsum", "tun-csum", "tun-remcsum", "endpoints"};

    /** ipvsadm's {@code commands_v_options}: '+' required, 'x' illegal, '1' one of, ' ' optional; one row per Cmd. */
    private static final String[] TABLE = {
        "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx ",
        "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx ",
        "xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        " 11xxxxxxxxx11       xxxxxxx xxxxxx",
        "xx+xxx+    xxxxxxxxxxxxxxxxxx     x",
        "xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "xx+xxx+    xxxxxxxxxxxxxxxxxx     x",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "xxxxxxxxxxx xxxxxxx xxxx    xxxxxxx",
        "xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxxx",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    };

    private static final String[] TUNNAMES = {"ipip", "gue", "gre"};
    private static final int[] TUNOPTS = {TUN_PORT, TUN_NOCSUM, TUN_CSUM, TUN_REMCSUM};
    /** ipvsadm's {@code tunnel_types_v_options}: tun-port, tun-nocsum, tun-csum, tun-remcsum per tunnel type. */
    private static final String[] TUN_TABLE = {"xxxx", "+111", "x11x"};

    // Format bits, as ipvsadm's FMT_*.
    static final int FMT_NUMERIC = 0x0001;
    static final int FMT_RULE = 0x0002;
    static final int FMT_STATS = 0x0004;
    static final int FMT_RATE = 0x0008;
    static final int FMT_THRESHOLDS = 0x0010;
    static final int FMT_PERSISTENTCONN = 0x0020;
    static final int FMT_NOSORT = 0x0040;
    static final int FMT_EXACT = 0x0080;
    static final int FMT_TUN_INFO = 0x0100;

    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int IPPROTO_TCP = 6;
    static final int IPPROTO_UDP = 17;
    static final int IPPROTO_SCTP = 132;

    static final int SVC_F_PERSISTENT = 0x0001;
    static final int SVC_F_ONEPACKET = 0x0004;
    static final int SVC_F_SCHED1 = 0x0008;
    static final int SVC_F_SCHED2 = 0x0010;
    static final int SVC_F_SCHED3 = 0x0020;

    static final String DEF_SCHED = "wlc";
    static final int PERSISTENT_TIMEOUT = 360;
    static final int MAX_TIMEOUT = 86400 * 31;

    private static final int SERVICE_ADDR = 1;
    private static final int SERVICE_PORT = 2;

    /** A parsed command: ipvsadm's {@code struct ipvs_command_entry} plus its option and format bits. */
    static final class Command {
        Cmd cmd;
        long options;
        int format;
        // The virtual service.
        int af;
        int protocol;
        InetAddress addr;
        int port;
        long fwmark;
        String sched = "";
        int flags;
        int timeout;
        long netmask = 0xffffffffL;
        String pe = "";
        String schedFlagsArg;
        // The real server.
        int destAf;
        InetAddress destAddr;
        int destPort;
        /** Null: the director's default method. */
        ForwardingMethod fwd;
        int weight = 1;
        int uThreshold;
        int lThreshold;
        int tunType;
        /** --tun-port; 0 when not given. */
        int tunPort;
        // --set
        int tcp;
        int tcpFin;
        int udp;
        /** JVS --endpoints; null when not given. */
        List<Endpoint> endpoints;

        boolean has(int option) {
            return (options & (1L << option)) != 0;
        }

        boolean isFwmark() {
            return fwmark != 0;
        }
    }

    /** The outcome of parsing: a command, or a popt error already printed (status 255, no exit). */
    static final class Parsed {
        final Command command;

        Parsed(Command command) {
            this.command = command;
        }
    }

    private final Names names;
    private final Out out;

    CommandLine(Names names, Out out) {
        this.names = names;
        this.out = out;
    }

    /**
     * The command an argument vector names, if its first option is one, without checking the rest: what a client
     * needs to know to send standard input ({@code -R}) or a daemon to know whether to log it.
     */
    public static Cmd peek(List<String> args) {
        String[] argv = new String[args.size() + 1];
        argv[0] = Usage.PROGRAM;
        for (int i = 0; i < args.size(); i++) {
            argv[i + 1] = args.get(i);
        }
        Popt popt = new Popt(argv);
        if (popt.next() != 0) {
            return null;
        }
        return commandOf(popt.opt);
    }

    private static Cmd commandOf(Opt opt) {
        switch (opt) {
            case ADD_SERVICE:
                return Cmd.ADD;
            case EDIT_SERVICE:
                return Cmd.EDIT;
            case DELETE_SERVICE:
                return Cmd.DEL;
            case ADD_SERVER:
                return Cmd.ADDDEST;
            case EDIT_SERVER:
                return Cmd.EDITDEST;
            case DELETE_SERVER:
                return Cmd.DELDEST;
            case CLEAR:
                return Cmd.FLUSH;
            case LIST:
            case LIST_LOWER:
                return Cmd.LIST;
            case ZERO:
                return Cmd.ZERO;
            case SET:
                return Cmd.TIMEOUT;
            case RESTORE:
                return Cmd.RESTORE;
            case SAVE:
                return Cmd.SAVE;
            case START_DAEMON:
                return Cmd.STARTDAEMON;
            case STOP_DAEMON:
                return Cmd.STOPDAEMON;
            default:
                return null;
        }
    }

    /**
     * Parses and checks {@code argv} (program name first).
     *
     * @return the command, or null after a popt error (printed; the caller returns -1)
     * @throws Exit when ipvsadm would exit: argument errors (2), an unusable command (255), -h and -v (0)
     */
    Command parse(String[] argv) {
        Command ce = new Command();
        Popt popt = new Popt(argv);
        int c = popt.next();
        if (c < 0) {
            throw tryhelp();
        }
        Cmd cmd = commandOf(popt.opt);
        if (cmd == null) {
            if (popt.opt == Opt.HELP) {
                out.print(Usage.text());
                throw new Exit(0);
            }
            if (popt.opt == Opt.VERSION) {
                out.print(Usage.version()).print("\n");
                throw new Exit(0);
            }
            throw tryhelp();
        }
        ce.cmd = cmd;
        if (cmd == Cmd.STARTDAEMON || cmd == Cmd.STOPDAEMON) {
            String state = popt.arg;
            if (!"master".equals(state) && !"backup".equals(state)) {
                throw out.fail(2, cmd == Cmd.STARTDAEMON ? "illegal start-daemon parameter specified"
                        : "illegal start_daemon specified");
            }
        }
        while ((c = popt.next()) == 0) {
            option(ce, popt);
        }
        if (c < Popt.END) {
            out.error(popt.badOption() + ": " + Popt.strerror(c));
            return null;
        }
        if (ce.cmd == Cmd.TIMEOUT) {
            String a = popt.nextLeftover();
            String b = a == null ? null : popt.nextLeftover();
            String d = b == null ? null : popt.nextLeftover();
            if (d == null) {
                throw out.fail(2, "--set option requires 3 timeout values");
            }
            ce.tcp = parseTimeout(a, 0, MAX_TIMEOUT);
            ce.tcpFin = parseTimeout(b, 0, MAX_TIMEOUT);
            ce.udp = parseTimeout(d, 0, MAX_TIMEOUT);
        }
        String extra = popt.nextLeftover();
        if (extra != null) {
            throw out.fail(2, "unexpected argument " + extra);
        }
        if (ce.schedFlagsArg != null && !ce.schedFlagsArg.isEmpty()) {
            ce.flags &= ~(SVC_F_SCHED1 | SVC_F_SCHED2 | SVC_F_SCHED3);
            ce.flags |= parseSchedFlags(ce.sched, ce.schedFlagsArg);
        }
        checkTable(ce.cmd, ce.options);
        if (ce.cmd == Cmd.ADD || ce.cmd == Cmd.EDIT) {
            if (!ce.isFwmark() && ce.port == 0 && (ce.flags & SVC_F_PERSISTENT) == 0) {
                throw out.fail(2, "Zero port specified for non-persistent service");
            }
            if ((ce.flags & SVC_F_ONEPACKET) != 0 && !ce.isFwmark() && ce.protocol != IPPROTO_UDP) {
                throw out.fail(2, "One-Packet Scheduling is only for UDP virtual services");
            }
            if (ce.sched.isEmpty()) {
                ce.sched = DEF_SCHED;
            }
            if (ce.endpoints != null) {
                if (!ce.isFwmark()) {
                    throw out.fail(2, "The 'endpoints' option is only for firewall-mark services (-f)");
                }
                for (Endpoint e : ce.endpoints) {
                    boolean v6 = e.address().getAddress() instanceof Inet6Address;
                    if (v6 != (ce.af == AF_INET6)) {
                        throw out.fail(2, "endpoint `" + endpointText(e) + "' is not of the service's address "
                                + "family (IPv6 endpoints need -6 after -f)");
                    }
                }
            }
        }
        if (ce.cmd == Cmd.ADDDEST || ce.cmd == Cmd.EDITDEST) {
            if (!ce.isFwmark() && (ce.fwd == ForwardingMethod.TUN || ce.fwd == ForwardingMethod.DR)) {
                ce.destPort = ce.port;
            }
            if (ce.destAf != ce.af && ce.fwd != ForwardingMethod.TUN) {
                throw out.fail(2, "Different address family is allowed only for tunneling servers");
            }
            if ((ce.has(TUN_TYPE) || ce.has(TUN_PORT) || ce.has(TUN_NOCSUM) || ce.has(TUN_CSUM)
                    || ce.has(TUN_REMCSUM)) && ce.fwd != ForwardingMethod.TUN) {
                throw out.fail(2, "Tunnel options conflict with forward method");
            }
            checkTunnel(ce.tunType, ce.options);
        }
        if (ce.cmd == Cmd.LIST && ((ce.options & bits(CONNECTION, TIMEOUT, DAEMON)) != 0
                && (ce.options & bits(STATS, RATE, THRESHOLDS)) != 0
                || (ce.options & bits(TIMEOUT, DAEMON)) != 0 && ce.has(PERSISTENTCONN))) {
            throw out.fail(2, "options conflicts in the list command");
        }
        return ce;
    }

    private void option(Command ce, Popt popt) {
        String arg = popt.arg;
        switch (popt.opt) {
            case TCP_SERVICE:
            case UDP_SERVICE:
            case SCTP_SERVICE:
                set(ce, SERVICE);
                ce.protocol = popt.opt == Opt.TCP_SERVICE ? IPPROTO_TCP
                        : popt.opt == Opt.UDP_SERVICE ? IPPROTO_UDP : IPPROTO_SCTP;
                if ((parseService(arg, ce, true) & SERVICE_ADDR) == 0) {
                    throw out.fail(2, "illegal virtual server address[:port] specified");
                }
                break;
            case FWMARK_SERVICE:
                set(ce, SERVICE);
                ce.af = AF_INET;
                ce.protocol = IPPROTO_TCP;
                ce.fwmark = parseFwmark(arg);
                break;
            case SCHEDULER:
                set(ce, SCHEDULER);
                ce.sched = arg.length() > 15 ? arg.substring(0, 15) : arg;
                break;
            case PERSISTENT:
                set(ce, PERSISTENT);
                ce.flags |= SVC_F_PERSISTENT;
                ce.timeout = arg == null ? PERSISTENT_TIMEOUT : parseTimeout(arg, 1, MAX_TIMEOUT);
                break;
            case NETMASK:
                set(ce, NETMASK);
                if (ce.af != AF_INET6) {
                    Long mask = parseNetmask(arg);
                    if (mask == null) {
                        throw out.fail(2, "illegal virtual server persistent mask specified");
                    }
                    ce.netmask = mask;
                } else {
                    long prefix = Inet.atoi(arg);
                    if (prefix < 1 || prefix > 128) {
                        throw out.fail(2, "illegal ipv6 netmask specified");
                    }
                    ce.netmask = prefix;
                }
                break;
            case REAL_SERVER: {
                set(ce, SERVER);
                Command t = new Command();
                t.af = ce.af;
                t.addr = ce.addr;
                t.port = ce.port;
                t.protocol = ce.protocol;
                int parse = parseService(arg, t, false);
                ce.destAf = t.af;
                ce.destAddr = t.addr;
                ce.destPort = t.port;
                if ((parse & SERVICE_ADDR) == 0) {
                    throw out.fail(2, "illegal real server address[:port] specified");
                }
                if (parse == SERVICE_ADDR) {
                    ce.destPort = ce.port;
                }
                break;
            }
            case IPIP:
                set(ce, FORWARD);
                ce.fwd = ForwardingMethod.TUN;
                break;
            case GATEWAYING:
                set(ce, FORWARD);
                ce.fwd = ForwardingMethod.DR;
                break;
            case MASQUERADING:
                set(ce, FORWARD);
                ce.fwd = ForwardingMethod.NAT;
                break;
            case FULLNAT:
                set(ce, FORWARD);
                ce.fwd = ForwardingMethod.FULLNAT;
                break;
            case WEIGHT:
                set(ce, WEIGHT);
                ce.weight = (int) number(arg, 0, 65535, "illegal weight specified");
                break;
            case U_THRESHOLD:
                set(ce, UTHRESHOLD);
                ce.uThreshold = (int) number(arg, 0, Integer.MAX_VALUE, "illegal u_threshold specified");
                break;
            case L_THRESHOLD:
                set(ce, LTHRESHOLD);
                ce.lThreshold = (int) number(arg, 0, Integer.MAX_VALUE, "illegal l_threshold specified");
                break;
            case CONNECTION:
                set(ce, CONNECTION);
                break;
            case NUMERIC:
                set(ce, NUMERIC);
                ce.format |= FMT_NUMERIC;
                break;
            case MCAST_INTERFACE:
                set(ce, MCAST);
                break;
            case SYNCID:
                set(ce, SYNCID);
                number(arg, 0, 255, "illegal syncid specified");
                break;
            case TIMEOUT:
                set(ce, TIMEOUT);
                break;
            case DAEMON:
                set(ce, DAEMON);
                break;
            case STATS:
                set(ce, STATS);
                ce.format |= FMT_STATS;
                break;
            case RATE:
                set(ce, RATE);
                ce.format |= FMT_RATE;
                break;
            case THRESHOLDS:
                set(ce, THRESHOLDS);
                ce.format |= FMT_THRESHOLDS;
                break;
            case PERSISTENT_CONN:
                set(ce, PERSISTENTCONN);
                ce.format |= FMT_PERSISTENTCONN;
                break;
            case NOSORT:
                set(ce, NOSORT);
                ce.format |= FMT_NOSORT;
                break;
            case SORT:
                break; // the default; accepted for compatibility
            case EXACT:
                set(ce, EXACT);
                ce.format |= FMT_EXACT;
                break;
            case IPV6:
                if (ce.isFwmark()) {
                    ce.af = AF_INET6;
                    ce.netmask = 128;
                } else {
                    throw out.fail(2, "-6 used before -f\n");
                }
                break;
            case OPS:
                set(ce, ONEPACKET);
                ce.flags |= SVC_F_ONEPACKET;
                break;
            case PE:
                set(ce, PERSISTENCE_ENGINE);
                ce.pe = arg;
                break;
            case SCHED_FLAGS:
                set(ce, SCHED_FLAGS);
                ce.schedFlagsArg = arg.length() > 127 ? arg.substring(0, 127) : arg;
                break;
            case MCAST_GROUP:
                set(ce, MCAST_GROUP);
                mcastGroup(arg);
                break;
            case MCAST_PORT:
                set(ce, MCAST_PORT);
                number(arg, 1, 65535, "illegal mcast-port specified");
                break;
            case MCAST_TTL:
                set(ce, MCAST_TTL);
                number(arg, 1, 255, "illegal mcast-ttl specified");
                break;
            case SYNC_MAXLEN:
                set(ce, SYNC_MAXLEN);
                number(arg, 1, 65535 - 20 - 8, "illegal sync-maxlen specified");
                break;
            case TUN_INFO:
                set(ce, TUN_INFO);
                ce.format |= FMT_TUN_INFO;
                break;
            case TUN_TYPE: {
                set(ce, TUN_TYPE);
                int type = List.of(TUNNAMES).indexOf(arg);
                if (type < 0) {
                    throw out.fail(2, "illegal tunnel type specified");
                }
                ce.tunType = type;
                break;
            }
            case TUN_PORT:
                set(ce, TUN_PORT);
                ce.tunPort = (int) number(arg, 1, 65535, "illegal tunnel port specified");
                break;
            case TUN_NOCSUM:
                set(ce, TUN_NOCSUM);
                break;
            case TUN_CSUM:
                set(ce, TUN_CSUM);
                break;
            case TUN_REMCSUM:
                set(ce, TUN_REMCSUM);
                break;
            case ENDPOINTS:
                set(ce, ENDPOINTS);
                ce.endpoints = parseEndpoints(arg);
                break;
            default:
                // A command where an option belongs (ipvsadm has no "multiple commands" check on this path).
                throw out.fail(2, "invalid option `" + popt.badOption() + "'");
        }
    }

    private void mcastGroup(String arg) {
        if (arg.indexOf(':') >= 0) {
            Inet6Address a = Inet.pton6(arg);
            if (a == null || !a.isMulticastAddress()) {
                throw out.fail(2, "invalid IPv6 mcast-group `" + arg + "'");
            }
        } else {
            byte[] a = Inet.pton4(arg);
            if (a == null || (a[0] & 0xf0) != 0xe0) {
                throw out.fail(2, "invalid IPv4 mcast-group `" + arg + "'");
            }
        }
    }

    private static long bits(int... options) {
        long b = 0;
        for (int o : options) {
            b |= 1L << o;
        }
        return b;
    }

    private void set(Command ce, int option) {
        long bit = 1L << option;
        if ((ce.options & bit) != 0) {
            throw out.fail(2, "multiple '" + OPTNAMES[option] + "' options specified");
        }
        ce.options |= bit;
    }

    private long number(String s, long min, long max, String message) {
        long v = Inet.stringToNumber(s, min, max);
        if (v == -1) {
            throw out.fail(2, message);
        }
        return v;
    }

    private int parseTimeout(String s, int min, int max) {
        long v = Inet.stringToNumber(s, min, max);
        if (v == -1) {
            throw out.fail(2, "invalid timeout value `" + s + "' specified");
        }
        return (int) v;
    }

    private long parseFwmark(String s) {
        long v = Inet.stringToNumber(s, 1, 0xffffffffL);
        if (v == -1) {
            throw out.fail(2, "invalid fwmark value `" + s + "' specified");
        }
        return v;
    }

    /** ipvsadm's {@code parse_netmask}: {@code inet_aton}, else a host name; the mask as a 32-bit number. */
    private Long parseNetmask(String s) {
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
    private int parseService(String buf, Command svc, boolean service) {
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

    private int parseSchedFlags(String sched, String arg) {
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

    private void checkTable(Cmd cmd, long options) {
        String row = TABLE[cmd.ordinal()];
        int last = 0;
        int count = 0;
        for (int j = 0; j < OPTNAMES.length; j++) {
            char rule = row.charAt(j);
            if ((options & (1L << j)) == 0) {
                if (rule == '+') {
                    throw out.fail(2, "You need to supply the '" + OPTNAMES[j] + "' option for the '" + cmd.label
                            + "' command");
                }
            } else {
                if (rule == 'x') {
                    throw out.fail(2, "Illegal '" + OPTNAMES[j] + "' option with the '" + cmd.label + "' command");
                }
                if (rule == '1') {
                    if (++count == 1) {
                        last = j;
                        continue;
                    }
                    throw out.fail(2, "The option '" + OPTNAMES[j] + "' conflicts with the '" + OPTNAMES[last]
                            + "' option in the '" + cmd.label + "' command");
                }
            }
        }
    }

    private void checkTunnel(int type, long options) {
        String row = TUN_TABLE[type];
        int last = 0;
        int count = 0;
        for (int j = 0; j < TUNOPTS.length; j++) {
            int k = TUNOPTS[j];
            char rule = row.charAt(j);
            if ((options & (1L << k)) == 0) {
                if (rule == '+') {
                    throw out.fail(2, "You need to supply the '" + OPTNAMES[k] + "' option for the '" + TUNNAMES[type]
                            + "' tunnel type");
                }
            } else {
                if (rule == 'x') {
                    throw out.fail(2, "Illegal '" + OPTNAMES[k] + "' option with the '" + TUNNAMES[type]
                            + "' tunnel type");
                }
                if (rule == '1') {
                    if (++count == 1) {
                        last = k;
                        continue;
                    }
                    throw out.fail(2, "The option '" + OPTNAMES[k] + "' conflicts with the '" + OPTNAMES[last]
                            + "' option in the '" + TUNNAMES[type] + "' tunnel type");
                }
            }
        }
    }

    /**
     * JVS {@code --endpoints}: a comma-separated list of {@code tcp:HOST:PORT} and {@code udp:HOST:PORT}
     * ({@code tcp:[2001:db8::1]:443} for IPv6), each HOST an address or an IPv4 host name and each PORT 1-65535 or
     * a service name. An empty list is allowed (the mark then receives nothing).
     */
    private List<Endpoint> parseEndpoints(String arg) {
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
            Command t = new Command();
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

    private Exit tryhelp() {
        out.error("Try `" + Usage.PROGRAM + " -h' or '" + Usage.PROGRAM + " --help' for more information.");
        return new Exit(255);
    }
}
