package io.jvs.api;

import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * One connection or persistence template as IPVS's connection sync daemon sends it ({@code struct ip_vs_sync_v4}
 * and {@code ip_vs_sync_v6}, message format v1): protocol, flags, state, the client, virtual and destination
 * addresses, firewall mark, timeout, and the optional sequence-adjust and persistence-engine data. An immutable
 * value.
 *
 * @param protocol the IP protocol number (6 TCP, 17 UDP, 132 SCTP); for a firewall-mark template IPVS sends the
 *     protocol of the packet that made it
 * @param flags the IPVS connection flags ({@code IP_VS_CONN_F_*}, see the constants), 32 bits
 * @param state the protocol state number (TCP: 1 ESTABLISHED ... 10 SYNACK as {@code ip_vs_proto_tcp.c} numbers
 *     them; UDP 0; templates 0 NONE or 1 ASSURED)
 * @param client the client address and port (a template: the masked client address, port 0)
 * @param virtual the virtual address and port
 * @param destination the real server's address and port
 * @param fwmark the firewall mark, 0 if none
 * @param timeoutSeconds the entry's timeout in seconds (0 in a v0 message: the receiver uses its own)
 * @param seq the sequence-adjust data, or {@code null}
 * @param peName the persistence engine's name, or {@code null}
 * @param peData the persistence engine's data (for example a SIP Call-ID), or {@code null}
 * @since 0.1
 */
public record SyncRecord(int protocol, int flags, int state, InetSocketAddress client, InetSocketAddress virtual,
        InetSocketAddress destination, int fwmark, long timeoutSeconds, SeqData seq, String peName, byte[] peData) {

    /** Forwarding method mask: 0 NAT (masquerading), 1 local node, 2 tunnel, 3 direct routing, 4 bypass. */
    public static final int F_FWD_MASK = 0x0007;
    /** Masquerading (NAT). */
    public static final int F_MASQ = 0x0000;
    /** IP-in-IP tunnel. */
    public static final int F_TUNNEL = 0x0002;
    /** Direct routing. */
    public static final int F_DROUTE = 0x0003;
    /** The entry was created by sync (set by the receiver). */
    public static final int F_SYNC = 0x0020;
    /** The kernel's hash-table flag; never sent. */
    public static final int F_HASHED = 0x0040;
    /** No output packets (the replies do not pass the director: DR, TUN). */
    public static final int F_NOOUTPUT = 0x0080;
    /** Not established: counted as inactive. */
    public static final int F_INACTIVE = 0x0100;
    /** Output sequence adjust. */
    public static final int F_OUT_SEQ = 0x0200;
    /** Input sequence adjust. */
    public static final int F_IN_SEQ = 0x0400;
    /** Either sequence adjust. */
    public static final int F_SEQ_MASK = 0x0600;
    /** The client port is not known yet. */
    public static final int F_NO_CPORT = 0x0800;
    /** A persistence template, not a connection. */
    public static final int F_TEMPLATE = 0x1000;
    /** One-packet scheduling: never synced. */
    public static final int F_ONE_PACKET = 0x2000;
    /** The flags a backup keeps from a message ({@code IP_VS_CONN_F_BACKUP_MASK}); it adds {@link #F_SYNC}. */
    public static final int F_BACKUP_MASK = F_FWD_MASK | F_NOOUTPUT | F_INACTIVE | F_SEQ_MASK | F_NO_CPORT
            | F_TEMPLATE;

    /**
     * The sequence-adjust data of a NAT connection with an application helper ({@code struct ip_vs_seq} in and
     * out, 24 bytes on the wire).
     *
     * @param inInitSeq the input initial sequence number
     * @param inDelta the input delta
     * @param inPreviousDelta the input previous delta
     * @param outInitSeq the output initial sequence number
     * @param outDelta the output delta
     * @param outPreviousDelta the output previous delta
     */
    public record SeqData(int inInitSeq, int inDelta, int inPreviousDelta, int outInitSeq, int outDelta,
            int outPreviousDelta) {}

    /**
     * Checks the values: addresses all of one family, ports 0-65535, protocol and state 0-255 and 0-65535, timeout
     * 0-4294967295, a PE name of 1-16 characters and PE data of 1-255 bytes.
     *
     * @throws IllegalArgumentException naming the value out of range
     */
    public SyncRecord {
        Checks.checkInRange(protocol, 0, 255, "protocol");
        Checks.checkInRange(state, 0, 65535, "state");
        Checks.checkNotNull(client, "client");
        Checks.checkNotNull(virtual, "virtual");
        Checks.checkNotNull(destination, "destination");
        boolean v6 = client.getAddress() instanceof Inet6Address;
        Checks.checkArgument(v6 == virtual.getAddress() instanceof Inet6Address
                && v6 == destination.getAddress() instanceof Inet6Address, "destination", destination,
                "client, virtual and destination addresses of one family");
        Checks.checkInRange(timeoutSeconds, 0, 0xffffffffL, "timeoutSeconds");
        if (peName != null) {
            Checks.checkArgument(!peName.isEmpty() && peName.length() <= 16, "peName", peName, "1-16 characters");
        }
        if (peData != null) {
            Checks.checkInRange(peData.length, 1, 255, "peData.length");
            peData = peData.clone();
        }
    }

    /** Whether the addresses are IPv6 (a 72-byte entry rather than 36). */
    public boolean isIpv6() {
        return client.getAddress() instanceof Inet6Address;
    }

    /** Whether this is a persistence template. */
    public boolean isTemplate() {
        return (flags & F_TEMPLATE) != 0;
    }

    /** A copy of the persistence engine's data, or {@code null}. */
    @Override
    public byte[] peData() {
        return peData == null ? null : peData.clone();
    }

    /** This entry with other flags. */
    public SyncRecord withFlags(int newFlags) {
        return new SyncRecord(protocol, newFlags, state, client, virtual, destination, fwmark, timeoutSeconds, seq,
                peName, peData);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SyncRecord)) {
            return false;
        }
        SyncRecord e = (SyncRecord) o;
        return protocol == e.protocol && flags == e.flags && state == e.state && fwmark == e.fwmark
                && timeoutSeconds == e.timeoutSeconds && client.equals(e.client) && virtual.equals(e.virtual)
                && destination.equals(e.destination) && Objects.equals(seq, e.seq) && Objects.equals(peName, e.peName)
                && Arrays.equals(peData, e.peData);
    }

    @Override
    public int hashCode() {
        return Objects.hash(protocol, flags, state, client, virtual, destination, fwmark, timeoutSeconds, seq, peName)
                * 31 + Arrays.hashCode(peData);
    }

    /** For example {@code TCP 10.0.0.9:40000 -> 10.0.0.1:80 -> 192.168.1.2:80 state 1 flags 0x0 timeout 900}. */
    @Override
    public String toString() {
        String p = protocol == 6 ? "TCP" : protocol == 17 ? "UDP" : protocol == 132 ? "SCTP" : "IP" + protocol;
        return p + " " + Addresses.toString(client) + " -> " + Addresses.toString(virtual) + " -> "
                + Addresses.toString(destination) + " state " + state + " flags 0x" + Integer.toHexString(flags)
                + (fwmark != 0 ? " fwmark " + Integer.toUnsignedString(fwmark) : "") + " timeout " + timeoutSeconds
                + (seq != null ? " " + seq : "") + (peName != null ? " pe " + peName : "");
    }
}
