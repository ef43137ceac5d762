/**
 * The packet data path of JVS for direct routing and tunnelling: AF_PACKET rings through java.lang.foreign (no C),
 * frames parsed and rewritten in place. Needs Java 22+ and Linux.
 */
module io.jvs.packet {
    requires transitive io.jvs.api;
    requires transitive io.jvs.core;

    exports io.jvs.packet;
}
