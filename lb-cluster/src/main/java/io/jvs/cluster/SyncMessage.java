package io.jvs.cluster;

import io.jvs.api.SyncRecord;
import io.jvs.api.internal.Checks;
import io.jvs.cluster.internal.Wire;
import io.jvs.core.StateSync;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * IPVS's connection sync message, as {@code ip_vs_sync.c} writes and reads it: format v1 (written and read) and the
 * legacy v0 (read). Byte for byte what a Linux director's sync daemon multicasts, so JVS can read a kernel master's
 * messages and a kernel backup can read JVS's.
 *
 * <pre>
 * v1 header (8 bytes): reserved 0 | syncid | size (be16) | count | version 1 | spare 0 (be16)
 * v1 entry: type (bit 0 IPv6) | protocol | version (4 bits, 0) + size (12 bits) | flags (be32) | state (be16)
 *           | cport | vport | dport | fwmark (be32) | timeout s (be32) | caddr | vaddr | daddr
 *           = 36 bytes IPv4, 72 bytes IPv6; then options (type, length, data): 1 sequence data (24 bytes),
 *           2 PE data, 3 PE name (type | 0x40: optional); the next entry starts on a 4-byte boundary
 * v0 header (4 bytes): count | syncid | size (be16); entry (24 bytes, IPv4): reserved | protocol | cport | vport
 *           | dport | caddr | vaddr | daddr | flags (be16) | state (be16), then 24 bytes of sequence data if
 *           flags has IN_SEQ or OUT_SEQ
 * </pre>
 *
 * <p>{@link #decode} checks the message as the kernel's backup does: a message whose size field is not its length,
 * a truncated entry, an entry of an unknown version or type, or a malformed option fails the whole message (an
 * {@link IllegalArgumentException} naming the field). An entry the kernel would skip alone (unknown protocol, a
 * state out of range, an unknown mandatory option, PE data without a PE name) is left out and listed in
 * {@link #dropped()}.
 *
 * @param version 1, or 0 for the legacy format
 * @param syncId the sync id of the sender, 0-255
 * @param entries the entries, in message order
 * @param dropped why each skipped entry was skipped ({@code entries[2]: TCP state 11 (expected: 0-10)})
 * @since 0.1
 */
public record SyncMessage(int version, int syncId, List<SyncRecord> entries, List<String> dropped) {

    /** The v1 header's length. */
    public static final int HEADER_LENGTH = 8;
    /** An IPv4 entry's length without options. */
    public static final int IPV4_ENTRY_LENGTH = 36;
    /** An IPv6 entry's length without options. */
    public static final int IPV6_ENTRY_LENGTH = 72;
    /** The kernel master's default message length: 1500 (Ethernet MTU) - 20 (IP) - 8 (UDP). */
    public static final int DEFAULT_MAX_LENGTH = 1472;
    private static final String WHAT = "sync message";
    private static final int OPT_SEQ = 1;
    private static final int OPT_PE_DATA = 2;
    private static final int OPT_PE_NAME = 3;
    private static final int OPT_OPTIONAL = 0x40;
    private static final int TPL_STATES = 2;

    /** Copies the lists and checks the values. */
    public SyncMessage {
        Checks.checkInRange(version, 0, 1, "version");
        Checks.checkInRange(syncId, 0, 255, "syncId");
        entries = List.copyOf(entries);
        dropped = List.copyOf(dropped);
    }

    /** The bytes one entry takes in a v1 message, without the padding before the next one. */
    public static int entryLength(SyncRecord e) {
        int len = e.isIpv6() ? IPV6_ENTRY_LENGTH : IPV4_ENTRY_LENGTH;
        if (e.seq() != null) {
            len += 26;
        }
        if (e.peData() != null) {
            len += 2 + e.peData().length;
            if (e.peName() != null) {
                len += 2 + e.peName().getBytes(StandardCharsets.US_ASCII).length;
            }
        }
        return len;
    }

    /**
     * Encodes entries as v1 messages of at most {@code maxLength} bytes each, in order, as many entries per message
     * as fit (at most 255, the count field's limit). One-packet entries are left out, as IPVS never syncs them.
     *
     * @param maxLength the largest message, {@value #HEADER_LENGTH} plus the largest entry to 65507
     * @throws IllegalArgumentException if the sync id or length is out of range, or an entry does not fit
     */
    public static List<byte[]> encode(int syncId, List<SyncRecord> entries, int maxLength) {
        Checks.checkInRange(syncId, 0, 255, "syncId");
        Checks.checkInRange(maxLength, HEADER_LENGTH + IPV4_ENTRY_LENGTH, 65507, "maxLength");
        List<byte[]> out = new ArrayList<>();
        byte[] buf = new byte[maxLength];
        int pos = HEADER_LENGTH;
        int count = 0;
        for (SyncRecord e : entries) {
            if ((e.flags() & SyncRecord.F_ONE_PACKET) != 0) {
                continue;
            }
            int len = entryLength(e);
            Checks.checkArgument(HEADER_LENGTH + len <= maxLength, "entry", e, "at most " + (maxLength
                    - HEADER_LENGTH) + " bytes with its options, for maxLength " + maxLength);
            int pad = (4 - pos) & 3;
            if (pos + pad + len > maxLength || count == 255) {
                out.add(finish(buf, pos, count, syncId));
                pos = HEADER_LENGTH;
                count = 0;
                pad = 0;
            }
            for (int i = 0; i < pad; i++) {
                buf[pos++] = 0;
            }
            pos = writeEntry(buf, pos, e);
            count++;
        }
        if (count > 0) {
            out.add(finish(buf, pos, count, syncId));
        }
        return out;
    }

    private static byte[] finish(byte[] buf, int size, int count, int syncId) {
        writeHeader(buf, 0, syncId, size, count);
        return java.util.Arrays.copyOf(buf, size);
    }

    /** Writes a v1 header for a message of {@code size} bytes holding {@code count} entries. */
    static void writeHeader(byte[] buf, int at, int syncId, int size, int count) {
        buf[at] = 0;
        buf[at + 1] = (byte) syncId;
        buf[at + 2] = (byte) (size >>> 8);
        buf[at + 3] = (byte) size;
        buf[at + 4] = (byte) count;
        buf[at + 5] = 1;
        buf[at + 6] = 0;
        buf[at + 7] = 0;
    }

    /**
     * Writes one v1 entry at {@code pos} (the caller pads to 4 bytes before it) and returns the position after it.
     * IPv4 addresses are written without allocating.
     */
    static int writeEntry(byte[] b, int pos, SyncRecord e) {
        int len = entryLength(e);
        b[pos] = (byte) (e.isIpv6() ? 1 : 0);
        b[pos + 1] = (byte) e.protocol();
        put16(b, pos + 2, len & 0x0fff);
        put32(b, pos + 4, e.flags() & ~SyncRecord.F_HASHED);
        put16(b, pos + 8, e.state());
        put16(b, pos + 10, e.client().getPort());
        put16(b, pos + 12, e.virtual().getPort());
        put16(b, pos + 14, e.destination().getPort());
        put32(b, pos + 16, e.fwmark());
        put32(b, pos + 20, (int) e.timeoutSeconds());
        int p = pos + 24;
        p = putAddress(b, p, e.client().getAddress());
        p = putAddress(b, p, e.virtual().getAddress());
        p = putAddress(b, p, e.destination().getAddress());
        SyncRecord.SeqData s = e.seq();
        if (s != null) {
            b[p++] = OPT_SEQ;
            b[p++] = 24;
            put32(b, p, s.inInitSeq());
            put32(b, p + 4, s.inDelta());
            put32(b, p + 8, s.inPreviousDelta());
            put32(b, p + 12, s.outInitSeq());
            put32(b, p + 16, s.outDelta());
            put32(b, p + 20, s.outPreviousDelta());
            p += 24;
        }
        byte[] pe = e.peData();
        if (pe != null) {
            b[p++] = OPT_PE_DATA;
            b[p++] = (byte) pe.length;
            System.arraycopy(pe, 0, b, p, pe.length);
            p += pe.length;
            if (e.peName() != null) {
                byte[] name = e.peName().getBytes(StandardCharsets.US_ASCII);
                b[p++] = OPT_PE_NAME;
                b[p++] = (byte) name.length;
                System.arraycopy(name, 0, b, p, name.length);
                p += name.length;
            }
        }
        return p;
    }

    /**
     * Writes one v1 entry of a connection-table entry at {@code pos}, without options (the caller pads to 4 bytes
     * before it), and returns the position after it. Allocates nothing.
     */
    static int writeEntry(byte[] b, int pos, StateSync.Entry e) {
        boolean v6 = e.isV6();
        int len = v6 ? IPV6_ENTRY_LENGTH : IPV4_ENTRY_LENGTH;
        b[pos] = (byte) (v6 ? 1 : 0);
        b[pos + 1] = (byte) e.ipProtocol();
        put16(b, pos + 2, len);
        put32(b, pos + 4, e.syncFlags() & ~SyncRecord.F_HASHED);
        put16(b, pos + 8, e.syncState());
        put16(b, pos + 10, e.clientPort());
        put16(b, pos + 12, e.virtualPort());
        put16(b, pos + 14, e.destinationPort());
        put32(b, pos + 16, e.fwmark());
        put32(b, pos + 20, (int) Math.min(0xffffffffL, e.timeoutSeconds()));
        int p = pos + 24;
        p = putWords(b, p, v6, e.clientHigh(), e.clientLow());
        p = putWords(b, p, v6, e.virtualHigh(), e.virtualLow());
        return putWords(b, p, v6, e.destinationHigh(), e.destinationLow());
    }

    private static int putWords(byte[] b, int p, boolean v6, long hi, long lo) {
        if (!v6) {
            put32(b, p, (int) lo);
            return p + 4;
        }
        put32(b, p, (int) (hi >>> 32));
        put32(b, p + 4, (int) hi);
        put32(b, p + 8, (int) (lo >>> 32));
        put32(b, p + 12, (int) lo);
        return p + 16;
    }

    private static int putAddress(byte[] b, int p, InetAddress a) {
        if (a instanceof Inet4Address) {
            put32(b, p, a.hashCode()); // the address as an int, without a copy
            return p + 4;
        }
        byte[] v6 = a.getAddress();
        System.arraycopy(v6, 0, b, p, 16);
        return p + 16;
    }

    private static void put16(byte[] b, int p, int v) {
        b[p] = (byte) (v >>> 8);
        b[p + 1] = (byte) v;
    }

    private static void put32(byte[] b, int p, int v) {
        b[p] = (byte) (v >>> 24);
        b[p + 1] = (byte) (v >>> 16);
        b[p + 2] = (byte) (v >>> 8);
        b[p + 3] = (byte) v;
    }

    /**
     * Decodes a message of either format, checking it as the kernel's backup does.
     *
     * @throws IllegalArgumentException naming the field if the message must be dropped whole
     */
    public static SyncMessage decode(byte[] buf, int offset, int length) {
        Wire.Reader r = new Wire.Reader(WHAT, buf, offset, length);
        if (length < 4) {
            throw r.bad("length", length, "at least 4 bytes");
        }
        int size = (buf[offset + 2] & 0xff) << 8 | buf[offset + 3] & 0xff;
        if (size != length) {
            throw r.bad("size", size, length + ", the message's length");
        }
        boolean v1 = length >= HEADER_LENGTH && buf[offset] == 0 && buf[offset + 5] == 1 && buf[offset + 6] == 0
                && buf[offset + 7] == 0;
        return v1 ? decodeV1(r, buf, offset, length) : decodeV0(r);
    }

    private static SyncMessage decodeV1(Wire.Reader r, byte[] buf, int offset, int length) {
        r.u8("reserved");
        int syncId = r.u8("syncid");
        r.u16("size");
        int count = r.u8("count");
        r.skip(3, "version");
        List<SyncRecord> entries = new ArrayList<>(count);
        List<String> dropped = new ArrayList<>();
        int end = offset + length;
        int p = offset + HEADER_LENGTH;
        for (int i = 0; i < count; i++) {
            String f = "entries[" + i + "]";
            if (end - p < IPV4_ENTRY_LENGTH) {
                throw r.bad(f, "truncated, " + Math.max(0, end - p) + " bytes left", "at least "
                        + IPV4_ENTRY_LENGTH);
            }
            int verSize = (buf[p + 2] & 0xff) << 8 | buf[p + 3] & 0xff;
            int entrySize = verSize & 0x0fff;
            if (p + entrySize > end) {
                throw r.bad(f + ".size", entrySize, "at most the " + (end - p) + " bytes left in the message");
            }
            if (verSize >>> 12 != 0) {
                throw r.bad(f + ".version", verSize >>> 12, "0");
            }
            String why = entry(new Wire.Reader(WHAT, buf, p, entrySize), f, entries);
            if (why != null) {
                dropped.add(f + ": " + why);
            }
            p += (entrySize + 3) & ~3;
        }
        return new SyncMessage(1, syncId, entries, dropped);
    }

    /** Reads one v1 entry into {@code out}; returns why it was skipped, or null. */
    private static String entry(Wire.Reader r, String f, List<SyncRecord> out) {
        int type = r.u8(f + ".type");
        if (type > 1) {
            throw r.bad(f + ".type", type, "0 (IPv4) or 1 (IPv6)");
        }
        int base = type == 1 ? IPV6_ENTRY_LENGTH : IPV4_ENTRY_LENGTH;
        if (r.remaining() + 1 < base) {
            throw r.bad(f + ".size", r.remaining() + 1, "at least " + base + " for " + (type == 1 ? "IPv6" : "IPv4"));
        }
        int protocol = r.u8(f + ".protocol");
        r.u16(f + ".size");
        int flags = r.i32(f + ".flags");
        int state = r.u16(f + ".state");
        int cport = r.u16(f + ".cport");
        int vport = r.u16(f + ".vport");
        int dport = r.u16(f + ".dport");
        int fwmark = r.i32(f + ".fwmark");
        long timeout = r.i32(f + ".timeout") & 0xffffffffL;
        int alen = type == 1 ? 16 : 4;
        InetAddress caddr = address(r.bytes(alen, f + ".caddr"));
        InetAddress vaddr = address(r.bytes(alen, f + ".vaddr"));
        InetAddress daddr = address(r.bytes(alen, f + ".daddr"));
        SyncRecord.SeqData seq = null;
        byte[] peData = null;
        String peName = null;
        String skip = null;
        while (r.remaining() > 0) {
            if (r.remaining() < 2) {
                throw r.bad(f + ".option", "truncated, 1 byte left", "type and length");
            }
            int ptype = r.u8(f + ".option.type");
            int plen = r.u8(f + ".option.length");
            if (plen == 0 || plen > r.remaining()) {
                throw r.bad(f + ".option.length", plen, "1-" + r.remaining());
            }
            switch (ptype & ~OPT_OPTIONAL) {
                case OPT_SEQ:
                    if (plen != 24 || seq != null) {
                        throw r.bad(f + ".seq", plen + " bytes" + (seq != null ? ", twice" : ""), "24 bytes, once");
                    }
                    seq = new SyncRecord.SeqData(r.i32(f + ".seq"), r.i32(f + ".seq"), r.i32(f + ".seq"),
                            r.i32(f + ".seq"), r.i32(f + ".seq"), r.i32(f + ".seq"));
                    break;
                case OPT_PE_DATA:
                    if (peData != null) {
                        throw r.bad(f + ".peData", "twice", "once");
                    }
                    peData = r.bytes(plen, f + ".peData");
                    break;
                case OPT_PE_NAME:
                    if (peName != null || plen > 16) {
                        throw r.bad(f + ".peName", plen + " bytes" + (peName != null ? ", twice" : ""),
                                "1-16 bytes, once");
                    }
                    peName = new String(r.bytes(plen, f + ".peName"), StandardCharsets.US_ASCII);
                    break;
                default:
                    if ((ptype & OPT_OPTIONAL) == 0) {
                        skip = "unknown mandatory option " + ptype;
                    }
                    r.skip(plen, f + ".option");
            }
        }
        if (skip == null) {
            skip = checkState(protocol, flags, state);
        }
        if (skip == null && peData != null && peName == null) {
            skip = "PE data without a PE name";
        }
        if (skip != null) {
            return skip;
        }
        out.add(new SyncRecord(protocol, flags, state, new InetSocketAddress(caddr, cport),
                new InetSocketAddress(vaddr, vport), new InetSocketAddress(daddr, dport), fwmark, timeout, seq,
                peData == null ? null : peName, peData));
        return null;
    }

    /** Why the kernel would skip an entry with this protocol and state, or null. */
    static String checkState(int protocol, int flags, int state) {
        if ((flags & SyncRecord.F_TEMPLATE) != 0) {
            return state < TPL_STATES ? null : "template state " + state + " (expected: 0-" + (TPL_STATES - 1) + ")";
        }
        int states;
        String name;
        switch (protocol) {
            case 6:
                states = 11;
                name = "TCP";
                break;
            case 17:
                states = 1;
                name = "UDP";
                break;
            case 132:
                states = 13;
                name = "SCTP";
                break;
            default:
                return "unsupported protocol " + protocol + " (expected: 6, 17 or 132)";
        }
        return state < states ? null : name + " state " + state + " (expected: 0-" + (states - 1) + ")";
    }

    private static SyncMessage decodeV0(Wire.Reader r) {
        int count = r.u8("count");
        int syncId = r.u8("syncid");
        r.u16("size");
        List<SyncRecord> entries = new ArrayList<>(count);
        List<String> dropped = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String f = "entries[" + i + "]";
            if (r.remaining() < 24) {
                throw r.bad(f, "truncated, " + r.remaining() + " bytes left", "24 bytes");
            }
            r.u8(f + ".reserved");
            int protocol = r.u8(f + ".protocol");
            int cport = r.u16(f + ".cport");
            int vport = r.u16(f + ".vport");
            int dport = r.u16(f + ".dport");
            InetAddress caddr = address(r.bytes(4, f + ".caddr"));
            InetAddress vaddr = address(r.bytes(4, f + ".vaddr"));
            InetAddress daddr = address(r.bytes(4, f + ".daddr"));
            int flags = r.u16(f + ".flags") & ~SyncRecord.F_HASHED;
            int state = r.u16(f + ".state");
            SyncRecord.SeqData seq = null;
            if ((flags & SyncRecord.F_SEQ_MASK) != 0) {
                if (r.remaining() < 24) {
                    throw r.bad(f + ".seq", "truncated, " + r.remaining() + " bytes left", "24 bytes");
                }
                seq = new SyncRecord.SeqData(r.i32(f + ".seq"), r.i32(f + ".seq"), r.i32(f + ".seq"),
                        r.i32(f + ".seq"), r.i32(f + ".seq"), r.i32(f + ".seq"));
            }
            String skip = checkState(protocol, flags, state);
            if (skip != null) {
                dropped.add(f + ": " + skip);
                continue;
            }
            entries.add(new SyncRecord(protocol, flags, state, new InetSocketAddress(caddr, cport),
                    new InetSocketAddress(vaddr, vport), new InetSocketAddress(daddr, dport), 0, 0, seq, null, null));
        }
        return new SyncMessage(0, syncId, entries, dropped);
    }

    private static InetAddress address(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
