package io.jvs.api;

/**
 * The scheduler of a service built without one: named {@value VirtualService#DEFAULT_SCHEDULER}, and resolved through
 * {@link Scheduler.Factory#byName} only when a load balancer starts the service, so that building a service never
 * depends on which schedulers are on the class path.
 */
final class DefaultScheduler implements Scheduler.Factory {

    static final DefaultScheduler INSTANCE = new DefaultScheduler();

    private DefaultScheduler() {}

    @Override
    public String name() {
        return VirtualService.DEFAULT_SCHEDULER;
    }

    @Override
    public Scheduler create(Scheduler.Context context) {
        return Scheduler.Factory.byName(VirtualService.DEFAULT_SCHEDULER).create(context);
    }

    @Override
    public String toString() {
        return VirtualService.DEFAULT_SCHEDULER + " (the default)";
    }
}
