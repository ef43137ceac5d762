/**
 * The IPVS scheduling algorithms, each under its ipvsadm name. They are registered with
 * {@link java.util.ServiceLoader}, so {@code VirtualService.tcp(...).scheduler("wrr")} finds them, and can be
 * created directly through {@link io.jvs.scheduler.Schedulers}.
 */
module io.jvs.scheduler {
    requires transitive io.jvs.api;

    exports io.jvs.scheduler;

    provides io.jvs.api.Scheduler.Factory with
            io.jvs.scheduler.internal.NoneScheduler.Provider,
            io.jvs.scheduler.internal.RoundRobinScheduler.Provider,
            io.jvs.scheduler.internal.WeightedRoundRobinScheduler.Provider,
            io.jvs.scheduler.internal.LeastConnectionScheduler.Provider,
            io.jvs.scheduler.internal.WeightedLeastConnectionScheduler.Provider,
            io.jvs.scheduler.internal.ShortestExpectedDelayScheduler.Provider,
            io.jvs.scheduler.internal.NeverQueueScheduler.Provider,
            io.jvs.scheduler.internal.WeightedFailoverScheduler.Provider,
            io.jvs.scheduler.internal.WeightedOverflowScheduler.Provider,
            io.jvs.scheduler.internal.PowerOfTwoChoicesScheduler.Provider,
            io.jvs.scheduler.internal.DestinationHashingScheduler.Provider,
            io.jvs.scheduler.internal.SourceHashingScheduler.Provider,
            io.jvs.scheduler.internal.MaglevHashingScheduler.Provider,
            io.jvs.scheduler.internal.LocalityBasedLeastConnectionScheduler.Provider,
            io.jvs.scheduler.internal.LocalityBasedLeastConnectionWithReplicationScheduler.Provider;
}
