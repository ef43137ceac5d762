package io.jvs.api;

import io.jvs.api.internal.Checks;
import io.jvs.api.internal.SchedulerContext;
import io.jvs.api.internal.SchedulerRegistry;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Picks the real server for each new connection of one virtual service: the Java form of an IPVS
 * scheduling module ({@code ip_vs_rr.c}, {@code ip_vs_wlc.c}, ...).
 *
 * <h2>Life cycle and threads</h2>
 *
 * <ul>
 *   <li>A {@link Factory} creates one scheduler per service (and a new one when the service's scheduler is
 *       edited).</li>
 *   <li>{@link #update(List)} is called on a control thread, never concurrently with itself: once before
 *       the scheduler is used, and after every add, delete or edit of a real server (IPVS
 *       {@code init_service}, {@code add_dest}, {@code del_dest}, {@code upd_dest}). It receives the
 *       complete list in IPVS order: <b>newest added first</b>; edits keep a server's position.</li>
 *   <li>{@link #select(ConnectionKey)} is called on data-path threads, concurrently with other {@code select} calls,
 *       with {@link #countersChanged(Destination)} and with {@code update}. It must not block, lock, throw
 *       or allocate. Once {@code update} has returned, {@code select} must never return a server that the
 *       new list lacks.</li>
 * </ul>
 *
 * <p>Which servers are eligible is the scheduler's rule, as in IPVS: every shipped scheduler skips servers
 * with weight 0 and servers that are {@link Destination#isOverloaded() overloaded}.
 *
 * @since 0.1
 */
public interface Scheduler {

    /**
     * Takes the service's new list of real servers, newest added first. Called on the control thread.
     *
     * @param destinations an immutable list; the same {@link Destination} objects persist across updates
     */
    void update(List<Destination> destinations);

    /**
     * Picks the real server for a new connection.
     *
     * @return a server from the latest list, or {@code null} when none is available ("no destination
     *     available")
     */
    Destination select(ConnectionKey key);

    /**
     * Tells the scheduler that a server's live counters or overload flag changed. Called on the thread that
     * changed them, right after the change; schedulers that index servers by load update their index here.
     * The default does nothing.
     */
    default void countersChanged(Destination destination) {}

    /** What a scheduler may use besides its server list. */
    interface Context {

        /** The service being scheduled. */
        ServiceId service();

        /** The service's scheduler flags (ipvsadm {@code -b}). */
        Set<SchedulerFlag> flags();

        /** The clock, for schedulers with expiring state ({@code lblc}, {@code lblcr}). */
        Ticker ticker();

        /** A source of randomness, for randomized schedulers ({@code twos}); safe to use from any thread. */
        RandomGenerator random();

        /**
         * A context of these values, for load balancers and tests that create schedulers.
         *
         * @param random safe to use from any thread (for example {@code ThreadLocalRandom.current()}, whose state
         *     is per thread)
         * @since 0.1
         */
        static Context of(ServiceId service, Set<SchedulerFlag> flags, Ticker ticker, RandomGenerator random) {
            return new SchedulerContext(Checks.checkNotNull(service, "service"), Set.copyOf(flags),
                    Checks.checkNotNull(ticker, "ticker"), Checks.checkNotNull(random, "random"));
        }
    }

    /**
     * Creates schedulers of one algorithm. Implementations are found by {@link #name()} through
     * {@link ServiceLoader}: list them in {@code META-INF/services/io.jvs.api.Scheduler$Factory} or with
     * {@code provides io.jvs.api.Scheduler.Factory with ...} in {@code module-info.java}.
     *
     * <p>A factory must have a public no-argument constructor that does no work and cannot fail.
     */
    interface Factory {

        /** The algorithm's name as ipvsadm takes it with {@code -s}: {@code rr}, {@code wlc}, ... */
        String name();

        /** Creates a scheduler for one service. */
        Scheduler create(Context context);

        /**
         * The factory registered under {@code name} (ipvsadm names are lower case; the lookup ignores case).
         * When several are registered under one name, the first found wins.
         */
        static Optional<Factory> find(String name) {
            return Optional.ofNullable(SchedulerRegistry.FACTORIES.get(name.toLowerCase(Locale.ROOT)));
        }

        /**
         * The factory registered under {@code name}.
         *
         * @throws IllegalArgumentException naming the registered schedulers if there is none by that name
         */
        static Factory byName(String name) {
            Factory f = SchedulerRegistry.FACTORIES.get(name.toLowerCase(Locale.ROOT));
            if (f == null) {
                throw new IllegalArgumentException("scheduler: " + name + " (expected: one of "
                        + String.join(", ", SchedulerRegistry.FACTORIES.keySet()) + ")");
            }
            return f;
        }

        /** The names of all registered schedulers, sorted. */
        static Set<String> names() {
            return SchedulerRegistry.FACTORIES.keySet();
        }
    }
}
