package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import io.jvs.api.ConnectionKey;
import io.jvs.api.Scheduler;
import java.util.List;

/**
 * {@code none}: a service that never schedules, as IPVS allows. It keeps its real servers and existing
 * connections (and persistence templates still apply) but places no new connection on its own.
 */
public final class NoneScheduler implements Scheduler {

    static final NoneScheduler INSTANCE = new NoneScheduler();

    private NoneScheduler() {}

    @Override
    public void update(List<Destination> destinations) {}

    @Override
    public Destination select(ConnectionKey key) {
        return null;
    }

    /** Registers {@code none}. */
    public static final class Provider extends NamedFactory {
        public Provider() {
            super("none", context -> INSTANCE);
        }
    }
}
