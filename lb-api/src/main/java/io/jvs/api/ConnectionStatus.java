package io.jvs.api;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * One entry of the connection table, as {@code ipvsadm -L -c} lists it: a connection or a persistence template.
 *
 * @param service the service the entry belongs to
 * @param protocol the protocol, or {@code null} for the persistence template of a firewall-mark service (which
 *     ipvsadm lists as {@code IP})
 * @param expiresIn the time left before the entry expires, if nothing happens on it
 * @param state the state as ipvsadm names it: {@code ESTABLISHED}, {@code FIN_WAIT}, ... for TCP, {@code UDP}
 *     for UDP, {@code NONE} or {@code ASSURED} for templates
 * @param client the client address and port (a template holds the masked client address and port 0)
 * @param virtual the virtual address and port the client reached (for a firewall-mark template, the mark in
 *     the address and port 0)
 * @param destination the real server's address and port
 * @param template whether the entry is a persistence template rather than a connection
 * @since 0.1
 */
public record ConnectionStatus(ServiceId service, Protocol protocol, Duration expiresIn, String state,
        InetSocketAddress client, InetSocketAddress virtual, InetSocketAddress destination, boolean template) {}
