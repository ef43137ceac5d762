package io.jvs.api;

/**
 * Traffic counters of a service or a real server, as {@code ipvsadm -L --stats} shows them: connections
 * scheduled, and packets and bytes in each direction. "In" is client to server, "out" is server to client.
 * A socket data path counts each read it relays as one packet.
 *
 * @param connections connections scheduled to the service or server
 * @param inPackets packets (reads, for a socket data path) from clients
 * @param outPackets packets (reads) from real servers
 * @param inBytes payload bytes from clients
 * @param outBytes payload bytes from real servers
 * @since 0.1
 */
public record Stats(long connections, long inPackets, long outPackets, long inBytes, long outBytes) {

    /** All zero. */
    public static final Stats ZERO = new Stats(0, 0, 0, 0, 0);
}
