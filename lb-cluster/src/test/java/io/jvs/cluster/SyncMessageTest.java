package io.jvs.cluster;

import io.jvs.api.SyncRecord;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyncMessageTest {

    static SyncRecord tcp(int i) {
        return new SyncRecord(6, SyncRecord.F_DROUTE | SyncRecord.F_INACTIVE, 1,
                new InetSocketAddress("10.0.0.9", 40000 + i), new InetSocketAddress("10.0.0.1", 80),
                new InetSocketAddress("192.168.1.2", 8080), 0, 900, null, null, null);
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void anIpv4EntryIs36BytesLaidOutAsTheKernelDoes() {
        List<byte[]> out = SyncMessage.encode(5, List.of(tcp(0)), 1472);
        assertEquals(1, out.size());
        assertArrayEquals(hex("00 05 002c 01 01 0000"
                + "00 06 0024 00000103 0001 9c40 0050 1f90 00000000 00000384 0a000009 0a000001 c0a80102"), out.get(0));
        SyncMessage m = SyncMessage.decode(out.get(0), 0, out.get(0).length);
        assertEquals(1, m.version());
        assertEquals(5, m.syncId());
        assertEquals(List.of(tcp(0)), m.entries());
    }

    @Test
    void ipv6OptionsAndPaddingRoundTrip() {
        SyncRecord v6 = new SyncRecord(17, SyncRecord.F_MASQ | SyncRecord.F_IN_SEQ, 0,
                new InetSocketAddress("2001:db8::9", 5000), new InetSocketAddress("2001:db8::1", 53),
                new InetSocketAddress("2001:db8::10", 53), 7, 300, new SyncRecord.SeqData(1, 2, 3, 4, 5, 6), "sip",
                new byte[] {1, 2, 3});
        SyncRecord template = new SyncRecord(6, SyncRecord.F_TEMPLATE, 1, new InetSocketAddress("10.1.0.0", 0),
                new InetSocketAddress("10.0.0.1", 0), new InetSocketAddress("192.168.1.2", 0), 1, 360, null, null,
                null);
        assertEquals(72 + 26 + 5 + 5, SyncMessage.entryLength(v6));
        List<byte[]> out = SyncMessage.encode(0, List.of(v6, template, tcp(1)), 1472);
        byte[] m = out.get(0);
        assertEquals(8 + 108 + 0 + 36 + 36, m.length, "108 is a multiple of 4: no padding");
        SyncMessage d = SyncMessage.decode(m, 0, m.length);
        assertEquals(List.of(v6, template, tcp(1)), d.entries());
        SyncRecord odd = new SyncRecord(6, 0, 1, new InetSocketAddress("10.0.0.9", 1), new InetSocketAddress("10.0.0.1",
                80), new InetSocketAddress("192.168.1.2", 80), 0, 900, null, "x", new byte[] {9});
        byte[] padded = SyncMessage.encode(0, List.of(odd, tcp(2)), 1472).get(0);
        assertEquals(8 + 36 + 3 + 3 + 2 + 36, padded.length, "41-byte entry padded to 44");
        assertEquals(List.of(odd, tcp(2)), SyncMessage.decode(padded, 0, padded.length).entries());
    }

    @Test
    void messagesFillUpToMaxLengthAndOnePacketEntriesAreNeverSent() {
        List<SyncRecord> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(tcp(i));
        }
        many.add(tcp(999).withFlags(SyncRecord.F_ONE_PACKET));
        List<byte[]> out = SyncMessage.encode(0, many, 1472);
        assertEquals(List.of(1448, 1448, 728), out.stream().map(b -> b.length).toList(), "40 entries per 1472 bytes");
        List<SyncRecord> back = new ArrayList<>();
        for (byte[] b : out) {
            back.addAll(SyncMessage.decode(b, 0, b.length).entries());
        }
        assertEquals(many.subList(0, 100), back);
    }

    @Test
    void version0IsDecoded() {
        byte[] v0 = hex("02 07 004c"
                + "00 06 9c40 0050 1f90 0a000009 0a000001 c0a80102 0103 0001"
                + "00 06 9c41 0050 1f90 0a000009 0a000001 c0a80102 0603 0001"
                + "00000001 00000002 00000003 00000004 00000005 00000006");
        SyncMessage m = SyncMessage.decode(v0, 0, v0.length);
        assertEquals(0, m.version());
        assertEquals(7, m.syncId());
        assertEquals(2, m.entries().size());
        assertEquals(new SyncRecord(6, 0x103, 1, new InetSocketAddress("10.0.0.9", 40000),
                new InetSocketAddress("10.0.0.1", 80), new InetSocketAddress("192.168.1.2", 8080), 0, 0, null, null,
                null), m.entries().get(0));
        assertEquals(new SyncRecord.SeqData(1, 2, 3, 4, 5, 6), m.entries().get(1).seq());
    }

    @Test
    void whatTheKernelDropsWholeFailsNamingTheField() {
        byte[] ok = SyncMessage.encode(0, List.of(tcp(0), tcp(1)), 1472).get(0);
        assertEquals("sync message: size: 80 (expected: 79, the message's length)", error(ok, ok.length - 1));
        byte[] badVersion = ok.clone();
        badVersion[8 + 2] = 0x10;
        assertEquals("sync message: entries[0].version: 1 (expected: 0)", error(badVersion, ok.length));
        byte[] badType = ok.clone();
        badType[8] = 2;
        assertEquals("sync message: entries[0].type: 2 (expected: 0 (IPv4) or 1 (IPv6))", error(badType, ok.length));
        byte[] tooBig = ok.clone();
        tooBig[8 + 36 + 3] = 40;
        assertEquals("sync message: entries[1].size: 40 (expected: at most the 36 bytes left in the message)",
                error(tooBig, ok.length));
        byte[] tooSmall = ok.clone();
        tooSmall[8 + 3] = 20;
        assertTrue(error(tooSmall, ok.length).startsWith("sync message: entries[0].size: 20 (expected: at least 36"));
        byte[] count = ok.clone();
        count[4] = 3;
        assertEquals("sync message: entries[2]: truncated, 0 bytes left (expected: at least 36)", error(count, ok.length));
        assertEquals("sync message: length: 2 (expected: at least 4 bytes)", error(ok, 2));
    }

    private static String error(byte[] b, int len) {
        byte[] m = java.util.Arrays.copyOf(b, len);
        if (len >= 4) {
            m[2] = (byte) (len >>> 8);
            m[3] = (byte) len;
            if (len != b.length) {
                m[2] = b[2];
                m[3] = b[3];
            }
        }
        return assertThrows(IllegalArgumentException.class, () -> SyncMessage.decode(m, 0, m.length)).getMessage();
    }

    @Test
    void entriesTheKernelSkipsAloneAreListedAndTheRestApplied() {
        SyncRecord badState = new SyncRecord(6, 0, 11, new InetSocketAddress("10.0.0.9", 1),
                new InetSocketAddress("10.0.0.1", 80), new InetSocketAddress("192.168.1.2", 80), 0, 9, null, null,
                null);
        SyncRecord badProto = new SyncRecord(47, 0, 0, new InetSocketAddress("10.0.0.9", 1),
                new InetSocketAddress("10.0.0.1", 80), new InetSocketAddress("192.168.1.2", 80), 0, 9, null, null,
                null);
        SyncRecord udp = new SyncRecord(17, 0, 1, new InetSocketAddress("10.0.0.9", 1),
                new InetSocketAddress("10.0.0.1", 80), new InetSocketAddress("192.168.1.2", 80), 0, 9, null, null,
                null);
        byte[] m = SyncMessage.encode(0, List.of(badState, tcp(0), badProto, udp), 1472).get(0);
        SyncMessage d = SyncMessage.decode(m, 0, m.length);
        assertEquals(List.of(tcp(0)), d.entries());
        assertEquals(List.of("entries[0]: TCP state 11 (expected: 0-10)",
                "entries[2]: unsupported protocol 47 (expected: 6, 17 or 132)",
                "entries[3]: UDP state 1 (expected: 0-0)"), d.dropped());
    }

    @Test
    void entryValuesAreChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SyncRecord(6, 0, 70000,
                new InetSocketAddress("10.0.0.9", 1), new InetSocketAddress("10.0.0.1", 80),
                new InetSocketAddress("192.168.1.2", 80), 0, 9, null, null, null));
        assertEquals("state: 70000 (expected: 0-65535)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SyncRecord(6, 0, 1,
                new InetSocketAddress("10.0.0.9", 1), new InetSocketAddress("2001:db8::1", 80),
                new InetSocketAddress("192.168.1.2", 80), 0, 9, null, null, null));
        assertTrue(e.getMessage().endsWith("(expected: client, virtual and destination addresses of one family)"));
        e = assertThrows(IllegalArgumentException.class, () -> SyncMessage.encode(0, List.of(tcp(0)), 43));
        assertEquals("maxLength: 43 (expected: 44-65507)", e.getMessage());
    }
}
