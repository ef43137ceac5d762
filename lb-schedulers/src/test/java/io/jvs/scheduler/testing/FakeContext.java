package io.jvs.scheduler.testing;

import io.jvs.api.Scheduler;
import io.jvs.api.SchedulerFlag;
import io.jvs.api.ServiceId;
import io.jvs.api.Ticker;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/** A {@link Scheduler.Context} with chosen flags, a {@link ManualTicker} and a seeded (or scripted) random source. */
public final class FakeContext implements Scheduler.Context {

    private final Set<SchedulerFlag> flags;
    private final Ticker ticker;
    private final Supplier<? extends RandomGenerator> random;

    /** {@code random} is asked for the generator on every call of {@link #random()} (from the picking thread). */
    public FakeContext(Set<SchedulerFlag> flags, Ticker ticker, Supplier<? extends RandomGenerator> random) {
        this.flags = flags.isEmpty() ? Set.of() : EnumSet.copyOf(flags);
        this.ticker = ticker;
        this.random = random;
    }

    /** One generator for all calls (not thread-safe unless {@code random} is). */
    public FakeContext(Set<SchedulerFlag> flags, Ticker ticker, RandomGenerator random) {
        this(flags, ticker, () -> random);
    }

    /** No flags, a fresh manual ticker, a random source seeded with 42. */
    public FakeContext() {
        this(Set.of(), new ManualTicker(), new SplittableRandom(42));
    }

    @Override
    public ServiceId service() {
        return ServiceId.tcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 80));
    }

    @Override
    public Set<SchedulerFlag> flags() {
        return flags;
    }

    @Override
    public Ticker ticker() {
        return ticker;
    }

    @Override
    public RandomGenerator random() {
        return random.get();
    }
}
