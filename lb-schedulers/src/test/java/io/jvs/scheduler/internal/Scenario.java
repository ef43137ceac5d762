package io.jvs.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertSame;

import io.jvs.api.Destination;
import io.jvs.api.Scheduler;
import io.jvs.scheduler.Schedulers;
import io.jvs.scheduler.testing.FakeContext;
import io.jvs.scheduler.testing.FakeDestination;
import io.jvs.scheduler.testing.FakeFlow;
import io.jvs.scheduler.testing.ManualTicker;
import io.jvs.scheduler.testing.Pool;
import io.jvs.scheduler.testing.ReferenceSchedulers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A random life of a service, played against the production scheduler and the kernel-loop reference at once: the
 * same servers (so the same counters), the same flows, the same ticker, equally seeded random sources. Every pick
 * must return the same server. The seed alone replays a run.
 */
final class Scenario {

    private static final class Conn {
        final FakeDestination d;
        boolean active;

        Conn(FakeDestination d) {
            this.d = d;
        }
    }

    private final String name;
    private final long seed;
    private final SplittableRandom random;
    private final ManualTicker ticker = new ManualTicker();
    private final Scheduler indexed;
    private final Scheduler reference;
    private final Pool pool;
    private final List<Conn> open = new ArrayList<>();
    private int added;

    Scenario(String name, long seed) {
        this.name = name;
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.indexed = Schedulers.byName(name).create(new FakeContext(Set.of(), ticker, new SplittableRandom(~seed)));
        this.reference = ReferenceSchedulers.factory(name).create(new FakeContext(Set.of(), ticker,
                new SplittableRandom(~seed)));
        this.pool = new Pool(indexed, reference);
    }

    private int picked;

    /**
     * Plays {@code steps} random operations on a pool that starts with {@code size} servers.
     *
     * @return how many picks found a server (both implementations agreeing)
     */
    static int run(String name, long seed, int size, int steps) {
        Scenario s = new Scenario(name, seed);
        s.play(size, steps);
        return s.picked;
    }

    private int weight() {
        switch (random.nextInt(10)) {
            case 0:
                return 0;
            case 1:
                return 1 + random.nextInt(65535);
            case 2:
                return 2 * (1 + random.nextInt(4)); // shared factors exercise wrr's gcd stepping
            default:
                return 1 + random.nextInt(5);
        }
    }

    private FakeDestination newServer() {
        int n = added++;
        FakeDestination d = FakeDestination.of("10." + (n >> 16 & 255) + "." + (n >> 8 & 255) + "." + (n & 255), 80,
                weight());
        if (random.nextInt(4) == 0) {
            d.setCounts(random.nextInt(20), random.nextInt(200));
        }
        if (random.nextInt(10) == 0) {
            d.setOverloaded(true);
        }
        return d;
    }

    private void play(int size, int steps) {
        boolean progressive = random.nextBoolean();
        for (int i = 0; i < size; i++) {
            if (progressive) {
                pool.add(newServer());
            } else {
                pool.stage(newServer());
            }
        }
        if (!progressive) {
            pool.bind();
        }
        for (int step = 0; step < steps; step++) {
            int op = random.nextInt(100);
            if (op < 55) {
                pick(step);
            } else if (op < 65) {
                if (!open.isEmpty()) {
                    Conn c = open.get(random.nextInt(open.size()));
                    if (c.active) {
                        c.d.deactivate();
                    } else {
                        c.d.activate();
                    }
                    c.active = !c.active;
                }
            } else if (op < 75) {
                if (!open.isEmpty()) {
                    Conn c = open.remove(random.nextInt(open.size()));
                    c.d.disconnect(c.active);
                }
            } else if (op < 80) {
                if (pool.size() > 0) {
                    FakeDestination d = pool.get(random.nextInt(pool.size()));
                    d.setOverloaded(!d.isOverloaded());
                }
            } else if (op < 85) {
                if (pool.size() > 0) {
                    pool.edit(pool.get(random.nextInt(pool.size())), weight());
                }
            } else if (op < 89) {
                pool.add(newServer());
            } else if (op < 92) {
                if (pool.size() > 0) {
                    pool.remove(pool.get(random.nextInt(pool.size())));
                }
            } else if (op < 96) {
                if (pool.size() > 0) {
                    // The server's connections are replaced by a made-up load (they will not close later).
                    FakeDestination d = pool.get(random.nextInt(pool.size()));
                    open.removeIf(c -> c.d == d);
                    int big = random.nextInt(8) == 0 ? 8_000_000 : 0;
                    d.setCounts(big + random.nextInt(50), random.nextInt(1000));
                }
            } else {
                // Mostly minutes; now and then more than a day, past lblc's expiration.
                ticker.advance(Duration.ofSeconds(random.nextInt(16) == 0 ? random.nextInt(110_000) : random.nextInt(600)));
            }
        }
    }

    private void pick(int step) {
        FakeFlow flow = new FakeFlow().client(random.nextInt(), random.nextInt(65536)).virtual(0x0a640000 + random.nextInt(8),
                80);
        Destination expected = reference.select(flow);
        Destination actual = indexed.select(flow);
        assertSame(expected, actual, () -> name + " seed " + seed + " step " + step + ", " + pool.size() + " servers: "
                + pool.servers().subList(0, Math.min(20, pool.size())));
        if (actual != null) {
            picked++;
        }
        if (actual != null && random.nextInt(3) > 0) {
            FakeDestination d = (FakeDestination) actual;
            d.connect();
            open.add(new Conn(d));
        }
    }
}
