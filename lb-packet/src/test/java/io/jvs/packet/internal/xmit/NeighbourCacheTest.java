package io.jvs.packet.internal.xmit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.packet.internal.frame.Bytes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NeighbourCacheTest {

    @TempDir
    Path dir;

    @Test
    void learnLookupAndGrow() {
        NeighbourCache c = new NeighbourCache("eth0", dir.resolve("none"));
        for (int i = 1; i <= 1000; i++) {
            c.learn(0x0a000000 + i, 0x020000000000L + i, 1);
        }
        for (int i = 1; i <= 1000; i++) {
            assertEquals(0x020000000000L + i, c.lookup(0x0a000000 + i));
        }
        assertEquals(-1, c.lookup(0x0b000001));
    }

    @Test
    void requestsAreRateLimited() {
        NeighbourCache c = new NeighbourCache("eth0", dir.resolve("none"));
        int a = Bytes.parseIpv4("10.0.0.1");
        assertTrue(c.shouldRequest(a, 0));
        assertFalse(c.shouldRequest(a, NeighbourCache.REQUEST_INTERVAL_NANOS - 1));
        assertTrue(c.shouldRequest(a, NeighbourCache.REQUEST_INTERVAL_NANOS));
        c.learn(a, 0x02aabbccddeeL, 2 * NeighbourCache.REQUEST_INTERVAL_NANOS);
        assertFalse(c.shouldRequest(a, 10 * NeighbourCache.REQUEST_INTERVAL_NANOS), "fresh");
        assertTrue(c.shouldRequest(a, NeighbourCache.STALE_NANOS * 2), "stale: confirm again");
        assertEquals(0x02aabbccddeeL, c.lookup(a), "a stale MAC stays in use meanwhile");
    }

    @Test
    void kernelTableFallback() throws IOException {
        Path arp = dir.resolve("arp");
        Files.writeString(arp, """
                IP address       HW type     Flags       HW address            Mask     Device
                10.99.0.11       0x1         0x2         02:00:00:00:00:11     *        eth0
                10.99.0.12       0x1         0x0         00:00:00:00:00:00     *        eth0
                10.99.0.13       0x1         0x2         02:00:00:00:00:13     *        eth1
                """);
        NeighbourCache c = new NeighbourCache("eth0", arp);
        assertEquals(1, c.loadKernelTable(1));
        assertEquals(0x020000000011L, c.lookup(Bytes.parseIpv4("10.99.0.11")));
        assertEquals(-1, c.lookup(Bytes.parseIpv4("10.99.0.12")), "incomplete");
        assertEquals(-1, c.lookup(Bytes.parseIpv4("10.99.0.13")), "another interface");
    }
}
