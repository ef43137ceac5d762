/**
 * The director's state without I/O, as IPVS keeps it in the kernel: the service table, the real servers with their
 * live counters, connection accounting and statistics, and the one pipeline every data path asks about new
 * connections and packets ({@link io.jvs.core.RunningService}). Data paths ({@code io.jvs.netty}, {@code io.jvs.packet})
 * plug in through {@link io.jvs.core.DataPath}. {@code io.jvs.scheduler} is required so that a service's default
 * scheduler ({@code wlc}) resolves where the service starts.
 */
module io.jvs.core {
    requires transitive io.jvs.api;
    requires io.jvs.scheduler;
    requires java.management;

    exports io.jvs.core;
}
