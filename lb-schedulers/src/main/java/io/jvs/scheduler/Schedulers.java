package io.jvs.scheduler;

import io.jvs.api.Scheduler;
import io.jvs.scheduler.internal.NoneScheduler;
import io.jvs.scheduler.internal.RoundRobinScheduler;
import io.jvs.scheduler.internal.WeightedLeastConnectionScheduler;
import io.jvs.scheduler.internal.WeightedRoundRobinScheduler;

/**
 * The IPVS schedulers, by algorithm. Each makes exactly the choice the Linux kernel's module of the same name
 * makes, including its tie-breaking over the newest-first server list.
 *
 * <pre>{@code
 * VirtualService.tcp("10.0.0.1", 80).scheduler(Schedulers.wrr())   // or .scheduler("wrr")
 * }</pre>
 *
 * @since 0.1
 */
public final class Schedulers {

    private static final Scheduler.Factory NONE = new NoneScheduler.Provider();
    private static final Scheduler.Factory RR = new RoundRobinScheduler.Provider();
    private static final Scheduler.Factory WRR = new WeightedRoundRobinScheduler.Provider();
    private static final Scheduler.Factory WLC = new WeightedLeastConnectionScheduler.Provider();

    private Schedulers() {}

    /** {@code none}: never schedules; only persistence templates and existing connections are served. */
    public static Scheduler.Factory none() {
        return NONE;
    }

    /** {@code rr}: round robin over servers with weight &gt; 0. */
    public static Scheduler.Factory rr() {
        return RR;
    }

    /** {@code wrr}: weighted round robin; a server of weight 3 gets three connections for each one of weight 1. */
    public static Scheduler.Factory wrr() {
        return WRR;
    }

    /** {@code wlc}: weighted least connection, ipvsadm's default. */
    public static Scheduler.Factory wlc() {
        return WLC;
    }

    /**
     * The scheduler registered under {@code name}, including third-party ones.
     *
     * @throws IllegalArgumentException naming the registered schedulers if there is none by that name
     */
    public static Scheduler.Factory byName(String name) {
        return Scheduler.Factory.byName(name);
    }
}
