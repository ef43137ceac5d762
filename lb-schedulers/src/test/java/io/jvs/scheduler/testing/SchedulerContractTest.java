package io.jvs.scheduler.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jvs.api.Destination;
import io.jvs.api.Scheduler;
import io.jvs.api.SchedulerFlag;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Scheduler} must do, whatever its algorithm: the contract of the SPI (no destination when
 * there is nothing usable, never a weight-0 server for a new connection, never a server that has left once
 * {@code update} returned, no exception and no allocation on the pick path, safe under concurrent picks, counter
 * changes and updates). Subclass it with the factory under test; third-party schedulers can run it from the
 * {@code lb-schedulers} test-jar.
 */
public abstract class SchedulerContractTest {

    /** The scheduler under test. */
    protected abstract Scheduler.Factory factory();

    /** The scheduler flags the service has; none by default. */
    protected Set<SchedulerFlag> flags() {
        return Set.of();
    }

    /** False for {@code none}, which never schedules. */
    protected boolean schedules() {
        return true;
    }

    /** False for schedulers that may return a server whose OVERLOAD flag is set (lblc, on a cache hit). */
    protected boolean alwaysSkipsOverloaded() {
        return true;
    }

    private final ManualTicker ticker = new ManualTicker();

    /** A scheduler with a thread-safe random source. */
    protected Scheduler newScheduler() {
        return factory().create(new FakeContext(flags(), ticker, ThreadLocalRandom::current));
    }

    /** Flows from many client and virtual addresses, so hashing schedulers look at many buckets. */
    protected static FakeFlow flow(int i) {
        return new FakeFlow().client(0x0a000000 + i * 7919, 1024 + (i & 0x7fff)).virtual(0xc0a80000 + (i % 13), 80);
    }

    @Test
    public void emptyServiceSelectsNothing() {
        Scheduler s = newScheduler();
        assertNull(s.select(flow(1)));
        s.update(List.of());
        for (int i = 0; i < 100; i++) {
            assertNull(s.select(flow(i)));
        }
    }

    @Test
    public void allQuiescedSelectsNothing() {
        Scheduler s = newScheduler();
        Pool pool = new Pool(s);
        for (int i = 0; i < 5; i++) {
            pool.add(0);
        }
        for (int i = 0; i < 300; i++) {
            assertNull(s.select(flow(i)), "pick " + i);
        }
        Pool weighted = new Pool(s);
        for (int i = 0; i < 5; i++) {
            weighted.add(3);
        }
        for (FakeDestination d : weighted.servers()) {
            weighted.edit(d, 0);
        }
        for (int i = 0; i < 300; i++) {
            assertNull(s.select(flow(i)), "pick " + i + " after quiescing");
        }
    }

    @Test
    public void allOverloadedSelectsNothing() {
        Scheduler s = newScheduler();
        Pool pool = new Pool(s);
        for (int i = 0; i < 5; i++) {
            pool.add(1 + i);
        }
        for (FakeDestination d : pool.servers()) {
            d.setOverloaded(true);
        }
        for (int i = 0; i < 300; i++) {
            assertNull(s.select(flow(i)), "pick " + i);
        }
    }

    @Test
    public void singleServerIsAlwaysPicked() {
        Scheduler s = newScheduler();
        Pool pool = new Pool(s);
        FakeDestination only = pool.add(2);
        for (int i = 0; i < 300; i++) {
            Destination d = s.select(flow(i));
            if (schedules()) {
                assertSame(only, d, "pick " + i);
                only.connect();
            } else {
                assertNull(d);
            }
        }
    }

    @Test
    public void quiescedAndRemovedServersAreNeverPicked() {
        Scheduler s = newScheduler();
        Pool pool = new Pool(s);
        for (int i = 0; i < 8; i++) {
            pool.add(1 + i % 3);
        }
        FakeDestination quiesced = pool.get(2);
        FakeDestination removed = pool.get(5);
        pool.edit(quiesced, 0);
        pool.remove(removed);
        int picked = 0;
        for (int i = 0; i < 2000; i++) {
            Destination d = s.select(flow(i));
            assertNotSame(quiesced, d, "pick " + i);
            assertNotSame(removed, d, "pick " + i);
            if (d != null) {
                picked++;
                assertTrue(pool.servers().contains(d), "pick " + i + " returned a stranger: " + d);
                ((FakeDestination) d).connect();
            }
        }
        assertEquals(schedules(), picked > 0, "picks made");
    }

    @Test
    public void weightChangesBetweenPicks() {
        Scheduler s = newScheduler();
        Pool pool = new Pool(s);
        for (int i = 0; i < 6; i++) {
            pool.add(1 + i);
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 3000; i++) {
            if (i % 7 == 0) {
                pool.edit(pool.get(random.nextInt(pool.size())), random.nextInt(4));
            }
            Destination d = s.select(flow(i));
            if (d != null) {
                assertTrue(d.weight() > 0, "pick " + i + " chose a quiesced server " + d);
                assertTrue(pool.servers().contains(d), "pick " + i + " returned a stranger: " + d);
                FakeDestination f = (FakeDestination) d;
                f.connect();
                if (random.nextBoolean()) {
                    f.activate();
                }
            }
        }
    }

    @Test
    public void overloadedServersAreSkipped() {
        Scheduler s = newScheduler();
        Pool pool = new Pool(s);
        for (int i = 0; i < 6; i++) {
            pool.add(2);
        }
        FakeDestination hot = pool.get(1);
        hot.setOverloaded(true);
        for (int i = 0; i < 1000; i++) {
            Destination d = s.select(flow(i));
            if (alwaysSkipsOverloaded()) {
                assertNotSame(hot, d, "pick " + i);
            }
            if (d != null) {
                ((FakeDestination) d).connect();
            }
        }
    }

    /**
     * Several threads pick and change counters while the control thread adds, edits and removes servers: no
     * exception, no stranger, and no pick that started after a removal's {@code update} returned gets the
     * removed server. Bounded by count and by time.
     */
    @Test
    public void concurrentPicksWhileTheControlThreadSwapsSnapshots() throws Exception {
        Scheduler s = newScheduler();
        Pool pool = new Pool(s);
        for (int i = 0; i < 40; i++) {
            pool.add(1 + i % 5);
        }
        int pickers = 3;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // A removed server and the sequence number published once its update returned.
        ConcurrentHashMap<Destination, Long> removedAt = new ConcurrentHashMap<>();
        AtomicLong sequence = new AtomicLong();
        AtomicInteger picks = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(pickers);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < pickers; t++) {
            int seed = t;
            Thread thread = new Thread(() -> {
                try {
                    SplittableRandom random = new SplittableRandom(seed);
                    List<FakeDestination> open = new ArrayList<>();
                    for (int i = 0; i < 200_000 && !stop.get(); i++) {
                        long started = sequence.get();
                        Destination d = s.select(flow(random.nextInt(1 << 16)));
                        picks.incrementAndGet();
                        if (d == null) {
                            continue;
                        }
                        Long at = removedAt.get(d);
                        if (at != null && at <= started) {
                            throw new AssertionError("picked " + d + ", removed before the pick started");
                        }
                        FakeDestination f = (FakeDestination) d;
                        f.connect();
                        open.add(f);
                        if (open.size() > 50) {
                            open.remove(random.nextInt(open.size())).disconnect(false);
                        }
                    }
                    for (FakeDestination f : open) {
                        f.disconnect(false);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }, "picker-" + t);
            threads.add(thread);
            thread.start();
        }
        SplittableRandom random = new SplittableRandom(99);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        for (int i = 0; i < 50_000 && picks.get() < 150_000 && System.nanoTime() < deadline && failure.get() == null;
                i++) {
            switch (random.nextInt(4)) {
                case 0:
                    if (pool.size() < 60) {
                        pool.add(1 + random.nextInt(5));
                    }
                    break;
                case 1:
                    if (pool.size() > 5) {
                        FakeDestination d = pool.get(random.nextInt(pool.size()));
                        pool.remove(d);
                        removedAt.put(d, sequence.incrementAndGet());
                    }
                    break;
                case 2:
                    pool.edit(pool.get(random.nextInt(pool.size())), random.nextInt(6));
                    break;
                default:
                    FakeDestination d = pool.get(random.nextInt(pool.size()));
                    d.setOverloaded(!d.isOverloaded());
            }
        }
        stop.set(true);
        assertTrue(done.await(30, TimeUnit.SECONDS), "pickers did not stop");
        if (failure.get() != null) {
            throw new AssertionError("failure while picking concurrently", failure.get());
        }
        assertTrue(picks.get() > 0, "no pick made");
    }

    /** A pick allocates nothing once warm (measured with the thread's allocation counter, not timed). */
    @Test
    public void picksDoNotAllocate() {
        io.jvs.testing.Allocations.assumeCounted();
        Scheduler s = newScheduler();
        Pool pool = new Pool(s);
        for (int i = 0; i < 64; i++) {
            pool.add(1 + i % 4);
        }
        FakeFlow[] flows = new FakeFlow[16];
        for (int i = 0; i < flows.length; i++) {
            flows[i] = flow(i);
        }
        Destination[] sink = new Destination[1];
        long bytes = io.jvs.testing.Allocations.leastOf(5, () -> {
            for (int i = 0; i < 100_000; i++) {
                Destination d = s.select(flows[i & 15]);
                sink[0] = d != null ? d : sink[0];
            }
        });
        if (bytes < 1024) {
            assertEquals(schedules(), sink[0] != null, "picked a server");
            return;
        }
        fail("100,000 picks still allocated memory after 5 rounds of warm-up");
    }
}
