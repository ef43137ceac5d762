package io.jvs.api.internal;

import io.jvs.api.Scheduler;
import io.jvs.api.SchedulerFlag;
import io.jvs.api.ServiceId;
import io.jvs.api.Ticker;
import java.util.Set;
import java.util.random.RandomGenerator;

/** {@link Scheduler.Context#of}'s context. Not API. */
public record SchedulerContext(ServiceId service, Set<SchedulerFlag> flags, Ticker ticker, RandomGenerator random)
        implements Scheduler.Context {}
