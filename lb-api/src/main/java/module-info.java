/**
 * The public types of JVS (Java Virtual Server): what a virtual service and a real server are, how a
 * scheduler plugs in, and the {@link io.jvs.api.LoadBalancer} handle of a running director.
 *
 * <p>This module has no dependencies. Schedulers are found by name through {@link java.util.ServiceLoader}.
 */
module io.jvs.api {
    exports io.jvs.api;
    exports io.jvs.api.internal to io.jvs.core, io.jvs.scheduler, io.jvs.netty, io.jvs.ipvsadm,
            io.jvs.health, io.jvs.keepalived, io.jvs.micrometer, io.jvs.packet, io.jvs.cluster;

    uses io.jvs.api.Scheduler.Factory;
}
