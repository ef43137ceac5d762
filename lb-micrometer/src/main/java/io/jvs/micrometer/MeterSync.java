package io.jvs.micrometer;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What {@link LoadBalancerMetrics} and {@link HealthMetrics} share: a snapshot of their source at most a second
 * old (however many meters a scrape reads), meters kept in step with the snapshot by key, and a daemon thread that
 * refreshes them. Thread-safe.
 *
 * @param <S> the snapshot type
 */
final class MeterSync<S> {

    /** What a binder knows about its source. */
    interface Source<S> {
        /** Reads the source. */
        S take();

        /** The keys that should have meters in {@code snapshot}, with their tags. */
        Map<Object, Tags> wanted(S snapshot);

        /** Registers the meters of {@code key}. */
        List<Meter> register(MeterRegistry registry, Object key, Tags tags);

        /** The meters of {@code key} were removed from the registry. */
        default void removed(Object key) {}
    }

    private static final Logger LOG = System.getLogger(MeterSync.class.getName());
    private static final long SNAPSHOT_MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Source<S> source;
    private final Duration refreshInterval;
    private final String threadName;
    private final Object lock = new Object();
    private MeterRegistry registry; // guarded by lock
    private ScheduledExecutorService refresher; // guarded by lock
    private final Map<Object, List<Meter>> meters = new HashMap<>(); // guarded by lock
    private final List<Meter> fixed = new ArrayList<>(); // guarded by lock
    private volatile Stamped<S> snapshot;

    private record Stamped<S>(S value, long taken) {}

    /**
     * @throws NullPointerException if the interval is null
     * @throws IllegalArgumentException if the interval is negative
     */
    MeterSync(Source<S> source, Duration refreshInterval, String threadName) {
        this.source = source;
        Objects.requireNonNull(refreshInterval, "refreshInterval");
        if (refreshInterval.isNegative()) {
            throw new IllegalArgumentException("refreshInterval: " + refreshInterval + " (expected: >= PT0S)");
        }
        this.refreshInterval = refreshInterval;
        this.threadName = threadName;
    }

    /**
     * Registers {@code fixedMeters} and the meters of every key, and starts the refresh thread.
     *
     * @throws IllegalStateException if already bound
     */
    void bind(MeterRegistry registry, Function<MeterRegistry, List<Meter>> fixedMeters) {
        Objects.requireNonNull(registry, "registry");
        synchronized (lock) {
            if (this.registry != null) {
                throw new IllegalStateException("registry was already set to " + this.registry);
            }
            this.registry = registry;
            fixed.addAll(fixedMeters.apply(registry));
            sync();
            if (!refreshInterval.isZero()) {
                refresher = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, threadName);
                    t.setDaemon(true);
                    return t;
                });
                long ms = Math.max(1, refreshInterval.toMillis());
                refresher.scheduleWithFixedDelay(this::refresh, ms, ms, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** The latest snapshot, taken again when older than a second. */
    S snapshot() {
        Stamped<S> s = snapshot;
        if (s == null || System.nanoTime() - s.taken() > SNAPSHOT_MAX_AGE_NANOS) {
            synchronized (this) {
                s = snapshot;
                if (s == null || System.nanoTime() - s.taken() > SNAPSHOT_MAX_AGE_NANOS) {
                    s = new Stamped<>(source.take(), System.nanoTime());
                    snapshot = s;
                }
            }
        }
        return s.value();
    }

    /** Takes a fresh snapshot and registers or removes meters to match it; logs a failure. */
    void refresh() {
        try {
            synchronized (lock) {
                if (registry != null) {
                    snapshot = null;
                    sync();
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "refreshing " + threadName + " meters failed", e);
        }
    }

    /** Stops the refresh thread and removes every meter. Idempotent. */
    void close() {
        synchronized (lock) {
            if (refresher != null) {
                refresher.shutdownNow();
                refresher = null;
            }
            if (registry != null) {
                meters.values().forEach(list -> list.forEach(registry::remove));
                fixed.forEach(registry::remove);
            }
            meters.keySet().forEach(source::removed);
            meters.clear();
            fixed.clear();
        }
    }

    /** Registers and removes meters so they match the snapshot (lock held). */
    private void sync() {
        Map<Object, Tags> wanted = source.wanted(snapshot());
        for (Iterator<Map.Entry<Object, List<Meter>>> it = meters.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Object, List<Meter>> e = it.next();
            if (!wanted.containsKey(e.getKey())) {
                e.getValue().forEach(registry::remove);
                source.removed(e.getKey());
                it.remove();
            }
        }
        for (Map.Entry<Object, Tags> e : wanted.entrySet()) {
            if (!meters.containsKey(e.getKey())) {
                meters.put(e.getKey(), source.register(registry, e.getKey(), e.getValue()));
            }
        }
    }
}
