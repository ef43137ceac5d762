package io.jvs.ipvsadm.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The option scanner of libpopt as ipvsadm uses it: long options ({@code --weight 3}, {@code --weight=3}), clusters of
 * short options ({@code -Ln}), a short option's argument attached or separate ({@code -w3}, {@code -w=3},
 * {@code -w 3}), optional arguments that are not taken when the next word starts with {@code -} ({@code -p}),
 * {@code --} ending the options, and every other word kept as a leftover argument.
 */
final class Popt {

    /** No more options. */
    static final int END = -1;
    /** popt {@code POPT_ERROR_NOARG}: "missing argument". */
    static final int NOARG = -10;
    /** popt {@code POPT_ERROR_BADOPT}: "unknown option". */
    static final int BADOPT = -11;
    /** popt {@code POPT_ERROR_UNWANTEDARG}: "option does not take an argument". */
    static final int UNWANTEDARG = -12;

    /** How an option takes its argument. */
    enum Arg {
        NONE,
        REQUIRED,
        OPTIONAL
    }

    /** ipvsadm's option table (plus the JVS extensions {@code --fullnat} and {@code --endpoints}). */
    enum Opt {
        ADD_SERVICE("add-service", 'A', Arg.NONE),
        EDIT_SERVICE("edit-service", 'E', Arg.NONE),
        DELETE_SERVICE("delete-service", 'D', Arg.NONE),
        CLEAR("clear", 'C', Arg.NONE),
        LIST("list", 'L', Arg.NONE),
        LIST_LOWER("list", 'l', Arg.NONE),
        ZERO("zero", 'Z', Arg.NONE),
        ADD_SERVER("add-server", 'a', Arg.NONE),
        EDIT_SERVER("edit-server", 'e', Arg.NONE),
        DELETE_SERVER("delete-server", 'd', Arg.NONE),
        SET("set", '\0', Arg.NONE),
        HELP("help", 'h', Arg.NONE),
        VERSION("version", 'v', Arg.NONE),
        RESTORE("restore", 'R', Arg.NONE),
        SAVE("save", 'S', Arg.NONE),
        START_DAEMON("start-daemon", '\0', Arg.REQUIRED),
        STOP_DAEMON("stop-daemon", '\0', Arg.REQUIRED),
        TCP_SERVICE("tcp-service", 't', Arg.REQUIRED),
        UDP_SERVICE("udp-service", 'u', Arg.REQUIRED),
        SCTP_SERVICE("sctp-service", '\0', Arg.REQUIRED),
        FWMARK_SERVICE("fwmark-service", 'f', Arg.REQUIRED),
        SCHEDULER("scheduler", 's', Arg.REQUIRED),
        PERSISTENT("persistent", 'p', Arg.OPTIONAL),
        NETMASK("netmask", 'M', Arg.REQUIRED),
        REAL_SERVER("real-server", 'r', Arg.REQUIRED),
        MASQUERADING("masquerading", 'm', Arg.NONE),
        IPIP("ipip", 'i', Arg.NONE),
        GATEWAYING("gatewaying", 'g', Arg.NONE),
        WEIGHT("weight", 'w', Arg.REQUIRED),
        U_THRESHOLD("u-threshold", 'x', Arg.REQUIRED),
        L_THRESHOLD("l-threshold", 'y', Arg.REQUIRED),
        NUMERIC("numeric", 'n', Arg.NONE),
        CONNECTION("connection", 'c', Arg.NONE),
        MCAST_INTERFACE("mcast-interface", '\0', Arg.REQUIRED),
        SYNCID("syncid", '\0', Arg.REQUIRED),
        TIMEOUT("timeout", '\0', Arg.NONE),
        DAEMON("daemon", '\0', Arg.NONE),
        STATS("stats", '\0', Arg.NONE),
        RATE("rate", '\0', Arg.NONE),
        THRESHOLDS("thresholds", '\0', Arg.NONE),
        PERSISTENT_CONN("persistent-conn", '\0', Arg.NONE),
        NOSORT("nosort", '\0', Arg.NONE),
        SORT("sort", '\0', Arg.NONE),
        EXACT("exact", 'X', Arg.NONE),
        IPV6("ipv6", '6', Arg.NONE),
        OPS("ops", 'o', Arg.NONE),
        PE("pe", '\0', Arg.REQUIRED),
        SCHED_FLAGS("sched-flags", 'b', Arg.REQUIRED),
        MCAST_GROUP("mcast-group", '\0', Arg.REQUIRED),
        MCAST_PORT("mcast-port", '\0', Arg.REQUIRED),
        MCAST_TTL("mcast-ttl", '\0', Arg.REQUIRED),
        SYNC_MAXLEN("sync-maxlen", '\0', Arg.REQUIRED),
        TUN_INFO("tun-info", '\0', Arg.NONE),
        TUN_TYPE("tun-type", '\0', Arg.REQUIRED),
        TUN_PORT("tun-port", '\0', Arg.REQUIRED),
        TUN_NOCSUM("tun-nocsum", '\0', Arg.NONE),
        TUN_CSUM("tun-csum", '\0', Arg.NONE),
        TUN_REMCSUM("tun-remcsum", '\0', Arg.NONE),
        /** JVS: full NAT, the director's own default forwarding method. */
        FULLNAT("fullnat", '\0', Arg.NONE),
        /** JVS: the endpoints a firewall-mark service listens on. */
        ENDPOINTS("endpoints", '\0', Arg.REQUIRED);

        final String longName;
        final char shortName;
        final Arg arg;

        Opt(String longName, char shortName, Arg arg) {
            this.longName = longName;
            this.shortName = shortName;
            this.arg = arg;
        }

        static Opt byLong(String name) {
            for (Opt o : values()) {
                if (o.longName.equals(name)) {
                    return o;
                }
            }
            return null;
        }

        static Opt byShort(char c) {
            for (Opt o : values()) {
                if (o.shortName != '\0' && o.shortName == c) {
                    return o;
                }
            }
            return null;
        }
    }

    private final String[] argv;
    private int next = 1;
    private String nextCharArg;
    private boolean restLeftover;
    private final List<String> leftovers = new ArrayList<>();
    private int leftoverIndex;

    /** The option found by the last {@link #next()}, and its argument (null when it has none). */
    Opt opt;
    String arg;

    /** @param argv the program name, then the arguments */
    Popt(String[] argv) {
        this.argv = argv;
    }

    /**
     * Scans to the next option.
     *
     * @return 0 with {@link #opt} and {@link #arg} set, {@link #END}, or a negative popt error
     */
    int next() {
        String longArg = null;
        Opt found = null;
        while (found == null) {
            if (nextCharArg == null) {
                if (next >= argv.length) {
                    return END;
                }
                String word = argv[next++];
                if (restLeftover || !word.startsWith("-") || word.equals("-")) {
                    leftovers.add(word);
                    continue;
                }
                if (word.equals("--")) {
                    restLeftover = true;
                    continue;
                }
                if (word.startsWith("--")) {
                    String name = word.substring(2);
                    int eq = name.indexOf('=');
                    if (eq >= 0) {
                        longArg = name.substring(eq + 1);
                        name = name.substring(0, eq);
                    }
                    found = Opt.byLong(name);
                    if (found == null) {
                        return BADOPT;
                    }
                } else {
                    nextCharArg = word.substring(1); // a cluster of short options
                }
            }
            if (found == null) {
                String cluster = nextCharArg;
                nextCharArg = null;
                found = Opt.byShort(cluster.charAt(0));
                if (found == null) {
                    return BADOPT;
                }
                if (cluster.length() > 1) {
                    nextCharArg = cluster.substring(1);
                }
            }
        }
        opt = found;
        arg = null;
        if (found.arg == Arg.NONE) {
            if (longArg != null || (nextCharArg != null && nextCharArg.charAt(0) == '=')) {
                return UNWANTEDARG;
            }
            return 0;
        }
        if (longArg != null) {
            arg = longArg;
        } else if (nextCharArg != null) {
            arg = nextCharArg.charAt(0) == '=' ? nextCharArg.substring(1) : nextCharArg;
            nextCharArg = null;
        } else if (next >= argv.length) {
            if (found.arg != Arg.OPTIONAL) {
                return NOARG;
            }
        } else if (found.arg == Arg.OPTIONAL && argv[next].startsWith("-")) {
            arg = null;
        } else {
            arg = argv[next++];
        }
        return 0;
    }

    /** popt's {@code poptBadOption}: the last word scanned. */
    String badOption() {
        return argv[Math.max(0, next - 1)];
    }

    /** popt's {@code poptStrerror}. */
    static String strerror(int code) {
        switch (code) {
            case NOARG:
                return "missing argument";
            case BADOPT:
                return "unknown option";
            case UNWANTEDARG:
                return "option does not take an argument";
            default:
                return "unknown error";
        }
    }

    /** popt's {@code poptGetArg}: the next leftover argument, or null. Call once {@link #next()} returned END. */
    String nextLeftover() {
        return leftoverIndex < leftovers.size() ? leftovers.get(leftoverIndex++) : null;
    }
}
