package io.jvs.ipvsadm.internal;

import static io.jvs.ipvsadm.internal.CommandEntry.AF_INET6;
import static io.jvs.ipvsadm.internal.CommandEntry.AF_INET;
import static io.jvs.ipvsadm.internal.CommandEntry.DEF_MCAST_IFN;
import static io.jvs.ipvsadm.internal.CommandEntry.DEF_SCHED;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_EXACT;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_NOSORT;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_NUMERIC;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_PERSISTENTCONN;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_RATE;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_STATS;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_THRESHOLDS;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_TUN_INFO;
import static io.jvs.ipvsadm.internal.CommandEntry.IPPROTO_SCTP;
import static io.jvs.ipvsadm.internal.CommandEntry.IPPROTO_TCP;
import static io.jvs.ipvsadm.internal.CommandEntry.IPPROTO_UDP;
import static io.jvs.ipvsadm.internal.CommandEntry.MAX_TIMEOUT;
import static io.jvs.ipvsadm.internal.CommandEntry.PERSISTENT_TIMEOUT;
import static io.jvs.ipvsadm.internal.CommandEntry.SVC_F_ONEPACKET;
import static io.jvs.ipvsadm.internal.CommandEntry.SVC_F_PERSISTENT;
import static io.jvs.ipvsadm.internal.CommandEntry.SVC_F_SCHED1;
import static io.jvs.ipvsadm.internal.CommandEntry.SVC_F_SCHED2;
import static io.jvs.ipvsadm.internal.CommandEntry.SVC_F_SCHED3;
import static io.jvs.ipvsadm.internal.OptionTable.*; // the option bits, ipvsadm's OPT_* names

import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.ipvsadm.internal.Popt.Opt;
import java.net.Inet6Address;
import java.util.List;

/**
 * ipvsadm 1.31's {@code parse_options} and the checks of {@code process_options}, in the same order, with the
 * same messages and exit statuses: the command comes first, each option is checked as it is read, then the
 * {@code --set} values, leftover arguments, scheduler flags, the command × option table, and the rules of the
 * command. JVS adds {@code --fullnat} (a forwarding method, like {@code -m}) and {@code --endpoints} (the
 * listen endpoints of a firewall-mark service).
 */
public final class CommandLine {

    private final Out out;
    private final Operands operands;

    CommandLine(Names names, Out out) {
        this.out = out;
        this.operands = new Operands(names, out);
    }

    /**
     * The command an argument vector names, if its first option is one, without checking the rest: what a client
     * needs to know to send standard input ({@code -R}) or a daemon to know whether to log it.
     */
    public static Command peek(List<String> args) {
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

    private static Command commandOf(Opt opt) {
        switch (opt) {
            case ADD_SERVICE:
                return Command.ADD;
            case EDIT_SERVICE:
                return Command.EDIT;
            case DELETE_SERVICE:
                return Command.DEL;
            case ADD_SERVER:
                return Command.ADDDEST;
            case EDIT_SERVER:
                return Command.EDITDEST;
            case DELETE_SERVER:
                return Command.DELDEST;
            case CLEAR:
                return Command.FLUSH;
            case LIST:
            case LIST_LOWER:
                return Command.LIST;
            case ZERO:
                return Command.ZERO;
            case SET:
                return Command.TIMEOUT;
            case RESTORE:
                return Command.RESTORE;
            case SAVE:
                return Command.SAVE;
            case START_DAEMON:
                return Command.STARTDAEMON;
            case STOP_DAEMON:
                return Command.STOPDAEMON;
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
    CommandEntry parse(String[] argv) {
        CommandEntry ce = new CommandEntry();
        Popt popt = new Popt(argv);
        int c = popt.next();
        if (c < 0) {
            throw tryhelp();
        }
        Command cmd = commandOf(popt.opt);
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
        if (cmd == Command.STARTDAEMON || cmd == Command.STOPDAEMON) {
            String state = popt.arg;
            if (!"master".equals(state) && !"backup".equals(state)) {
                throw out.fail(2, cmd == Command.STARTDAEMON ? "illegal start-daemon parameter specified"
                        : "illegal start_daemon specified");
            }
            ce.daemonMaster = "master".equals(state);
        }
        while ((c = popt.next()) == 0) {
            option(ce, popt);
        }
        if (c < Popt.END) {
            out.error(popt.badOption() + ": " + Popt.strerror(c));
            return null;
        }
        if (ce.cmd == Command.TIMEOUT) {
            String a = popt.nextLeftover();
            String b = a == null ? null : popt.nextLeftover();
            String d = b == null ? null : popt.nextLeftover();
            if (d == null) {
                throw out.fail(2, "--set option requires 3 timeout values");
            }
            ce.tcp = operands.parseTimeout(a, 0, MAX_TIMEOUT);
            ce.tcpFin = operands.parseTimeout(b, 0, MAX_TIMEOUT);
            ce.udp = operands.parseTimeout(d, 0, MAX_TIMEOUT);
        }
        String extra = popt.nextLeftover();
        if (extra != null) {
            throw out.fail(2, "unexpected argument " + extra);
        }
        if (ce.schedFlagsArg != null && !ce.schedFlagsArg.isEmpty()) {
            ce.flags &= ~(SVC_F_SCHED1 | SVC_F_SCHED2 | SVC_F_SCHED3);
            ce.flags |= operands.parseSchedFlags(ce.sched, ce.schedFlagsArg);
        }
        checkTable(ce.cmd, ce.options, out);
        if (ce.cmd == Command.STARTDAEMON && ce.mcastInterface.isEmpty()) {
            ce.mcastInterface = DEF_MCAST_IFN;
        }
        if (ce.cmd == Command.ADD || ce.cmd == Command.EDIT) {
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
                        throw out.fail(2, "endpoint `" + Operands.endpointText(e) + "' is not of the service's address "
                                + "family (IPv6 endpoints need -6 after -f)");
                    }
                }
            }
        }
        if (ce.cmd == Command.ADDDEST || ce.cmd == Command.EDITDEST) {
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
            checkTunnel(ce.tunType, ce.options, out);
        }
        if (ce.cmd == Command.LIST && ((ce.options & bits(CONNECTION, TIMEOUT, DAEMON)) != 0
                && (ce.options & bits(STATS, RATE, THRESHOLDS)) != 0
                || (ce.options & bits(TIMEOUT, DAEMON)) != 0 && ce.has(PERSISTENTCONN))) {
            throw out.fail(2, "options conflicts in the list command");
        }
        return ce;
    }

    private void option(CommandEntry ce, Popt popt) {
        String arg = popt.arg;
        switch (popt.opt) {
            case TCP_SERVICE:
            case UDP_SERVICE:
            case SCTP_SERVICE:
                set(ce, SERVICE);
                ce.protocol = popt.opt == Opt.TCP_SERVICE ? IPPROTO_TCP
                        : popt.opt == Opt.UDP_SERVICE ? IPPROTO_UDP : IPPROTO_SCTP;
                if ((operands.parseService(arg, ce, true) & Operands.SERVICE_ADDR) == 0) {
                    throw out.fail(2, "illegal virtual server address[:port] specified");
                }
                break;
            case FWMARK_SERVICE:
                set(ce, SERVICE);
                ce.af = AF_INET;
                ce.protocol = IPPROTO_TCP;
                ce.fwmark = operands.parseFwmark(arg);
                break;
            case SCHEDULER:
                set(ce, SCHEDULER);
                ce.sched = arg.length() > 15 ? arg.substring(0, 15) : arg;
                break;
            case PERSISTENT:
                set(ce, PERSISTENT);
                ce.flags |= SVC_F_PERSISTENT;
                ce.timeout = arg == null ? PERSISTENT_TIMEOUT : operands.parseTimeout(arg, 1, MAX_TIMEOUT);
                break;
            case NETMASK:
                set(ce, NETMASK);
                if (ce.af != AF_INET6) {
                    Long mask = operands.parseNetmask(arg);
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
                CommandEntry t = new CommandEntry();
                t.af = ce.af;
                t.addr = ce.addr;
                t.port = ce.port;
                t.protocol = ce.protocol;
                int parse = operands.parseService(arg, t, false);
                ce.destAf = t.af;
                ce.destAddr = t.addr;
                ce.destPort = t.port;
                if ((parse & Operands.SERVICE_ADDR) == 0) {
                    throw out.fail(2, "illegal real server address[:port] specified");
                }
                if (parse == Operands.SERVICE_ADDR) {
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
                ce.weight = (int) operands.number(arg, 0, 65535, "illegal weight specified");
                break;
            case U_THRESHOLD:
                set(ce, UTHRESHOLD);
                ce.uThreshold = (int) operands.number(arg, 0, Integer.MAX_VALUE, "illegal u_threshold specified");
                break;
            case L_THRESHOLD:
                set(ce, LTHRESHOLD);
                ce.lThreshold = (int) operands.number(arg, 0, Integer.MAX_VALUE, "illegal l_threshold specified");
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
                // strncpy(mcast_ifn, optarg, IP_VS_IFNAME_MAXLEN - 1)
                ce.mcastInterface = arg.length() > 15 ? arg.substring(0, 15) : arg;
                break;
            case SYNCID:
                set(ce, SYNCID);
                ce.syncId = (int) operands.number(arg, 0, 255, "illegal syncid specified");
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
                ce.mcastGroup = operands.mcastGroup(arg);
                break;
            case MCAST_PORT:
                set(ce, MCAST_PORT);
                ce.mcastPort = (int) operands.number(arg, 1, 65535, "illegal mcast-port specified");
                break;
            case MCAST_TTL:
                set(ce, MCAST_TTL);
                ce.mcastTtl = (int) operands.number(arg, 1, 255, "illegal mcast-ttl specified");
                break;
            case SYNC_MAXLEN:
                set(ce, SYNC_MAXLEN);
                ce.syncMaxlen = (int) operands.number(arg, 1, 65535 - 20 - 8, "illegal sync-maxlen specified");
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
                ce.tunPort = (int) operands.number(arg, 1, 65535, "illegal tunnel port specified");
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
                ce.endpoints = operands.parseEndpoints(arg);
                break;
            default:
                // A command where an option belongs (ipvsadm has no "multiple commands" check on this path).
                throw out.fail(2, "invalid option `" + popt.badOption() + "'");
        }
    }

    private void set(CommandEntry ce, int option) {
        long bit = 1L << option;
        if ((ce.options & bit) != 0) {
            throw out.fail(2, "multiple '" + OPTNAMES[option] + "' options specified");
        }
        ce.options |= bit;
    }

    private Exit tryhelp() {
        out.error("Try `" + Usage.PROGRAM + " -h' or '" + Usage.PROGRAM + " --help' for more information.");
        return new Exit(255);
    }
}
