/**
 * Health checking for JVS, as keepalived does it for IPVS: TCP, HTTP GET, external-command and Java-predicate
 * checks with rise/fall damping drive the real servers of a {@link io.jvs.api.LoadBalancer}, with
 * inhibit-on-failure, slow start, passive checks, a sorry server and quorum. {@code io.jvs.health.keepalived}
 * reads the LVS part of keepalived.conf into the same model.
 */
module io.jvs.health {
    requires transitive io.jvs.api;
    requires transitive io.netty.transport;
    requires io.netty.buffer;
    requires io.netty.common;
    requires io.netty.codec;
    requires io.netty.codec.http;

    exports io.jvs.health;
    exports io.jvs.health.keepalived;
}
