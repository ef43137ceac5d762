package io.jvs.health.internal;

import io.jvs.health.CheckResult;
import io.jvs.health.HealthCheck;
import io.jvs.health.HealthState;
import java.util.concurrent.Future;

/** One check of one member: its state, its counts toward rise and fall, its timer; guarded by the monitor's lock. */
final class CheckRun {
    final Member member;
    final HealthCheck check;
    final String description;
    HealthState state;
    /** Whether a result has counted: before it, the state is provisional. */
    boolean hasRun;
    int successes;
    int failures;
    /** Retries of the current failed probe so far. */
    int attempt;
    long probes;
    long failedProbes;
    int exitStatus;
    CheckResult last;
    Future<?> timer;
    boolean stopped;
    boolean started;

    CheckRun(Member member, HealthCheck check) {
        this.member = member;
        this.check = check;
        this.description = check.describe(member.address());
        this.state = check.settings().initialState();
    }
}
