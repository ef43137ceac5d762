package io.jvs.scheduler;

import io.jvs.api.Scheduler;
import io.jvs.api.SchedulerFlag;
import io.jvs.api.internal.Checks;
import io.jvs.scheduler.internal.DestinationHashingScheduler;
import io.jvs.scheduler.internal.LeastConnectionScheduler;
import io.jvs.scheduler.internal.LocalityBasedLeastConnectionScheduler;
import io.jvs.scheduler.internal.LocalityBasedLeastConnectionWithReplicationScheduler;
import io.jvs.scheduler.internal.MaglevHashingScheduler;
import io.jvs.scheduler.internal.NeverQueueScheduler;
import io.jvs.scheduler.internal.NoneScheduler;
import io.jvs.scheduler.internal.PowerOfTwoChoicesScheduler;
import io.jvs.scheduler.internal.RoundRobinScheduler;
import io.jvs.scheduler.internal.ShortestExpectedDelayScheduler;
import io.jvs.scheduler.internal.SourceHashingScheduler;
import io.jvs.scheduler.internal.WeightedFailoverScheduler;
import io.jvs.scheduler.internal.WeightedLeastConnectionScheduler;
import io.jvs.scheduler.internal.WeightedOverflowScheduler;
import io.jvs.scheduler.internal.WeightedRoundRobinScheduler;
import java.time.Duration;

/**
 * The IPVS schedulers, by algorithm. Each makes exactly the choice the Linux kernel's module of the same name
 * makes, including its tie-breaking over the newest-first server list (the earlier, newer server wins a tie),
 * and never places a new connection on a server of weight 0. All but {@code lblc}'s cache hits skip servers
 * marked overloaded by their upper connection threshold.
 *
 * <pre>{@code
 * VirtualService.tcp("10.0.0.1", 80).scheduler(Schedulers.wrr())   // or .scheduler("wrr")
 * }</pre>
 *
 * <p>Where the kernel scans the server list on every new connection, these keep an index up to date as
 * counters change (O(log n) per change), so a pick costs O(1) or O(log n) and allocates nothing. Every factory
 * is also registered under its ipvsadm name, so {@link #byName(String)} and
 * {@code VirtualService.Builder.scheduler(String)} find it.
 *
 * @since 0.1
 */
public final class Schedulers {

    private static final Scheduler.Factory NONE = new NoneScheduler.Provider();
    private static final Scheduler.Factory RR = new RoundRobinScheduler.Provider();
    private static final Scheduler.Factory WRR = new WeightedRoundRobinScheduler.Provider();
    private static final Scheduler.Factory LC = new LeastConnectionScheduler.Provider();
    private static final Scheduler.Factory WLC = new WeightedLeastConnectionScheduler.Provider();
    private static final Scheduler.Factory SED = new ShortestExpectedDelayScheduler.Provider();
    private static final Scheduler.Factory NQ = new NeverQueueScheduler.Provider();
    private static final Scheduler.Factory FO = new WeightedFailoverScheduler.Provider();
    private static final Scheduler.Factory OVF = new WeightedOverflowScheduler.Provider();
    private static final Scheduler.Factory TWOS = new PowerOfTwoChoicesScheduler.Provider();
    private static final Scheduler.Factory DH = new DestinationHashingScheduler.Provider();
    private static final Scheduler.Factory SH = new SourceHashingScheduler.Provider();
    private static final Scheduler.Factory MH = new MaglevHashingScheduler.Provider();
    private static final Scheduler.Factory LBLC = new LocalityBasedLeastConnectionScheduler.Provider();
    private static final Scheduler.Factory LBLCR = new LocalityBasedLeastConnectionWithReplicationScheduler.Provider();

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

    /** {@code lc}: least connection, the fewest {@code active * 256 + inactive}; weights only quiesce (0). */
    public static Scheduler.Factory lc() {
        return LC;
    }

    /** {@code wlc}: weighted least connection, the smallest {@code (active * 256 + inactive) / weight}; ipvsadm's default. */
    public static Scheduler.Factory wlc() {
        return WLC;
    }

    /** {@code sed}: shortest expected delay, the smallest {@code (active + 1) / weight}. */
    public static Scheduler.Factory sed() {
        return SED;
    }

    /** {@code nq}: never queue, an idle server if there is one, else the {@code sed} choice. */
    public static Scheduler.Factory nq() {
        return NQ;
    }

    /** {@code fo}: weighted failover, always the available server with the highest weight. */
    public static Scheduler.Factory fo() {
        return FO;
    }

    /**
     * {@code ovf}: weighted overflow, the highest-weight server until its active connections exceed its weight,
     * then the next. Counts active connections only, so it suits TCP.
     */
    public static Scheduler.Factory ovf() {
        return OVF;
    }

    /**
     * {@code twos}: power of two choices, two servers drawn at random in proportion to weight (from the
     * service's {@link Scheduler.Context#random()}), the less loaded of the two.
     */
    public static Scheduler.Factory twos() {
        return TWOS;
    }

    /** {@code dh}: destination hashing, a 256-bucket table indexed by a hash of the virtual address. */
    public static Scheduler.Factory dh() {
        return DH;
    }

    /**
     * {@code sh}: source hashing, a 256-bucket table filled in proportion to weight and indexed by a hash of the
     * client address; {@link SchedulerFlag#FLAG_1} is {@code sh-fallback}, {@link SchedulerFlag#FLAG_2} is
     * {@code sh-port}.
     */
    public static Scheduler.Factory sh() {
        return SH;
    }

    /**
     * {@code sh} with a table of 2^{@code tableBits} buckets, as a kernel built with
     * {@code CONFIG_IP_VS_SH_TAB_BITS = tableBits}.
     *
     * @throws IllegalArgumentException if {@code tableBits} is not 4-20
     */
    public static Scheduler.Factory sh(int tableBits) {
        Checks.checkInRange(tableBits, 4, 20, "tableBits");
        return SourceHashingScheduler.factory(tableBits);
    }

    /**
     * {@code mh}: Maglev hashing over a 4093-slot table, built from the servers' last non-zero weights and
     * indexed by a SipHash of the client address; {@link SchedulerFlag#FLAG_1} is {@code mh-fallback},
     * {@link SchedulerFlag#FLAG_2} is {@code mh-port}. Holds at most 4093 servers.
     */
    public static Scheduler.Factory mh() {
        return MH;
    }

    /**
     * {@code mh} as a kernel built with {@code CONFIG_IP_VS_MH_TAB_INDEX = tableIndex}: table sizes 251, 509, 1021,
     * 2039, 4093 (index 12, the default), 8191, 16381, 32749, 65521 or 131071 for indexes 8 to 17. A service can
     * hold at most that many servers.
     *
     * @throws IllegalArgumentException if {@code tableIndex} is not 8-17
     */
    public static Scheduler.Factory mh(int tableIndex) {
        Checks.checkInRange(tableIndex, MaglevHashingScheduler.MIN_TABLE_INDEX, MaglevHashingScheduler.MAX_TABLE_INDEX,
                "tableIndex");
        return MaglevHashingScheduler.factory(tableIndex);
    }

    /**
     * {@code lblc}: locality-based least connection, a cache from virtual address to server, refilled by
     * {@code wlc} when the server is gone or overloaded; entries unused for 24 hours expire.
     */
    public static Scheduler.Factory lblc() {
        return LBLC;
    }

    /**
     * {@code lblc} with entries expiring after {@code expiration} without use (sysctl {@code lblc_expiration}).
     *
     * @throws NullPointerException if {@code expiration} is null
     * @throws IllegalArgumentException if {@code expiration} is not positive
     */
    public static Scheduler.Factory lblc(Duration expiration) {
        return LocalityBasedLeastConnectionScheduler.factory(positiveNanos(expiration));
    }

    /**
     * {@code lblcr}: locality-based least connection with replication, a cache from virtual address to a set of
     * servers that grows under load and sheds its most loaded member after 24 hours without change.
     */
    public static Scheduler.Factory lblcr() {
        return LBLCR;
    }

    /**
     * {@code lblcr} with sets shrinking, and entries expiring, after {@code expiration} (sysctl
     * {@code lblcr_expiration}).
     *
     * @throws NullPointerException if {@code expiration} is null
     * @throws IllegalArgumentException if {@code expiration} is not positive
     */
    public static Scheduler.Factory lblcr(Duration expiration) {
        return LocalityBasedLeastConnectionWithReplicationScheduler.factory(positiveNanos(expiration));
    }

    private static long positiveNanos(Duration expiration) {
        Checks.checkNotNull(expiration, "expiration");
        Checks.checkArgument(!expiration.isNegative() && !expiration.isZero(), "expiration", expiration, "> 0");
        return expiration.compareTo(Duration.ofDays(365 * 100)) > 0 ? Duration.ofDays(365 * 100).toNanos()
                : expiration.toNanos();
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
