package io.jvs.ipvsadm;

import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The connection sync daemon that ipvsadm's {@code --start-daemon}, {@code --stop-daemon} and {@code -L --daemon}
 * drive, as the kernel runs it: a master role that sends this director's connections and a backup role that
 * receives the others', each started and stopped on its own (both may run at once). {@link Ipvsadm#of(
 * io.jvs.api.LoadBalancer, SyncDaemon)} parses and checks the commands with ipvsadm's rules and messages and
 * calls this interface; a clustered JVS implements it (lb-cluster). Without one, the commands say that the daemon is
 * not supported.
 *
 * @since 0.1
 */
public interface SyncDaemon {

    /**
     * Starts a role with {@code settings}, as given on the command line (unset values are 0 or null). The
     * implementation fills in the defaults the kernel fills in ({@link Settings#withKernelDefaults(int)}).
     *
     * @throws Refused {@link Refused.Reason#ALREADY_RUNNING} if the role runs (ipvsadm: "Daemon has already run"),
     *     {@link Refused.Reason#NO_SUCH_DEVICE} for an unknown interface, {@link Refused.Reason#FAILED} otherwise
     */
    void start(Settings settings);

    /**
     * Stops a role.
     *
     * @throws Refused {@link Refused.Reason#NOT_RUNNING} if it does not run (ipvsadm: "No daemon is running")
     */
    void stop(Role role);

    /** The running roles with their settings as in force (defaults filled in), master first. */
    List<Settings> running();

    /** A role of the daemon. */
    enum Role {
        /** Sends this director's connection entries (kernel thread {@code ipvs-m}). */
        MASTER,
        /** Receives the other directors' entries (kernel thread {@code ipvs-b}). */
        BACKUP;

        /** {@code master} or {@code backup}, as ipvsadm spells it. */
        public String label() {
            return this == MASTER ? "master" : "backup";
        }
    }

    /**
     * One role's settings, as ipvsadm's {@code struct ip_vs_daemon_user} carries them.
     *
     * @param role the role
     * @param interfaceName the multicast interface ({@code --mcast-interface}, default {@code eth0}), at most 15
     *     characters
     * @param syncId the sync id ({@code --syncid}), 0-255
     * @param maxLength the largest message ({@code --sync-maxlen}), 0 for the default
     * @param group the multicast group ({@code --mcast-group}), or null for the default
     * @param port the UDP port ({@code --mcast-port}), 0 for the default
     * @param ttl the multicast TTL ({@code --mcast-ttl}), 0 for the default
     */
    record Settings(Role role, String interfaceName, int syncId, int maxLength, InetAddress group, int port, int ttl) {

        /** The kernel's default group, 224.0.0.81 ({@code IP_VS_SYNC_GROUP}). */
        public static final InetAddress DEFAULT_GROUP = ipv4(224, 0, 0, 81);
        /** The kernel's default port ({@code IP_VS_SYNC_PORT}). */
        public static final int DEFAULT_PORT = 8848;

        /**
         * Checks the values with ipvsadm's ranges.
         *
         * @throws IllegalArgumentException naming the value out of range
         */
        public Settings {
            Checks.checkNotNull(role, "role");
            Checks.checkNotNull(interfaceName, "interfaceName");
            Checks.checkArgument(!interfaceName.isEmpty() && interfaceName.length() <= 15, "interfaceName",
                    interfaceName, "1-15 characters");
            Checks.checkInRange(syncId, 0, 255, "syncId");
            Checks.checkInRange(maxLength, 0, 65535 - 20 - 8, "maxLength");
            Checks.checkArgument(group == null || group.isMulticastAddress(), "group", group == null ? null
                    : Addresses.toString(group), "a multicast address");
            Checks.checkInRange(port, 0, 65535, "port");
            Checks.checkInRange(ttl, 0, 255, "ttl");
        }

        /**
         * These settings with the kernel's defaults filled in ({@code start_sync_thread}): group 224.0.0.81, port
         * 8848, TTL 1, and a message length of 1500 (master) or the device MTU clamped to 1500-65535 (backup),
         * minus the IP and UDP headers (28 bytes, 48 for an IPv6 group); a length given is clamped to 1 (master)
         * or 1024 (backup) up to 65535 minus the headers.
         *
         * @param mtu the interface's MTU (used by a backup only)
         */
        public Settings withKernelDefaults(int mtu) {
            InetAddress g = group == null ? DEFAULT_GROUP : group;
            int hlen = g instanceof Inet6Address ? 40 + 8 : 20 + 8;
            int len;
            if (maxLength != 0) {
                len = Math.max(role == Role.BACKUP ? 1024 : 1, Math.min(maxLength, 65535 - hlen));
            } else {
                len = (role == Role.BACKUP ? Math.max(1500, Math.min(mtu, 65535)) : 1500) - hlen;
            }
            return new Settings(role, interfaceName, syncId, len, g, port == 0 ? DEFAULT_PORT : port,
                    ttl == 0 ? 1 : ttl);
        }

        /**
         * The line {@code ipvsadm -L --daemon} prints for this role (ipvsadm 1.31 {@code list_daemon}), without the
         * newline: {@code master sync daemon (mcast=eth0, syncid=0, maxlen=1472, group=224.0.0.81, port=8848,
         * ttl=1)}; values that are 0 or null are left out.
         */
        public String listingLine() {
            StringBuilder sb = new StringBuilder().append(role.label()).append(" sync daemon (mcast=")
                    .append(interfaceName).append(", syncid=").append(syncId);
            if (maxLength != 0) {
                sb.append(", maxlen=").append(maxLength);
            }
            if (group != null) {
                sb.append(", group=").append(Addresses.toString(group));
            }
            if (port != 0) {
                sb.append(", port=").append(port);
            }
            if (ttl != 0) {
                sb.append(", ttl=").append(ttl);
            }
            return sb.append(')').toString();
        }

        private static InetAddress ipv4(int a, int b, int c, int d) {
            try {
                return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** The daemon refused a command; {@link #reason()} picks ipvsadm's message. */
    final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** Why, in the kernel's errno terms. */
        public enum Reason {
            /** EEXIST: "Daemon has already run". */
            ALREADY_RUNNING,
            /** ESRCH: "No daemon is running". */
            NOT_RUNNING,
            /** ENODEV: "No such device" (the multicast interface does not exist). */
            NO_SUCH_DEVICE,
            /** Anything else; the message is printed. */
            FAILED
        }

        private final Reason reason;

        /** A refusal for {@code reason} with a message for people. */
        public Refused(Reason reason, String message) {
            super(message);
            this.reason = Checks.checkNotNull(reason, "reason");
        }

        /** Why the command was refused. */
        public Reason reason() {
            return reason;
        }
    }
}
