package io.jvs.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Destination;
import io.jvs.api.SchedulerFlag;
import io.jvs.api.internal.Addresses;
import io.jvs.scheduler.testing.FakeContext;
import io.jvs.scheduler.testing.FakeDestination;
import io.jvs.scheduler.testing.FakeFlow;
import io.jvs.scheduler.testing.ManualTicker;
import io.jvs.scheduler.testing.Pool;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** dh, sh and mh: table contents, the hashed bucket, fallback probing and the flags (ipvs-spec §2.10-2.12). */
class HashingSchedulersTest {

    private static FakeContext context(SchedulerFlag... flags) {
        Set<SchedulerFlag> set = flags.length == 0 ? Set.of() : EnumSet.of(flags[0], flags);
        return new FakeContext(set, new ManualTicker(), new SplittableRandom(1));
    }

    private static int ip(String a) {
        return Addresses.fold(Addresses.parseLiteral(a));
    }

    @Test
    void dh_bucketIHoldsServerIModN_andHashesTheVirtualAddress() {
        DestinationHashingScheduler dh = new DestinationHashingScheduler(8);
        Pool pool = new Pool(dh);
        FakeDestination a = pool.add(FakeDestination.of("192.168.1.1", 80, 1));
        FakeDestination b = pool.add(FakeDestination.of("192.168.1.2", 80, 9)); // weight ignored
        FakeDestination c = pool.add(FakeDestination.of("192.168.1.3", 80, 1));
        // List C, B, A; 10.0.0.1 -> bucket 39 -> 39 mod 3 = 0 -> C; 10.0.0.2 -> 137 -> 2 -> A.
        assertSame(c, dh.select(FakeFlow.of("1.1.1.1", 1000, "10.0.0.1")));
        assertSame(a, dh.select(FakeFlow.of("1.1.1.2", 1000, "10.0.0.2")));
        for (int v = 0; v < 1000; v++) {
            assertSame(pool.get(Hashing.hash32(v, 8) % 3), dh.select(new FakeFlow().client(7, 7).virtual(v, 80)));
        }
        // No fallback: an unusable bucket server means no destination.
        c.setOverloaded(true);
        assertNull(dh.select(FakeFlow.of("1.1.1.1", 1000, "10.0.0.1")));
        c.setOverloaded(false);
        pool.edit(c, 0);
        assertNull(dh.select(FakeFlow.of("1.1.1.1", 1000, "10.0.0.1")));
        pool.remove(a); // list C, B: 137 mod 2 = 1 -> B
        assertSame(b, dh.select(FakeFlow.of("1.1.1.2", 1000, "10.0.0.2")));
    }

    private static Map<Destination, Integer> bucketCounts(SourceHashingScheduler sh, int buckets) {
        // Every bucket is reachable from some address: walk addresses until each bucket has been seen once.
        Map<Destination, Integer> counts = new IdentityHashMap<>();
        boolean[] seen = new boolean[buckets];
        int found = 0;
        for (int v = 0; found < buckets; v++) {
            int h = Hashing.hash32(v, 8);
            if (!seen[h]) {
                seen[h] = true;
                found++;
                counts.merge(sh.select(new FakeFlow().client(v, 0)), 1, Integer::sum);
            }
        }
        return counts;
    }

    @Test
    void sh_fillsInProportionToWeight() {
        SourceHashingScheduler sh = new SourceHashingScheduler(context(), 8);
        Pool pool = new Pool(sh);
        FakeDestination a = pool.add(FakeDestination.of("192.168.1.1", 80, 3));
        FakeDestination b = pool.add(FakeDestination.of("192.168.1.2", 80, 2));
        FakeDestination c = pool.add(FakeDestination.of("192.168.1.3", 80, 1));
        Map<Destination, Integer> counts = bucketCounts(sh, 256);
        assertEquals(127, counts.get(a));
        assertEquals(86, counts.get(b));
        assertEquals(43, counts.get(c));
        // Fill order C B B A A A C ...: bucket 0 = C, 1-2 = B, 3-5 = A; 10.0.0.1 hashes to 39 = 6*6+3 -> A.
        assertSame(a, sh.select(FakeFlow.of("10.0.0.1", 5000, "1.2.3.4")));
    }

    @Test
    void sh_portFlagHashesTheSourcePort() {
        SourceHashingScheduler sh = new SourceHashingScheduler(context(SchedulerFlag.FLAG_2), 8);
        Pool pool = new Pool(sh);
        for (int i = 0; i < 256; i++) {
            pool.stage(FakeDestination.of("192.168.0." + (i + 1), 80, 1));
        }
        pool.bind();
        // 256 servers of weight 1: bucket i holds list[i].
        assertSame(pool.get(134), sh.select(FakeFlow.of("10.0.0.1", 12345, "1.2.3.4")));
        assertSame(pool.get(203), sh.select(FakeFlow.of("10.0.0.1", 40000, "1.2.3.4")));
        SourceHashingScheduler noPort = new SourceHashingScheduler(context(), 8);
        new Pool(noPort).bind();
        noPort.update(pool.view());
        assertSame(pool.get(39), noPort.select(FakeFlow.of("10.0.0.1", 12345, "1.2.3.4")));
    }

    @Test
    void sh_fallbackProbesTwiceTheHashPlusK() {
        SourceHashingScheduler sh = new SourceHashingScheduler(context(SchedulerFlag.FLAG_1), 8);
        Pool pool = new Pool(sh);
        for (int i = 0; i < 256; i++) {
            pool.stage(FakeDestination.of("192.168.0." + (i + 1), 80, 1));
        }
        pool.bind();
        FakeFlow flow = FakeFlow.of("10.0.0.1", 1, "1.2.3.4"); // bucket 39
        assertSame(pool.get(39), sh.select(flow));
        pool.get(39).setOverloaded(true);
        assertSame(pool.get(78), sh.select(flow)); // (2 * 39 + 0) mod 256
        pool.get(78).setOverloaded(true);
        assertSame(pool.get(79), sh.select(flow));
        SourceHashingScheduler strict = new SourceHashingScheduler(context(), 8);
        strict.update(pool.view());
        assertNull(strict.select(flow));
    }

    @Test
    void sh_fallbackStopsWhenEverythingIsUnusable() {
        SourceHashingScheduler sh = new SourceHashingScheduler(context(SchedulerFlag.FLAG_1), 8);
        Pool pool = new Pool(sh);
        pool.add(FakeDestination.of("192.168.0.1", 80, 1)).setOverloaded(true);
        pool.add(FakeDestination.of("192.168.0.2", 80, 1));
        pool.edit(pool.get(0), 0);
        assertNull(sh.select(FakeFlow.of("10.0.0.1", 1, "1.2.3.4")));
    }

    private static Pool maglevPool(MaglevHashingScheduler mh, int... weights) {
        Pool pool = new Pool(mh);
        for (int i = 0; i < weights.length; i++) {
            pool.add(FakeDestination.of("192.168.1." + (i + 1), 80, weights[i]));
        }
        return pool; // list: 192.168.1.3, .2, .1
    }

    private static Map<Destination, Integer> slotCounts(MaglevHashingScheduler mh) {
        Map<Destination, Integer> counts = new IdentityHashMap<>();
        // Each slot h is reached by any value whose hash is h mod M; probing values covers them all.
        boolean[] seen = new boolean[4093];
        int found = 0;
        for (int v = 0; found < 4093; v++) {
            int h = Integer.remainderUnsigned(MaglevHashingScheduler.hash(MaglevHashingScheduler.KEY1, v, 0, 0), 4093);
            if (!seen[h]) {
                seen[h] = true;
                found++;
                counts.merge(mh.select(new FakeFlow().client(v, 0)), 1, Integer::sum);
            }
        }
        return counts;
    }

    /** ipvs-spec §2.12 reference values (provisional: from a re-implementation, not a running kernel). */
    @Test
    void mh_specVectors() {
        MaglevHashingScheduler mh = new MaglevHashingScheduler(context(), 12);
        Pool pool = maglevPool(mh, 1, 1, 1);
        FakeDestination d3 = pool.get(0);
        FakeDestination d2 = pool.get(1);
        FakeDestination d1 = pool.get(2);
        Map<Destination, Integer> counts = slotCounts(mh);
        assertEquals(1365, counts.get(d3));
        assertEquals(1364, counts.get(d2));
        assertEquals(1364, counts.get(d1));
        assertSame(d2, mh.select(FakeFlow.of("10.0.0.1", 1, "1.2.3.4")));
        assertSame(d1, mh.select(FakeFlow.of("10.0.0.2", 1, "1.2.3.4")));
        assertSame(d2, mh.select(FakeFlow.of("192.168.1.100", 1, "1.2.3.4")));
        assertSame(d1, mh.select(FakeFlow.of("172.16.5.4", 1, "1.2.3.4")));

        MaglevHashingScheduler weighted = new MaglevHashingScheduler(context(), 12);
        Pool w = maglevPool(weighted, 3, 2, 1); // list .3 (w1), .2 (w2), .1 (w3)
        Map<Destination, Integer> wc = slotCounts(weighted);
        assertEquals(683, wc.get(w.get(0)));
        assertEquals(1364, wc.get(w.get(1)));
        assertEquals(2046, wc.get(w.get(2)));
    }

    @Test
    void mh_quiescingMovesNobody_andFallbackUsesFreshHashes() {
        MaglevHashingScheduler mh = new MaglevHashingScheduler(context(), 12);
        Pool pool = maglevPool(mh, 1, 1, 1);
        FakeFlow flow = FakeFlow.of("10.0.0.1", 1, "1.2.3.4");
        FakeDestination d2 = pool.get(1);
        assertSame(d2, mh.select(flow));
        pool.edit(d2, 0); // last_weight stays 1: the table does not change, 10.0.0.1 has no destination
        assertNull(mh.select(flow));
        assertSame(pool.get(2), mh.select(FakeFlow.of("10.0.0.2", 1, "1.2.3.4")));

        MaglevHashingScheduler fallback = new MaglevHashingScheduler(context(SchedulerFlag.FLAG_1), 12);
        fallback.update(pool.view());
        Destination expected = null;
        int h = Integer.remainderUnsigned(MaglevHashingScheduler.hash(MaglevHashingScheduler.KEY1, ip("10.0.0.1"), 0, 0),
                4093);
        MaglevHashingScheduler probe = new MaglevHashingScheduler(context(), 12);
        probe.update(pool.view());
        for (int k = 0; k < 4093 && expected == null; k++) {
            int r = (h + k) % 4093;
            int v = MaglevHashingScheduler.hash(MaglevHashingScheduler.KEY1, ip("10.0.0.1"), 0, r);
            // the slot of hash v is reached by a client whose offset-0 hash is v: look it up via the table
            expected = slotOwner(probe, Integer.remainderUnsigned(v, 4093));
        }
        assertSame(expected, fallback.select(flow));
        assertTrue(expected != d2);
    }

    /** The server in slot {@code slot} (found by probing client values), or null if it is quiesced. */
    private static Destination slotOwner(MaglevHashingScheduler mh, int slot) {
        for (int v = 0;; v++) {
            if (Integer.remainderUnsigned(MaglevHashingScheduler.hash(MaglevHashingScheduler.KEY1, v, 0, 0), 4093) == slot) {
                return mh.select(new FakeFlow().client(v, 0));
            }
        }
    }

    @Test
    void mh_portFlag() {
        MaglevHashingScheduler mh = new MaglevHashingScheduler(context(SchedulerFlag.FLAG_2), 12);
        maglevPool(mh, 1, 1, 1);
        MaglevHashingScheduler plain = new MaglevHashingScheduler(context(), 12);
        maglevPool(plain, 1, 1, 1);
        // With mh-port, address A port P hashes like address A + P without it.
        for (int port = 1; port < 2000; port += 37) {
            Destination withPort = mh.select(new FakeFlow().client(ip("10.0.0.1"), port));
            Destination folded = plain.select(new FakeFlow().client(ip("10.0.0.1") + port, 9));
            assertEquals(withPort.address(), folded.address(), "port " + port);
        }
    }

    @Test
    void mh_moreServersThanSlots_keepsTheTableButNeverARemovedServer() {
        MaglevHashingScheduler mh = new MaglevHashingScheduler(context(), 8); // M = 251
        Pool pool = new Pool(mh);
        for (int i = 0; i < 251; i++) {
            pool.add(FakeDestination.of("10.1." + (i / 200) + "." + (i % 200 + 1), 80, 1));
        }
        FakeFlow flow = FakeFlow.of("10.0.0.1", 1, "1.2.3.4");
        Destination before = mh.select(flow);
        FakeDestination extra = pool.add(FakeDestination.of("10.9.9.9", 80, 1)); // 252 > 251: table kept
        assertSame(before, mh.select(flow));
        pool.remove((FakeDestination) before); // still 251 after: rebuilt without it
        assertTrue(mh.select(flow) != before);
        List<Destination> view = pool.view();
        assertTrue(view.contains(extra));
    }

    @Test
    void mh_allLastWeightsZero_emptyTable() {
        MaglevHashingScheduler mh = new MaglevHashingScheduler(context(SchedulerFlag.FLAG_1), 12);
        maglevPool(mh, 0, 0);
        assertNull(mh.select(FakeFlow.of("10.0.0.1", 1, "1.2.3.4")));
    }
}
