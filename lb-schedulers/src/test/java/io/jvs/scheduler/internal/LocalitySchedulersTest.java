package io.jvs.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Destination;
import io.jvs.api.Scheduler;
import io.jvs.scheduler.testing.FakeContext;
import io.jvs.scheduler.testing.FakeDestination;
import io.jvs.scheduler.testing.FakeFlow;
import io.jvs.scheduler.testing.ManualTicker;
import io.jvs.scheduler.testing.Pool;
import io.jvs.scheduler.testing.ReferenceSchedulers;
import java.time.Duration;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** lblc and lblcr (ipvs-spec §2.13-2.14): cache hits, the "overloaded" rule, replication, expiry and collection. */
class LocalitySchedulersTest {

    private final ManualTicker ticker = new ManualTicker();
    private final FakeContext context = new FakeContext(Set.of(), ticker, new SplittableRandom(1));
    private final FakeFlow vip1 = FakeFlow.of("192.0.2.1", 1000, "10.10.0.1");
    private final FakeFlow vip2 = FakeFlow.of("192.0.2.2", 1000, "10.10.0.2");

    private LocalityBasedLeastConnectionScheduler lblc() {
        return new LocalityBasedLeastConnectionScheduler(context, LocalityCache.DEFAULT_EXPIRATION);
    }

    private LocalityBasedLeastConnectionWithReplicationScheduler lblcr() {
        return new LocalityBasedLeastConnectionWithReplicationScheduler(context, LocalityCache.DEFAULT_EXPIRATION);
    }

    /** Adds A (w2), B (w2), C (w2): list C, B, A. */
    private static Pool threeServers(Scheduler s) {
        Pool pool = new Pool(s);
        pool.add(FakeDestination.of("10.0.0.1", 80, 2));
        pool.add(FakeDestination.of("10.0.0.2", 80, 2));
        pool.add(FakeDestination.of("10.0.0.3", 80, 2));
        return pool;
    }

    private static void connectActive(FakeDestination d, int n) {
        for (int i = 0; i < n; i++) {
            d.connect();
            d.activate();
        }
    }

    @Test
    void lblc_sticksToTheCachedServer_whileWlcWouldMove() {
        LocalityBasedLeastConnectionScheduler s = lblc();
        Pool pool = threeServers(s);
        FakeDestination c = pool.get(0);
        assertSame(c, s.select(vip1)); // wlc: all idle, the first (C)
        connectActive(c, 2); // C: 2 active = weight: not "overloaded" (needs active > weight)
        assertSame(c, s.select(vip1));
        assertSame(pool.get(1), s.select(vip2)); // another address: wlc picks B
        assertEquals(2, s.cacheSize());
    }

    @Test
    void lblc_overloadedRule_needsAServerUnderHalfItsWeight() {
        LocalityBasedLeastConnectionScheduler s = lblc();
        Pool pool = threeServers(s);
        FakeDestination c = pool.get(0);
        FakeDestination b = pool.get(1);
        FakeDestination a = pool.get(2);
        assertSame(c, s.select(vip1));
        connectActive(c, 3); // 3 > 2
        connectActive(b, 1); // 2 * 1 < 2? no
        connectActive(a, 1);
        assertSame(c, s.select(vip1), "nobody is under half its weight: stay");
        a.disconnect(true); // A: 0 active, 0 < 2: C is now "overloaded"
        assertSame(a, s.select(vip1));
        assertSame(a, s.select(vip1), "the entry now points at A");
        assertEquals(1, s.cacheSize());
    }

    @Test
    void lblc_cacheHitIgnoresTheOverloadFlag_butNotRemovalOrQuiescing() {
        LocalityBasedLeastConnectionScheduler s = lblc();
        Pool pool = threeServers(s);
        FakeDestination c = pool.get(0);
        assertSame(c, s.select(vip1));
        c.setOverloaded(true);
        assertSame(c, s.select(vip1));
        c.setOverloaded(false);
        pool.edit(c, 0);
        assertSame(pool.get(1), s.select(vip1));
        FakeDestination b = pool.get(1);
        pool.remove(b);
        Destination next = s.select(vip1);
        assertNotSame(b, next);
        assertSame(pool.get(1), next); // A (C is quiesced)
    }

    @Test
    void lblc_entriesExpireAfterTheExpirationTime() {
        LocalityBasedLeastConnectionScheduler s = new LocalityBasedLeastConnectionScheduler(context,
                Duration.ofHours(1).toNanos());
        Pool pool = threeServers(s);
        assertSame(pool.get(0), s.select(vip1));
        connectActive(pool.get(0), 1); // wlc would now choose B for a fresh entry
        // Full scans run on the 30th tick and every 29 ticks after: at 30, 59, 88 minutes.
        ticker.advance(Duration.ofMinutes(59));
        assertSame(pool.get(1), s.select(vip2)); // runs the ticks; vip1 unused for 59 min >= 1 h? no
        assertEquals(2, s.cacheSize());
        ticker.advance(Duration.ofMinutes(30)); // tick at 88 min: vip1 unused for 88 min, vip2 for 29
        assertSame(pool.get(1), s.select(vip2));
        assertEquals(1, s.cacheSize());
        // The entry (C) is gone; a fresh wlc choice: B (C has a connection). A live entry would have kept C.
        assertSame(pool.get(1), s.select(vip1));
        assertEquals(2, s.cacheSize());
    }

    @Test
    void lblc_usedEntriesDoNotExpire() {
        LocalityBasedLeastConnectionScheduler s = lblc();
        Pool pool = threeServers(s);
        FakeDestination c = pool.get(0);
        assertSame(c, s.select(vip1));
        connectActive(c, 1);
        for (int hour = 0; hour < 30; hour++) {
            ticker.advance(Duration.ofHours(1));
            assertSame(c, s.select(vip1), "hour " + hour);
        }
    }

    /** Above 16 x 1024 entries, partial collection removes entries idle 6 minutes; same count as the reference. */
    @Test
    void lblc_partialCollectionAboveTheSoftMaximum() {
        for (String name : new String[] {"lblc", "lblcr"}) {
            Scheduler s = name.equals("lblc") ? lblc() : lblcr();
            Scheduler ref = ReferenceSchedulers.factory(name).create(context);
            Pool pool = new Pool(s, ref);
            pool.add(FakeDestination.of("10.0.0.1", 80, 1));
            FakeFlow f = new FakeFlow().client(1, 1);
            for (int i = 0; i < 20_000; i++) {
                f.virtual(0x0b000000 + i, 80);
                assertSame(ref.select(f), s.select(f));
                if (i % 5000 == 4999) {
                    ticker.advance(Duration.ofMinutes(2));
                }
            }
            int[] sizes = new int[12];
            for (int m = 0; m < sizes.length; m++) {
                ticker.advance(Duration.ofMinutes(1));
                f.virtual(0x0c000000 + m, 80);
                assertSame(ref.select(f), s.select(f));
                int size = name.equals("lblc") ? ((LocalityBasedLeastConnectionScheduler) s).cacheSize()
                        : ((LocalityBasedLeastConnectionWithReplicationScheduler) s).cacheSize();
                sizes[m] = size;
            }
            assertTrue(sizes[sizes.length - 1] < 20_000, name + " collected nothing: " + sizes[sizes.length - 1]);
            assertTrue(sizes[sizes.length - 1] >= 16_384 - 8192, name + ": " + sizes[sizes.length - 1]);
        }
    }

    @Test
    void lblcr_growsTheSetUnderLoad_andPicksItsLeastLoadedMember() {
        LocalityBasedLeastConnectionWithReplicationScheduler s = lblcr();
        Pool pool = threeServers(s);
        FakeDestination c = pool.get(0);
        FakeDestination b = pool.get(1);
        FakeDestination a = pool.get(2);
        assertSame(c, s.select(vip1));
        connectActive(c, 3); // 3 > 2, and A and B are idle: "overloaded"
        assertSame(b, s.select(vip1)); // wlc: B; set {B, C}
        assertSame(b, s.select(vip1)); // set min: B (0) over C
        connectActive(b, 1);
        assertSame(b, s.select(vip1)); // B 256/2 < C 768/2
        connectActive(b, 2); // B 3 active > 2 and A idle: both members "overloaded" in turn
        assertSame(a, s.select(vip1)); // set min: B (768/2) ties C (768/2) -> B, overloaded -> wlc: A joins
        assertSame(a, s.select(vip1));
    }

    @Test
    void lblcr_shedsItsMostLoadedMemberAfterTheExpiration() {
        LocalityBasedLeastConnectionWithReplicationScheduler s = new LocalityBasedLeastConnectionWithReplicationScheduler(
                context, Duration.ofHours(2).toNanos());
        Pool pool = threeServers(s);
        FakeDestination c = pool.get(0);
        FakeDestination b = pool.get(1);
        assertSame(c, s.select(vip1));
        connectActive(c, 3);
        assertSame(b, s.select(vip1)); // set {B, C}, modified now
        ticker.advance(Duration.ofMinutes(90));
        assertSame(b, s.select(vip1)); // in use: no expiry; set unchanged for 90 min < 2 h
        ticker.advance(Duration.ofMinutes(31));
        // Set unchanged for 121 min > 2 h: C (most loaded) is removed; B is returned.
        assertSame(b, s.select(vip1));
        c.disconnect(true);
        c.disconnect(true);
        c.disconnect(true);
        connectActive(b, 1);
        // Had C still been a member, its lower load would win; it is gone, so B stays.
        assertSame(b, s.select(vip1));
    }

    @Test
    void lblcr_membersThatLeftAreSkipped() {
        LocalityBasedLeastConnectionWithReplicationScheduler s = lblcr();
        Pool pool = threeServers(s);
        FakeDestination c = pool.get(0);
        assertSame(c, s.select(vip1));
        pool.remove(c);
        Destination d = s.select(vip1);
        assertNotSame(c, d);
        assertSame(pool.get(0), d);
    }

    @Test
    void locality_noServers_noDestination() {
        assertNull(lblc().select(vip1));
        assertNull(lblcr().select(vip1));
    }
}
