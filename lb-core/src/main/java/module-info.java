/**
 * The director's state without I/O, as IPVS keeps it in the kernel: the service table, the real servers
 * with their live counters, connection accounting and statistics. A data path (see {@code io.jvs.netty})
 * plugs in through {@link io.jvs.core.DataPath}.
 */
module io.jvs.core {
    requires transitive io.jvs.api;
    requires io.jvs.scheduler;
    requires java.management;

    exports io.jvs.core;
    exports io.jvs.core.internal to io.jvs.netty, io.jvs.ipvsadm;
}
