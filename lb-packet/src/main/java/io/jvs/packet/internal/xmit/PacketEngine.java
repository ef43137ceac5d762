package io.jvs.packet.internal.xmit;

import static io.jvs.api.internal.Checks.checkInRange;
import static io.jvs.api.internal.Checks.checkNotNull;

import io.jvs.packet.internal.ffi.NativeException;
import io.jvs.packet.internal.host.HostSettings;
import io.jvs.packet.internal.host.NftIngressGuard;
import io.jvs.packet.internal.ring.AfPacketPort;
import io.jvs.packet.internal.ring.Interfaces;
import io.jvs.packet.internal.ring.PortOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The packet data path on one interface: N {@link PacketWorker}s, each with its own AF_PACKET port in one fanout
 * group (the kernel spreads flows over them by hash), sharing the {@link VipSet} and the {@link NeighbourCache};
 * each worker has a {@link FlowRouter} of its own (phase 2: one reusable {@code FlowRequest} per worker). The entry point phase 2's {@code PacketDataPath} drives: {@link #start}, {@link #addVip}
 * and {@link #removeVip} (bind/unbind), {@link #resolve} (a destination added), {@link #counters}, {@link #close}.
 *
 * <p>Each VIP is served in one of two modes ({@link #addVip(int, boolean)}). Mode A (the director answers ARP for
 * it): refused when the kernel forwards on the interface; the VIP is announced with a gratuitous ARP. Mode B (the
 * kernel holds the VIP): an {@link NftIngressGuard} keeps the kernel off it while the engine runs (installed with the
 * first mode B VIP; a table left by a crashed run is removed at start) and is removed by {@link #close}.
 */
public final class PacketEngine implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PacketEngine.class.getName());

    private final String interfaceName;
    private final VipSet vips;
    private final VipSet arpVips;
    private final NeighbourCache neighbours;
    private final boolean answerArp;
    private final List<PacketWorker> workers;
    private final List<Thread> threads;
    private final int address;
    private final int mtu;
    private NftIngressGuard guard;
    private boolean modeAChecked;
    private boolean allMulticast;
    private boolean closed;

    private PacketEngine(String interfaceName, VipSet vips, VipSet arpVips, NeighbourCache neighbours,
                         boolean answerArp, List<PacketWorker> workers, int address, int mtu, NftIngressGuard guard) {
        this.guard = guard;
        this.interfaceName = interfaceName;
        this.vips = vips;
        this.arpVips = arpVips;
        this.neighbours = neighbours;
        this.answerArp = answerArp;
        this.workers = workers;
        this.address = address;
        this.mtu = mtu;
        this.threads = new ArrayList<>();
    }

    /**
     * Opens {@code workerCount} ports on {@code options.interfaceName()} in one fanout group and starts a worker
     * thread on each.
     *
     * @param routers makes worker {@code i}'s router (called once per worker, on the caller's thread)
     * @param answerArp mode A (the director answers ARP for the VIPs itself and announces them)
     * @param workerCount 1 to the number of cores
     * @throws NativeException when a port cannot be opened (no CAP_NET_RAW, no such interface, ...)
     */
    public static PacketEngine start(PortOptions options, int workerCount, VipSet vips,
                                     IntFunction<? extends FlowRouter> routers, boolean answerArp) throws IOException {
        return start(options, workerCount, vips, routers, answerArp, false);
    }

    /**
     * Opens the ports and starts the workers with no VIP yet; each VIP is then added in its own mode with
     * {@link #addVip(int, boolean)}. An nftables table left on the interface by a crashed run is removed now.
     */
    public static PacketEngine start(PortOptions options, int workerCount, IntFunction<? extends FlowRouter> routers)
            throws IOException {
        return start(options, workerCount, new VipSet(), routers, false, true);
    }

    private static PacketEngine start(PortOptions options, int workerCount, VipSet vips,
                                      IntFunction<? extends FlowRouter> routers, boolean answerArp, boolean perVip)
            throws IOException {
        checkNotNull(options, "options");
        checkNotNull(vips, "vips");
        checkNotNull(routers, "routers");
        checkInRange(workerCount, 1, Runtime.getRuntime().availableProcessors(), "workers");
        String name = options.interfaceName();
        int address = Interfaces.ipv4(name);
        if (address == 0) {
            throw new IOException("interface " + name + " has no IPv4 address (needed for ARP requests and tunnels)");
        }
        if (answerArp) {
            HostSettings.checkModeA(name);
        }
        if (perVip) {
            try {
                if (NftIngressGuard.removeStale(name)) {
                    LOG.log(System.Logger.Level.WARNING, "removed the nftables table " + NftIngressGuard.tableName(name)
                            + " that an earlier run left on " + name + " (it did not stop cleanly)");
                }
            } catch (IOException e) {
                if (!e.getMessage().startsWith("cannot run nft")) {
                    throw e;
                }
                // no nft here: no run could have left a table either
            }
        }
        VipSet arpVips = answerArp ? vips : new VipSet();
        NeighbourCache neighbours = new NeighbourCache(name);
        neighbours.loadKernelTable(System.nanoTime());
        int group = workerCount > 1 && options.fanoutGroup() < 0
                ? (int) (ProcessHandle.current().pid() & 0xffff) : options.fanoutGroup();
        long[] address6 = Interfaces.ipv6(name);
        List<PacketWorker> workers = new ArrayList<>();
        try {
            for (int i = 0; i < workerCount; i++) {
                AfPacketPort port = AfPacketPort.open(workerCount > 1 ? options.withFanoutGroup(group) : options);
                workers.add(new PacketWorker(port, null));
                if (answerArp) {
                    port.joinAllMulticast();
                }
                FlowRouter router = checkNotNull(routers.apply(i), "router " + i);
                PacketProcessor p = new PacketProcessor(port.mac(), address, address6[0], address6[1], port.mtu(),
                        vips, arpVips, router, neighbours, new PacketCounters(), System::nanoTime);
                workers.set(i, new PacketWorker(port, p));
            }
        } catch (IOException | RuntimeException e) {
            for (PacketWorker w : workers) {
                try {
                    w.port().close();
                } catch (NativeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        NftIngressGuard guard = null;
        if (!answerArp && !perVip) {
            try {
                guard = NftIngressGuard.install(name, vips.toArray());
                long[] v6 = vips.toArray6();
                for (int i = 0; i < v6.length; i += 2) {
                    guard.add6(v6[i], v6[i + 1]);
                }
            } catch (IOException | RuntimeException e) {
                for (PacketWorker w : workers) {
                    try {
                        w.port().close();
                    } catch (NativeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }
        PacketEngine engine = new PacketEngine(name, vips, arpVips, neighbours, answerArp, workers, address,
                workers.get(0).port().mtu(), guard);
        engine.modeAChecked = answerArp;
        engine.allMulticast = answerArp;
        for (int i = 0; i < workers.size(); i++) {
            Thread t = new Thread(workers.get(i), "jvs-packet-" + name + "-" + i);
            t.setDaemon(true);
            engine.threads.add(t);
            t.start();
        }
        if (answerArp) {
            for (int vip : vips.toArray()) {
                engine.announce(vip);
            }
            long[] v6 = vips.toArray6();
            for (int i = 0; i < v6.length; i += 2) {
                engine.workers.get(0).announce6(v6[i], v6[i + 1]);
            }
        }
        LOG.log(System.Logger.Level.INFO, "packet data path on {0}: {1} worker(s), mtu {2}, {3}", name,
                workerCount, engine.mtu, perVip ? "VIP modes chosen per VIP" : answerArp
                        ? "answering ARP for the VIPs (mode A)" : "VIPs held by the kernel (mode B)");
        return engine;
    }

    /** The VIPs served (change them with {@link #addVip} and {@link #removeVip}). */
    public VipSet vips() {
        return vips;
    }

    /** Serves {@code vip} in the engine's mode (the one it was started with). */
    public void addVip(int vip) throws IOException {
        addVip(vip, answerArp);
    }

    /**
     * Serves {@code vip}: in mode A ({@code answerArp}) the director answers ARP for it and announces it (refused
     * while the kernel forwards on the interface); in mode B it is added to the ingress guard first, which is
     * installed with the first mode B VIP.
     *
     * @throws IllegalStateException when mode A is refused (the message names the setting)
     * @throws IOException when the guard cannot be installed or changed
     */
    public synchronized void addVip(int vip, boolean answerArp) throws IOException {
        if (answerArp) {
            checkModeA();
            boolean fresh = !vips.contains(vip);
            arpVips.add(vip); // (the same set as vips in an engine started in mode A)
            vips.add(vip);
            if (fresh) {
                announce(vip);
            }
        } else {
            guard().add(vip);
            vips.add(vip);
        }
    }

    /** Serves the IPv6 VIP {@code hi:lo} in the engine's mode. */
    public void addVip(long hi, long lo) throws IOException {
        addVip(hi, lo, answerArp);
    }

    /** Serves the IPv6 VIP {@code hi:lo} in mode A (answering neighbour solicitations) or mode B (the guard). */
    public synchronized void addVip(long hi, long lo, boolean answerArp) throws IOException {
        if (answerArp) {
            checkModeA();
            if (!allMulticast) {
                for (PacketWorker w : workers) {
                    w.port().joinAllMulticast(); // solicitations go to the VIP's solicited-node group
                }
                allMulticast = true;
            }
            boolean fresh = !vips.contains(hi, lo);
            arpVips.add(hi, lo);
            vips.add(hi, lo);
            if (fresh) {
                workers.get(0).announce6(hi, lo);
            }
        } else {
            guard().add6(hi, lo);
            vips.add(hi, lo);
        }
    }

    private void checkModeA() throws IOException {
        if (!modeAChecked) {
            HostSettings.checkModeA(interfaceName);
            modeAChecked = true;
        }
    }

    private NftIngressGuard guard() throws IOException {
        if (guard == null) {
            guard = NftIngressGuard.install(interfaceName);
        }
        return guard;
    }

    /** Stops serving the IPv6 VIP {@code hi:lo}. */
    public synchronized void removeVip(long hi, long lo) throws IOException {
        boolean arp = arpVips.remove(hi, lo);
        if (vips.remove(hi, lo) && !arp && guard != null) {
            guard.delete6(hi, lo);
        }
    }

    /** Sends a neighbour solicitation for the IPv6 server {@code hi:lo}. */
    public void resolve(long hi, long lo) {
        workers.get(0).resolve6(hi, lo);
    }

    /** Stops serving {@code vip} (mode B: the kernel gets its packets again). */
    public synchronized void removeVip(int vip) throws IOException {
        boolean arp = arpVips.remove(vip);
        if (vips.remove(vip) && !arp && guard != null) {
            guard.delete(vip);
        }
    }

    /** Packets the mode B guard kept from the kernel so far (0 in mode A). */
    public synchronized long guardDroppedPackets() throws IOException {
        return guard == null ? 0 : guard.droppedPackets();
    }

    /** The neighbour cache shared by the workers. */
    public NeighbourCache neighbours() {
        return neighbours;
    }

    /** The interface's IPv4 address. */
    public int address() {
        return address;
    }

    /** The interface's MTU. */
    public int mtu() {
        return mtu;
    }

    /** True in mode A. */
    public boolean answersArp() {
        return answerArp;
    }

    /** Sends a gratuitous ARP for {@code vip} (mode A: at start, on bind, on take-over). */
    public void announce(int vip) {
        workers.get(0).announce(vip);
    }

    /** Sends an ARP request for {@code server} (a destination was added), so its MAC is known before traffic. */
    public void resolve(int server) {
        workers.get(0).resolve(server);
    }

    /** The sum of every worker's counters. */
    public Map<Counter, Long> counters() {
        Map<Counter, Long> sum = new EnumMap<>(Counter.class);
        for (Counter c : Counter.values()) {
            long v = 0;
            for (PacketWorker w : workers) {
                v += w.counters().get(c);
            }
            sum.put(c, v);
        }
        return sum;
    }

    /** The sum of one counter over the workers. */
    public long counter(Counter c) {
        long v = 0;
        for (PacketWorker w : workers) {
            v += w.counters().get(c);
        }
        return v;
    }

    /** Stops the workers, then closes their ports (rings unmapped before the sockets close). */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        for (PacketWorker w : workers) {
            try {
                w.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stopping the packet workers of " + interfaceName, e);
            }
        }
        NativeException failure = null;
        for (PacketWorker w : workers) {
            try {
                w.port().close();
            } catch (NativeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (guard != null) {
            try {
                guard.remove();
            } catch (IOException e) {
                if (failure == null) {
                    throw e;
                }
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
