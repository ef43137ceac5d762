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
 * <p>Mode A ({@code answerArp}): refused when the kernel forwards IPv4 on the interface; the VIPs are announced
 * with a gratuitous ARP. Mode B: an {@link NftIngressGuard} keeps the kernel off the VIPs while the engine runs
 * (a table left by a crashed run is replaced at start) and is removed by {@link #close}.
 */
public final class PacketEngine implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PacketEngine.class.getName());

    private final String interfaceName;
    private final VipSet vips;
    private final NeighbourCache neighbours;
    private final boolean answerArp;
    private final List<PacketWorker> workers;
    private final List<Thread> threads;
    private final int address;
    private final int mtu;
    private final NftIngressGuard guard;
    private boolean closed;

    private PacketEngine(String interfaceName, VipSet vips, NeighbourCache neighbours, boolean answerArp,
                         List<PacketWorker> workers, int address, int mtu, NftIngressGuard guard) {
        this.guard = guard;
        this.interfaceName = interfaceName;
        this.vips = vips;
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
                        vips, router, neighbours, new PacketCounters(), answerArp, System::nanoTime);
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
        if (!answerArp) {
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
        PacketEngine engine = new PacketEngine(name, vips, neighbours, answerArp, workers, address,
                workers.get(0).port().mtu(), guard);
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
                workerCount, engine.mtu, answerArp ? "answering ARP for the VIPs (mode A)" : "VIPs held by the kernel (mode B)");
        return engine;
    }

    /** The VIPs served (change them with {@link #addVip} and {@link #removeVip}). */
    public VipSet vips() {
        return vips;
    }

    /** Serves {@code vip}: mode A announces it, mode B adds it to the ingress guard first. */
    public void addVip(int vip) throws IOException {
        if (guard != null) {
            guard.add(vip);
        }
        if (vips.add(vip) && answerArp) {
            announce(vip);
        }
    }

    /** Serves the IPv6 VIP {@code hi:lo}: mode A announces it, mode B adds it to the ingress guard first. */
    public void addVip(long hi, long lo) throws IOException {
        if (guard != null) {
            guard.add6(hi, lo);
        }
        if (vips.add(hi, lo) && answerArp) {
            workers.get(0).announce6(hi, lo);
        }
    }

    /** Stops serving the IPv6 VIP {@code hi:lo}. */
    public void removeVip(long hi, long lo) throws IOException {
        if (vips.remove(hi, lo) && guard != null) {
            guard.delete6(hi, lo);
        }
    }

    /** Sends a neighbour solicitation for the IPv6 server {@code hi:lo}. */
    public void resolve(long hi, long lo) {
        workers.get(0).resolve6(hi, lo);
    }

    /** Stops serving {@code vip} (mode B: the kernel gets its packets again). */
    public void removeVip(int vip) throws IOException {
        if (vips.remove(vip) && guard != null) {
            guard.delete(vip);
        }
    }

    /** Packets the mode B guard kept from the kernel so far (0 in mode A). */
    public long guardDroppedPackets() throws IOException {
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
