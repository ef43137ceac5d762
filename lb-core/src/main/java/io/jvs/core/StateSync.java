package io.jvs.core;

import io.jvs.api.SyncRecord;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * The publish side of connection synchronization between directors: the director calls {@link #changed} when IPVS's
 * sync rules say that a connection or persistence template should be sent to the other directors (IPVS
 * {@code ip_vs_sync_conn}), and the implementation (for example lb-cluster's stream) copies it out. Set with
 * {@link Director.Builder#stateSync}; the default, {@link #NONE}, publishes nothing and costs nothing on the data
 * path.
 *
 * <h2>When the director calls it</h2>
 *
 * On every packet (a socket data path: every read and every connection event) the client sends, as IPVS's
 * {@code ip_vs_in} does, with the rules of {@link SyncPolicy}: a TCP state change into anything but ESTABLISHED at
 * once (SYN_RECV too, which IPVS does not sync), else at packets {@code threshold}, {@code threshold + period},
 * ...; templates whenever a connection they control is checked, within the refresh rule. One-packet connections are
 * never published.
 *
 * <h2>Threads</h2>
 *
 * {@link #changed} runs on the data-path thread that handles the connection, possibly many at once. It must not
 * block and should not allocate: the {@link Entry} is the table's own entry, valid only during the call, read
 * through primitive accessors.
 *
 * @since 0.1
 */
public interface StateSync {

    /** Publishes nothing; the director skips the sync rules altogether. */
    StateSync NONE = new StateSync() {
        @Override
        public void changed(Entry entry) {}

        @Override
        public String toString() {
            return "StateSync.NONE";
        }
    };

    /**
     * A connection or template should be sent to the other directors now. Called on a data-path thread; must not
     * block or throw.
     */
    void changed(Entry entry);

    /**
     * Called once by {@link Director.Builder#build()} with the director's receive side, where entries received
     * from the other directors go. The default ignores it.
     */
    default void attached(SyncTarget target) {}

    /**
     * A connection-table entry as the sync daemon sends it (IPVS {@code struct ip_vs_sync_v4/v6}), read through
     * primitives so that reading it allocates nothing. Addresses are two {@code long}s each: an IPv4 address in the
     * low 32 bits of the low word, an IPv6 address as its first and last 8 bytes, big-endian. Valid only during
     * {@link StateSync#changed}.
     */
    interface Entry {

        /** The IP protocol number (6 TCP, 17 UDP; 0 for a firewall-mark template). */
        int ipProtocol();

        /** The IPVS connection flags ({@code SyncRecord.F_*}): forwarding method, INACTIVE, NOOUTPUT, TEMPLATE. */
        int syncFlags();

        /** The IPVS state number (TCP as {@code ip_vs_proto_tcp.c} numbers them; UDP 0; templates 0 or 1 ASSURED). */
        int syncState();

        /** Whether the addresses are IPv6. */
        boolean isV6();

        /** The client address's high word. */
        long clientHigh();

        /** The client address's low word. */
        long clientLow();

        /** The client port (0 for a template). */
        int clientPort();

        /** The virtual address's high word. */
        long virtualHigh();

        /** The virtual address's low word. */
        long virtualLow();

        /** The virtual port. */
        int virtualPort();

        /** The real server's address, high word. */
        long destinationHigh();

        /** The real server's address, low word. */
        long destinationLow();

        /** The port connections go to on the real server. */
        int destinationPort();

        /** The service's firewall mark, 0 if it has none. */
        int fwmark();

        /** The entry's timeout in seconds, as IPVS sends it: its state's full timeout (a template: its own). */
        long timeoutSeconds();

        /** This entry as a value (allocates: for tools and tests, not for the data path). */
        default SyncRecord toRecord() {
            boolean v6 = isV6();
            return new SyncRecord(ipProtocol(), syncFlags(), syncState(),
                    new InetSocketAddress(address(v6, clientHigh(), clientLow()), clientPort()),
                    new InetSocketAddress(address(v6, virtualHigh(), virtualLow()), virtualPort()),
                    new InetSocketAddress(address(v6, destinationHigh(), destinationLow()), destinationPort()),
                    fwmark(), timeoutSeconds(), null, null, null);
        }

        /** The address of two words (a new object). */
        static InetAddress address(boolean v6, long hi, long lo) {
            byte[] b = new byte[v6 ? 16 : 4];
            if (v6) {
                for (int i = 0; i < 8; i++) {
                    b[i] = (byte) (hi >>> (56 - 8 * i));
                    b[8 + i] = (byte) (lo >>> (56 - 8 * i));
                }
            } else {
                for (int i = 0; i < 4; i++) {
                    b[i] = (byte) (lo >>> (24 - 8 * i));
                }
            }
            try {
                return InetAddress.getByAddress(b);
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
    }
}
