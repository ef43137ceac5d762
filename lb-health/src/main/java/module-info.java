/**
 * Health checking for JVS, as keepalived does it for IPVS: TCP, HTTP GET, HTTPS GET, SMTP, UDP, external-command
 * and Java-predicate checks with rise/fall damping drive the real servers of a {@link io.jvs.api.LoadBalancer},
 * with inhibit-on-failure, slow start, passive checks, a sorry server and quorum. The module
 * {@code io.jvs.keepalived} (artifact lb-keepalived) reads keepalived.conf into the same model.
 */
module io.jvs.health {
    requires transitive io.jvs.api;
    requires transitive io.netty.transport;
    requires io.netty.buffer;
    requires io.netty.common;
    requires io.netty.codec;
    requires io.netty.codec.http;
    requires io.netty.handler;

    exports io.jvs.health;
}
