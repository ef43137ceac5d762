package io.jvs.ipvsadm.internal;

import static io.jvs.ipvsadm.internal.CommandEntry.AF_INET6;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_RULE;
import static io.jvs.ipvsadm.internal.CommandEntry.IPPROTO_TCP;
import static io.jvs.ipvsadm.internal.CommandEntry.IPPROTO_UDP;
import static io.jvs.ipvsadm.internal.CommandEntry.SVC_F_ONEPACKET;
import static io.jvs.ipvsadm.internal.CommandEntry.SVC_F_SCHED1;
import static io.jvs.ipvsadm.internal.CommandEntry.SVC_F_SCHED2;
import static io.jvs.ipvsadm.internal.CommandEntry.SVC_F_SCHED3;
import static io.jvs.ipvsadm.internal.OptionTable.SERVICE;

import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancer;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.RealServerStatus;
import io.jvs.api.Scheduler;
import io.jvs.api.SchedulerFlag;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Timeouts;
import io.jvs.api.TunnelChecksum;
import io.jvs.api.TunnelType;
import io.jvs.api.VirtualService;
import io.jvs.ipvsadm.SyncDaemon;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Runs ipvsadm commands against a {@link LoadBalancer}: ipvsadm's {@code process_options} and
 * {@code restore_table}, with the load balancer in the kernel's place. Refusals of the load balancer are printed
 * as ipvsadm prints the kernel's errors.
 *
 * <p>Not thread-safe: one command at a time (the public {@code Ipvsadm} serializes them).
 */
public final class Engine {

    private static final Logger LOG = System.getLogger("io.jvs.ipvsadm.Ipvsadm");

    /** ipvsadm's message for EINVAL (two spaces after the first period, as ipvsadm prints it). */
    static final String EINVAL = "Invalid operation.  Possibly wrong module version, address not unicast, ...";
    static final String ENOENT_SCHED = "Scheduler or persistence engine not found";
    static final String ERANGE = "Numerical result out of range";

    private final LoadBalancer lb;
    private final SyncDaemon daemon;
    private final Names names;
    private final Duration timeout;
    private Out out;

    /** What a command printed and the status ipvsadm would exit with. */
    public static final class Outcome {
        public final String stdout;
        public final String stderr;
        public final int status;

        Outcome(String stdout, String stderr, int status) {
            this.stdout = stdout;
            this.stderr = stderr;
            this.status = status;
        }
    }

    /**
     * @param timeout how long to wait for the data path to bind or release a service's listeners
     */
    public Engine(LoadBalancer lb, Names names, Duration timeout) {
        this(lb, null, names, timeout);
    }

    /**
     * @param daemon the sync daemon {@code --start-daemon} and {@code --stop-daemon} drive, or null if there is none
     * @param timeout how long to wait for the data path to bind or release a service's listeners
     */
    public Engine(LoadBalancer lb, SyncDaemon daemon, Names names, Duration timeout) {
        this.lb = lb;
        this.daemon = daemon;
        this.names = names;
        this.timeout = timeout;
    }

    /** Runs one command line (without the program name); {@code stdin} feeds {@code -R}. */
    public Outcome run(List<String> args, String stdin) {
        out = new Out();
        int status;
        try {
            if (args.isEmpty()) {
                new Render(names, out.stdout).listAll(lb.services(), lb.connectionTableSize(), 0);
                status = 0;
            } else {
                String[] argv = new String[args.size() + 1];
                argv[0] = Usage.PROGRAM;
                for (int i = 0; i < args.size(); i++) {
                    argv[i + 1] = args.get(i);
                }
                status = process(argv, false, stdin) & 0xff;
            }
        } catch (Exit e) {
            status = e.status & 0xff;
        } catch (LoadBalancerException e) {
            // A listing the load balancer refuses (a cluster member without a majority refuses linearizable reads):
            // its message, as a refused change prints it, not an internal error.
            out.error(String.valueOf(e.getMessage()));
            status = 255;
        } catch (RuntimeException e) {
            // A bug, not a refusal: report it in one line as ipvsadm reports errors, and keep the details in the log.
            LOG.log(Level.ERROR, "ipvsadm " + args + " failed", e);
            out.error("Internal error: " + e);
            status = 255;
        }
        Outcome o = new Outcome(out.stdout.toString(), out.stderr.toString(), status);
        out = null;
        return o;
    }

    /** ipvsadm's {@code process_options}: 0, or -1 after a printed error; throws {@link Exit} where ipvsadm exits. */
    private int process(String[] argv, boolean readingStdin, String stdin) {
        CommandEntry ce = new CommandLine(names, out).parse(argv);
        if (ce == null) {
            return -1;
        }
        switch (ce.cmd) {
            case LIST:
                list(ce);
                return 0;
            case RESTORE:
                return restore(readingStdin, stdin);
            case SAVE:
                new Render(names, out.stdout).listAll(lb.services(), lb.connectionTableSize(), ce.format | FMT_RULE);
                return 0;
            case STARTDAEMON:
            case STOPDAEMON:
                if (daemon == null) {
                    throw out.fail(2, "Connection sync daemon not supported: JVS has no state synchronisation ("
                            + (ce.cmd == Command.STARTDAEMON ? "--start-daemon" : "--stop-daemon") + ")");
                }
                return daemonCommand(ce);
            case ADDDEST:
            case EDITDEST:
                checkMethod(ce);
                break;
            default:
                break;
        }
        try {
            apply(ce);
            return 0;
        } catch (LoadBalancerException e) {
            out.error(message(e, ce.cmd));
        } catch (IllegalArgumentException e) {
            LOG.log(Level.DEBUG, () -> "refused: " + e.getMessage());
            out.error(EINVAL);
        } catch (Refusal e) {
            out.error(e.getMessage());
        }
        return -1;
    }

    /** A refusal in the kernel's place: its message is what ipvsadm prints. */
    private static final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refusal(String message) {
            super(message, null, false, false);
        }
    }

    private void list(CommandEntry ce) {
        Render render = new Render(names, out.stdout);
        if (ce.has(OptionTable.CONNECTION)) {
            render.listConnections(lb.connections(), ce.format);
        } else if (ce.has(SERVICE)) {
            Optional<ServiceStatus> s = serviceId(ce).flatMap(lb::service);
            if (s.isEmpty()) {
                throw out.fail(1, "No such service");
            }
            render.listService(s.get(), ce.format);
        } else if (ce.has(OptionTable.TIMEOUT)) {
            render.listTimeout(lb.timeouts());
        } else if (ce.has(OptionTable.DAEMON)) {
            if (daemon != null) {
                for (SyncDaemon.Settings s : daemon.running()) {
                    out.stdout.append(s.listingLine()).append('\n');
                }
            }
        } else {
            render.listAll(lb.services(), lb.connectionTableSize(), ce.format);
        }
    }

    /** ipvsadm's {@code ipvs_start_daemon} / {@code ipvs_stop_daemon} and the messages of {@code ipvs_strerror}. */
    private int daemonCommand(CommandEntry ce) {
        SyncDaemon.Role role = ce.daemonMaster ? SyncDaemon.Role.MASTER : SyncDaemon.Role.BACKUP;
        try {
            if (ce.cmd == Command.STARTDAEMON) {
                daemon.start(new SyncDaemon.Settings(role, ce.mcastInterface, ce.syncId, ce.syncMaxlen, ce.mcastGroup,
                        ce.mcastPort, ce.mcastTtl));
            } else {
                daemon.stop(role);
            }
            return 0;
        } catch (SyncDaemon.Refused e) {
            switch (e.reason()) {
                case ALREADY_RUNNING:
                    out.error("Daemon has already run");
                    break;
                case NOT_RUNNING:
                    out.error("No daemon is running");
                    break;
                case NO_SUCH_DEVICE:
                    out.error("No such device");
                    break;
                default:
                    out.error(String.valueOf(e.getMessage()));
            }
            LOG.log(Level.DEBUG, () -> "sync daemon refused: " + e.getMessage());
            return -1;
        }
    }

    /** ipvsadm's {@code restore_table} over {@code config_stream_read}. */
    private int restore(boolean readingStdin, String stdin) {
        if (readingStdin) {
            out.error("Try `" + Usage.PROGRAM + " -h' or '" + Usage.PROGRAM + " --help' for more information.");
            throw new Exit(255);
        }
        int result = 0;
        for (List<String> tokens : Restore.lines(stdin == null ? "" : stdin)) {
            String[] argv = new String[tokens.size() + 1];
            argv[0] = Usage.PROGRAM;
            for (int i = 0; i < tokens.size(); i++) {
                argv[i + 1] = tokens.get(i);
            }
            result = process(argv, true, null);
        }
        return result;
    }

    /** The forwarding method must be one the load balancer carries out; checked like an argument. */
    private void checkMethod(CommandEntry ce) {
        Set<ForwardingMethod> supported = lb.supportedForwardingMethods();
        ForwardingMethod m = method(ce);
        if (m == null || !supported.contains(m)) {
            String wanted = m == null ? "(none)" : Render.saveSwitch(m) + " (" + m.listingName() + ")";
            throw out.fail(2, "Forwarding method " + wanted + " is not supported by this director; it supports "
                    + supported.stream().sorted().map(s -> Render.saveSwitch(s) + " (" + s.listingName() + ")")
                            .collect(Collectors.joining(", ")));
        }
        if (m == ForwardingMethod.TUN) {
            if (ce.tunType == TUN_GRE) {
                throw out.fail(2, "Tunnel type gre is not supported by this director (expected: ipip or gue)");
            }
            if (ce.has(OptionTable.TUN_REMCSUM)) {
                throw out.fail(2, "The 'tun-remcsum' option is not supported by this director (expected: tun-nocsum "
                        + "or tun-csum)");
            }
        }
    }

    /** ipvsadm's tunnel type numbers (kernel {@code IP_VS_CONN_F_TUNNEL_TYPE_*}). */
    private static final int TUN_GUE = 1;
    private static final int TUN_GRE = 2;

    /** {@code rs} with the command's tunnel settings when its method is TUN. */
    private static RealServer tunnel(RealServer rs, CommandEntry ce) {
        if (rs.forwardingMethod() != ForwardingMethod.TUN || ce.tunType != TUN_GUE) {
            return rs;
        }
        return rs.withTunnel(TunnelType.GUE, ce.tunPort, ce.has(OptionTable.TUN_CSUM) ? TunnelChecksum.CHECKSUM
                : TunnelChecksum.NONE);
    }

    /**
     * The method asked for, or the director's default: direct routing where supported (ipvsadm's default, {@code -g}),
     * else full NAT where supported, else its first method.
     */
    private ForwardingMethod method(CommandEntry ce) {
        if (ce.fwd != null) {
            return ce.fwd;
        }
        Set<ForwardingMethod> supported = lb.supportedForwardingMethods();
        if (supported.contains(ForwardingMethod.DR)) {
            return ForwardingMethod.DR;
        }
        if (supported.contains(ForwardingMethod.FULLNAT) || supported.isEmpty()) {
            return ForwardingMethod.FULLNAT;
        }
        return EnumSet.copyOf(supported).iterator().next();
    }

    private void apply(CommandEntry ce) {
        switch (ce.cmd) {
            case FLUSH:
                await(lb.clear());
                return;
            case TIMEOUT:
                lb.setTimeouts(Timeouts.ofSeconds(ce.tcp, ce.tcpFin, ce.udp));
                return;
            case ZERO:
                if (!ce.has(SERVICE) || (ce.fwmark == 0 && ce.port == 0 && isAny(ce.addr))) {
                    lb.zeroCounters();
                } else {
                    lb.zeroCounters(serviceId(ce).orElseThrow(() -> new Refusal("No such service")));
                }
                return;
            case ADD:
                addService(ce);
                return;
            case EDIT:
                editService(ce);
                return;
            case DEL:
                await(lb.stop(serviceId(ce).orElseThrow(() -> new Refusal("No such service"))));
                return;
            case ADDDEST:
            case EDITDEST:
            case DELDEST:
                server(ce);
                return;
            default:
                throw new AssertionError(ce.cmd);
        }
    }

    private static boolean isAny(InetAddress a) {
        return a == null || a.isAnyLocalAddress();
    }

    private void addService(CommandEntry ce) {
        ServiceId id = serviceId(ce).orElseThrow(() -> new Refusal("Protocol not available"));
        if (lb.service(id).isPresent()) {
            throw new Refusal("Service already exists");
        }
        VirtualService vs = build(ce, id, List.of(), ce.endpoints == null ? List.of() : ce.endpoints);
        await(lb.start(vs));
    }

    private void editService(CommandEntry ce) {
        ServiceId id = serviceId(ce).orElseThrow(() -> new Refusal("No such service"));
        ServiceStatus current = lb.service(id).orElseThrow(() -> new Refusal("No such service"));
        VirtualService now = current.service();
        // Endpoints are not an IPVS field: a plain ipvsadm -E keeps them.
        List<Endpoint> endpoints = ce.endpoints != null ? ce.endpoints : now.endpoints();
        lb.update(keepJvsOptions(build(ce, id, now.realServers(), endpoints), now));
    }

    /**
     * The options ipvsadm has no words for (connection limit, PROXY protocol sources, access lists, per-source
     * limits, client data timeout) are not IPVS fields either: {@code -E} keeps them, as it keeps the endpoints, so
     * an edit never drops a defence set through the API.
     */
    private static VirtualService keepJvsOptions(VirtualService edited, VirtualService now) {
        VirtualService.Builder b = edited.toBuilder().defences(now.defences()); // one value, carried over whole
        return b.build();
    }

    /** The service ipvsadm's options describe: every field from the command, defaults for the rest. */
    private VirtualService build(CommandEntry ce, ServiceId id, List<RealServer> servers, List<Endpoint> endpoints) {
        Scheduler.Factory factory = Scheduler.Factory.find(ce.sched).filter(f -> f.name().equals(ce.sched))
                .orElseThrow(() -> new Refusal(ENOENT_SCHED));
        if (!ce.pe.isEmpty()) {
            throw new Refusal(ENOENT_SCHED); // JVS has no persistence engines (IPVS: sip)
        }
        VirtualService.Builder b = VirtualService.builder(id).scheduler(factory);
        if ((ce.flags & CommandEntry.SVC_F_PERSISTENT) != 0) {
            b.persistence(Duration.ofSeconds(ce.timeout));
        }
        if (id.family() == StandardProtocolFamily.INET) {
            if (ce.netmask != 0xffffffffL) {
                b.persistenceNetmask(Inet.ipv4((int) ce.netmask));
            }
        } else if (ce.netmask != 128) {
            b.persistenceNetmask((int) ce.netmask);
        }
        if ((ce.flags & SVC_F_ONEPACKET) != 0) {
            b.onePacket();
        }
        Set<SchedulerFlag> flags = EnumSet.noneOf(SchedulerFlag.class);
        if ((ce.flags & SVC_F_SCHED1) != 0) {
            flags.add(SchedulerFlag.FLAG_1);
        }
        if ((ce.flags & SVC_F_SCHED2) != 0) {
            flags.add(SchedulerFlag.FLAG_2);
        }
        if ((ce.flags & SVC_F_SCHED3) != 0) {
            flags.add(SchedulerFlag.FLAG_3);
        }
        if (!flags.isEmpty()) {
            b.schedulerFlags(flags);
        }
        if (id.isFwmark()) {
            for (Endpoint e : endpoints) {
                b.endpoint(e.protocol(), e.address());
            }
        }
        return b.realServers(servers).build();
    }

    private void server(CommandEntry ce) {
        ServiceId id = serviceId(ce).orElseThrow(() -> new Refusal("Service not defined"));
        ServiceStatus status = lb.service(id).orElseThrow(() -> new Refusal("Service not defined"));
        ForwardingMethod m = ce.cmd == Command.DELDEST ? null : method(ce);
        if (!ce.isFwmark() && (m == ForwardingMethod.DR || m == ForwardingMethod.TUN)) {
            ce.destPort = ce.port; // as ipvsadm forces for -g (its default) and -i
        }
        InetSocketAddress address = new InetSocketAddress(ce.destAddr, ce.destPort);
        boolean exists = false;
        for (RealServerStatus r : status.realServers()) {
            exists |= r.server().address().equals(address);
        }
        if (ce.cmd == Command.DELDEST) {
            if (!exists) {
                throw new Refusal("No such destination");
            }
            lb.removeRealServer(id, address);
            return;
        }
        if (ce.lThreshold > ce.uThreshold) {
            throw new Refusal(ERANGE);
        }
        if (ce.cmd == Command.ADDDEST) {
            if (exists) {
                throw new Refusal("Destination already exists");
            }
            if (!isUnicast(ce.destAddr)) {
                throw new Refusal(EINVAL);
            }
        } else if (!exists) {
            throw new Refusal("No such destination");
        }
        RealServer rs = tunnel(RealServer.of(address).withWeight(ce.weight).withForwardingMethod(method(ce))
                .withThresholds(ce.uThreshold, ce.lThreshold), ce);
        if (ce.cmd == Command.ADDDEST) {
            lb.addRealServer(id, rs);
        } else {
            lb.editRealServer(id, rs);
        }
    }

    /** The kernel takes unicast real-server addresses only (and not IPv6 link-local ones). */
    private static boolean isUnicast(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
            return false;
        }
        if (a instanceof Inet4Address) {
            return a.hashCode() != -1 && (a.getAddress()[0] & 0xf0) != 0xf0; // not broadcast or class E
        }
        return !a.isLinkLocalAddress();
    }

    /** The id the options name; empty for a protocol JVS does not have (SCTP). */
    static Optional<ServiceId> serviceId(CommandEntry ce) {
        if (ce.isFwmark()) {
            return Optional.of(ServiceId.fwmark((int) ce.fwmark,
                    ce.af == AF_INET6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET));
        }
        if (ce.protocol != IPPROTO_TCP && ce.protocol != IPPROTO_UDP) {
            return Optional.empty();
        }
        InetAddress a = ce.addr;
        if (ce.af == AF_INET6 && !(a instanceof Inet6Address)) {
            return Optional.empty();
        }
        return Optional.of(ServiceId.of(ce.protocol == IPPROTO_TCP ? Protocol.TCP : Protocol.UDP,
                new InetSocketAddress(a, ce.port)));
    }

    private void await(CompletableFuture<Void> f) {
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof LoadBalancerException) {
                throw (LoadBalancerException) cause;
            }
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new Refusal(String.valueOf(cause));
        } catch (TimeoutException e) {
            throw new Refusal("Timed out after " + timeout.toMillis() + " ms waiting for the data path");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refusal("Interrupted");
        }
    }

    /** The line ipvsadm prints for the kernel's refusal of {@code cmd}. */
    static String message(LoadBalancerException e, Command cmd) {
        boolean dest = cmd == Command.ADDDEST || cmd == Command.EDITDEST || cmd == Command.DELDEST;
        switch (e.reason()) {
            case SERVICE_EXISTS:
                return "Service already exists";
            case NO_SUCH_SERVICE:
                return dest ? "Service not defined" : "No such service";
            case DESTINATION_EXISTS:
                return "Destination already exists";
            case NO_SUCH_DESTINATION:
                return "No such destination";
            case NO_MEMORY:
                return "Memory allocation problem";
            case UNSUPPORTED:
                return "Operation not supported: " + e.getMessage();
            case BIND_FAILED:
                return "Cannot bind the service: " + e.getMessage();
            case CLOSED:
                return "The director is closed";
            default:
                return String.valueOf(e.getMessage());
        }
    }

    /** For tests: the current listing of {@code ipvsadm -S -n}. */
    List<String> saveLines() {
        StringBuilder sb = new StringBuilder();
        new Render(names, sb).listAll(lb.services(), lb.connectionTableSize(), FMT_RULE | CommandEntry.FMT_NUMERIC);
        return new ArrayList<>(List.of(sb.toString().split("\n")));
    }

    static int ipproto(Protocol p) {
        return p == Protocol.TCP ? IPPROTO_TCP : IPPROTO_UDP;
    }
}
