package io.jvs.health.internal;

import io.jvs.api.RealServer;
import io.jvs.health.CheckedServer;
import io.jvs.health.HealthState;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** One real server of a monitored service and what is known of it; guarded by the monitor's lock (passivePending excepted). */
final class Member {
    CheckedServer config;
    final List<CheckRun> runs = new ArrayList<>();
    /** Connect failures the data path reported and the monitor has not counted yet. */
    final AtomicInteger passivePending = new AtomicInteger();
    HealthState state = HealthState.UP;
    /** Its weight in the load balancer now, or {@link WeightPlan#ABSENT}. */
    int applied = WeightPlan.ABSENT;
    boolean ramping;
    long rampStartNanos;
    Future<?> rampTask;
    long passiveFailures;

    Member(CheckedServer config) {
        this.config = config;
    }

    InetSocketAddress address() {
        return config.address();
    }

    /** UP while every check is up. */
    HealthState computeState() {
        for (CheckRun r : runs) {
            if (r.state == HealthState.DOWN) {
                return HealthState.DOWN;
            }
        }
        return HealthState.UP;
    }

    /** The configured weight plus what dynamic command checks add to it (keepalived's misc_dynamic). */
    int effectiveWeight() {
        long w = config.server().weight();
        for (CheckRun r : runs) {
            if (r.exitStatus >= 2) {
                w += r.exitStatus - 2 - config.server().weight();
            }
        }
        return (int) Math.max(0, Math.min(RealServer.MAX_WEIGHT, w));
    }
}
