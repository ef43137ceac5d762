package io.jvs.core.internal;

import static io.jvs.core.internal.Fixture.addr;
import static io.jvs.core.internal.Fixture.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jvs.api.Rates;
import io.jvs.api.RealServer;
import io.jvs.api.Stats;
import io.jvs.api.VirtualService;
import io.jvs.core.Connection;
import io.jvs.core.RunningService;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Statistics through the director, zeroing, and the estimator's decay (ipvs-spec.md §6; see also CountersTest). */
class StatisticsTest {

    /** Bytes use a 2^5 scale: 1000 B/s steady gives (avg + 0xF) >> 5 with avg moving a quarter of the way. */
    @Test
    void estimator_bytesAndPackets() {
        Counters c = new Counters();
        for (int i = 0; i < 20; i++) { // 10 reads/s of 100 bytes for 2 s: 1000 B/s
            c.inbound(100);
        }
        c.estimate();
        // bytes: sample 2000 << 4 = 32000, avg 8000, (8000 + 0xF) >> 5 = 250;
        // packets: sample 20 << 9 = 10240, avg 2560, (2560 + 0x1FF) >> 10 = 2
        assertEquals(new Rates(0, 2, 0, 250, 0), c.rates());
        c.estimate(); // nothing more: each average loses a quarter (6000 -> 187, 1920 -> 2)
        assertEquals(new Rates(0, 2, 0, 187, 0), c.rates());
    }

    @Test
    void zeroCounters_perServiceAndAll() {
        try (Fixture f = new Fixture()) {
            InetSocketAddress a = addr("10.0.0.1", 80);
            InetSocketAddress b = addr("10.0.0.2", 80);
            RunningService sa = f.start(VirtualService.tcp(a).realServer(RealServer.of("192.168.1.2", 80)).build());
            RunningService sb = f.start(VirtualService.tcp(b).realServer(RealServer.of("192.168.1.3", 80)).build());
            Connection ca = tcp(sa, "10.1.1.7", 1, a);
            Connection cb = tcp(sb, "10.1.1.7", 1, b);
            ca.countInbound(100);
            cb.countOutbound(200);
            f.director.zeroCounters(sa.id());
            assertEquals(Stats.ZERO, f.status(sa.id()).stats());
            assertEquals(Stats.ZERO, f.status(sa.id()).realServers().get(0).stats());
            assertEquals(new Stats(1, 0, 1, 0, 200), f.status(sb.id()).stats());
            f.director.zeroCounters();
            assertEquals(Stats.ZERO, f.status(sb.id()).stats());
            assertEquals(1, f.status(sb.id()).realServers().get(0).inactiveConnections()
                    + f.status(sb.id()).realServers().get(0).activeConnections()); // -Z leaves connections alone
        }
    }

    @Test
    void directorRates() {
        try (Fixture f = new Fixture()) {
            InetSocketAddress a = addr("10.0.0.1", 80);
            RunningService s = f.start(VirtualService.tcp(a).realServer(RealServer.of("192.168.1.2", 80)).build());
            for (int i = 0; i < 200; i++) {
                tcp(s, "10.1.1.7", 1000 + i, a).onClosed();
            }
            f.director.estimateRates();
            assertEquals(25, f.status(s.id()).rates().connectionsPerSecond());
            assertEquals(25, f.status(s.id()).realServers().get(0).rates().connectionsPerSecond());
        }
    }
}
