package io.jvs.ipvsadm.internal;

/**
 * ipvsadm's options as bits (the columns of its option table), which command takes which, and which tunnel type
 * takes which tunnel option; the checks give ipvsadm's messages.
 */
final class OptionTable {

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

    /** ipvsadm's {@code commands_v_options}: '+' required, 'x' illegal, '1' one of, ' ' optional; one row per Command. */
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

    static final String[] TUNNAMES = {"ipip", "gue", "gre"};
    private static final int[] TUNOPTS = {TUN_PORT, TUN_NOCSUM, TUN_CSUM, TUN_REMCSUM};
    /** Every option, the columns of {@link #TABLE}. */
    private static final int[] ALL_OPTIONS = java.util.stream.IntStream.range(0, OPTNAMES.length).toArray();
    /** ipvsadm's {@code tunnel_types_v_options}: tun-port, tun-nocsum, tun-csum, tun-remcsum per tunnel type. */
    private static final String[] TUN_TABLE = {"xxxx", "+111", "x11x"};

    private OptionTable() {}

    static long bits(int... options) {
        long b = 0;
        for (int o : options) {
            b |= 1L << o;
        }
        return b;
    }

    /** ipvsadm's check of the command × option table; throws its message. */
    static void checkTable(Command cmd, long options, Out out) {
        check(TABLE[cmd.ordinal()], ALL_OPTIONS, options, "'" + cmd.label + "' command", out);
    }

    /** ipvsadm's check of the tunnel type × tunnel option table; throws its message. */
    static void checkTunnel(int type, long options, Out out) {
        check(TUN_TABLE[type], TUNOPTS, options, "'" + TUNNAMES[type] + "' tunnel type", out);
    }

    /**
     * One row of a table: {@code row.charAt(j)} is the rule for option {@code columns[j]}; {@code what} ends
     * ipvsadm's messages ({@code 'add-service' command}).
     */
    private static void check(String row, int[] columns, long options, String what, Out out) {
        int last = 0;
        int count = 0;
        for (int j = 0; j < columns.length; j++) {
            int k = columns[j];
            char rule = row.charAt(j);
            if ((options & (1L << k)) == 0) {
                if (rule == '+') {
                    throw out.fail(2, "You need to supply the '" + OPTNAMES[k] + "' option for the " + what);
                }
            } else {
                if (rule == 'x') {
                    throw out.fail(2, "Illegal '" + OPTNAMES[k] + "' option with the " + what);
                }
                if (rule == '1') {
                    if (++count == 1) {
                        last = k;
                        continue;
                    }
                    throw out.fail(2, "The option '" + OPTNAMES[k] + "' conflicts with the '" + OPTNAMES[last]
                            + "' option in the " + what);
                }
            }
        }
    }
}
