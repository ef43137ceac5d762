package io.jvs.scheduler.testing;

import io.jvs.api.Destination;
import io.jvs.api.RealServer;
import io.jvs.api.Scheduler;
import io.jvs.api.internal.Addresses;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Destination} whose state tests set by hand. Like the core's destination entry, every change of its
 * counters or of its OVERLOAD flag is followed, on the same thread, by {@link Scheduler#countersChanged} on each
 * scheduler it is {@link #attach attached} to; weight changes are not (a {@link Pool} edit calls {@code update}).
 */
public final class FakeDestination implements Destination {

    private final InetSocketAddress address;
    /** Copy-on-write, so notifying allocates nothing (benchmarks measure through this class). */
    private volatile Scheduler[] schedulers = new Scheduler[0];
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger inactive = new AtomicInteger();
    private volatile int weight;
    private volatile int lastWeight;
    private volatile boolean overloaded;
    private volatile boolean available = true;

    public FakeDestination(InetSocketAddress address, int weight) {
        this.address = address;
        this.weight = weight;
        this.lastWeight = weight;
    }

    /** A server at {@code host:port} (an IP literal) with the given weight. */
    public static FakeDestination of(String host, int port, int weight) {
        return new FakeDestination(new InetSocketAddress(Addresses.parseLiteral(host), port), weight);
    }

    /** Sends counter changes to {@code s}. */
    public synchronized void attach(Scheduler s) {
        Scheduler[] next = Arrays.copyOf(schedulers, schedulers.length + 1);
        next[next.length - 1] = s;
        schedulers = next;
    }

    /** Stops sending counter changes to {@code s}. */
    public synchronized void detach(Scheduler s) {
        schedulers = Arrays.stream(schedulers).filter(x -> x != s).toArray(Scheduler[]::new);
    }

    private void changed() {
        for (Scheduler s : schedulers) {
            s.countersChanged(this);
        }
    }

    /** Sets the weight as an edit does: {@code lastWeight} follows unless the new weight is 0. */
    public void setWeight(int w) {
        weight = w;
        if (w != 0) {
            lastWeight = w;
        }
    }

    /** A new connection: one more inactive (as IPVS binds it). */
    public void connect() {
        inactive.incrementAndGet();
        changed();
    }

    /** A connection becomes active (inactive to active). */
    public void activate() {
        inactive.decrementAndGet();
        active.incrementAndGet();
        changed();
    }

    /** A connection leaves the active set for the inactive one. */
    public void deactivate() {
        active.decrementAndGet();
        inactive.incrementAndGet();
        changed();
    }

    /** A connection ends. */
    public void disconnect(boolean wasActive) {
        (wasActive ? active : inactive).decrementAndGet();
        changed();
    }

    /** Sets both counters at once. */
    public void setCounts(int activeConnections, int inactiveConnections) {
        active.set(activeConnections);
        inactive.set(inactiveConnections);
        changed();
    }

    /** Sets or clears OVERLOAD. */
    public void setOverloaded(boolean value) {
        overloaded = value;
        changed();
    }

    /** Marks the server deleted (cleared AVAILABLE); the pool does this before it calls {@code update}. */
    public void setAvailable(boolean value) {
        available = value;
    }

    @Override
    public RealServer server() {
        return RealServer.of(address).withWeight(weight);
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public int weight() {
        return weight;
    }

    @Override
    public int lastWeight() {
        return lastWeight;
    }

    @Override
    public int activeConnections() {
        return active.get();
    }

    @Override
    public int inactiveConnections() {
        return inactive.get();
    }

    @Override
    public int persistentConnections() {
        return 0;
    }

    @Override
    public boolean isOverloaded() {
        return overloaded;
    }

    @Override
    public boolean isAvailable() {
        return available;
    }

    @Override
    public String toString() {
        return Addresses.toString(address) + " w" + weight + " a" + active + " i" + inactive + (overloaded ? " OVL" : "");
    }
}
