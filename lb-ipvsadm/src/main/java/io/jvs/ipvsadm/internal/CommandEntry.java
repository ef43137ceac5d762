package io.jvs.ipvsadm.internal;

import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import java.net.InetAddress;
import java.util.List;

/**
 * A parsed command line: ipvsadm's {@code struct ipvs_command_entry} (the command, the virtual service, the real
 * server, the {@code --set} timeouts, the sync daemon) with its option and format bits, and the constants its
 * fields take, as ipvsadm's.
 */
final class CommandEntry {

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
    static final String DEF_MCAST_IFN = "eth0";
    static final int PERSISTENT_TIMEOUT = 360;
    static final int MAX_TIMEOUT = 86400 * 31;

    Command cmd;
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
    // --start-daemon / --stop-daemon (ipvsadm's ipvs_daemon_t)
    boolean daemonMaster;
    String mcastInterface = "";
    int syncId;
    int syncMaxlen;
    InetAddress mcastGroup;
    int mcastPort;
    int mcastTtl;

    boolean has(int option) {
        return (options & (1L << option)) != 0;
    }

    boolean isFwmark() {
        return fwmark != 0;
    }
}
