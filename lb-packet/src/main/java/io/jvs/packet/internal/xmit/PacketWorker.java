package io.jvs.packet.internal.xmit;

import io.jvs.packet.internal.ring.AfPacketPort;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

/**
 * A platform thread that owns one {@link AfPacketPort} (one fanout member) and its {@link PacketProcessor}: drains
 * up to {@link #BATCH} RX frames per wake-up, kicks TX once per batch, and sleeps in {@code poll} when idle.
 * Control-plane requests (gratuitous ARP, resolving a server) are queued to it and run on its thread.
 */
final class PacketWorker implements Runnable {

    /** RX frames handled per wake-up before TX is kicked. */
    static final int BATCH = 256;
    private static final System.Logger LOG = System.getLogger(PacketWorker.class.getName());
    private static final int POLL_MS = 50;

    private final AfPacketPort port;
    private final PacketProcessor processor;
    private final ConcurrentLinkedQueue<Integer> announcements = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Integer> resolutions = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<long[]> announcements6 = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<long[]> resolutions6 = new ConcurrentLinkedQueue<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;

    PacketWorker(AfPacketPort port, PacketProcessor processor) {
        this.port = port;
        this.processor = processor;
    }

    PacketCounters counters() {
        return processor.counters();
    }

    AfPacketPort port() {
        return port;
    }

    /** Queues a gratuitous ARP for {@code vip}. */
    void announce(int vip) {
        announcements.add(vip);
    }

    /** Queues an ARP request for {@code address}. */
    void resolve(int address) {
        resolutions.add(address);
    }

    /** Queues an unsolicited neighbour advertisement for the IPv6 VIP {@code hi:lo}. */
    void announce6(long hi, long lo) {
        announcements6.add(new long[] {hi, lo});
    }

    /** Queues a neighbour solicitation for the IPv6 address {@code hi:lo}. */
    void resolve6(long hi, long lo) {
        resolutions6.add(new long[] {hi, lo});
    }

    @Override
    public void run() {
        MemorySegment ring = port.ring();
        try {
            while (running) {
                int n = 0;
                for (long f; n < BATCH && (f = port.nextRx()) >= 0; n++) {
                    processor.handle(ring, port.rxData(f), port.rxLength(f), port.rxStatus(f), port.rxPacketType(f), port);
                    port.releaseRx();
                }
                control(ring);
                port.flushTx();
                if (n == 0) {
                    port.poll(POLL_MS);
                }
            }
            port.flushTx();
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "packet worker " + Thread.currentThread().getName()
                    + " stopped by an unexpected error; once its ring is full, fanout rollover moves its flows to the other workers", e);
            throw e;
        } finally {
            stopped.countDown();
        }
    }

    private void control(MemorySegment ring) {
        for (Integer vip; (vip = announcements.poll()) != null; ) {
            processor.announce(ring, vip, port);
        }
        for (Integer a; (a = resolutions.poll()) != null; ) {
            processor.resolve(ring, a, port);
        }
        for (long[] a; (a = announcements6.poll()) != null; ) {
            processor.announce6(ring, a[0], a[1], port);
        }
        for (long[] a; (a = resolutions6.poll()) != null; ) {
            processor.resolve6(ring, a[0], a[1], port);
        }
    }

    /** Asks the loop to end and waits for it (at most one poll interval and a batch). */
    void stop() throws InterruptedException {
        running = false;
        stopped.await();
    }
}
