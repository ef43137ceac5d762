package io.jvs.cluster;

import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;

/** Helpers for the sync daemon's default settings. */
final class SyncRoles {

    private SyncRoles() {}

    /** The name of the interface that holds {@code a}'s address ({@code lo} for loopback), or ipvsadm's eth0. */
    static String interfaceOf(InetSocketAddress a) {
        try {
            NetworkInterface n = NetworkInterface.getByInetAddress(a.getAddress());
            if (n != null) {
                String name = n.getName();
                return name.length() > 15 ? name.substring(0, 15) : name;
            }
        } catch (SocketException e) {
            // fall through
        }
        return "eth0";
    }
}
