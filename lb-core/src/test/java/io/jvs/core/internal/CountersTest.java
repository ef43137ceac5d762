package io.jvs.core.internal;

import static io.jvs.core.internal.Fixture.addr;
import static io.jvs.core.internal.Fixture.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jvs.api.Rates;
import io.jvs.api.RealServer;
import io.jvs.api.Stats;
import io.jvs.api.VirtualService;
import io.jvs.core.Connection;
import io.jvs.core.ServiceBinding;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Statistics and the IPVS rate estimator (ipvs-spec.md §6). */
class CountersTest {

    /** Spec §6.2: a steady 100 conn/s from zero gives cps 25, 44, 58, 68, 76 after successive 2-s ticks. */
    @Test
    void estimator_workedExample() {
        Counters c = new Counters();
        List<Long> cps = new ArrayList<>();
        for (int tick = 0; tick < 5; tick++) {
            for (int i = 0; i < 200; i++) { // 100 conn/s for 2 s
                c.connection();
            }
            c.estimate();
            cps.add(c.rates().connectionsPerSecond());
        }
        assertEquals(List.of(25L, 44L, 58L, 68L, 76L), cps);
    }

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
    void zero_storesTheZeroPointAndResetsRates() {
        Counters c = new Counters();
        c.connection();
        c.inbound(10);
        c.estimate();
        c.zero();
        assertEquals(Stats.ZERO, c.snapshot());
        assertEquals(Rates.ZERO, c.rates());
        c.outbound(7);
        assertEquals(new Stats(0, 0, 1, 0, 7), c.snapshot());
        c.estimate(); // restarted from the zero point: only the 7 bytes count ((28 + 0xF) >> 5 = 1)
        assertEquals(new Rates(0, 0, 0, 0, 1), c.rates());
    }

    @Test
    void zeroCounters_perServiceAndAll() {
        try (Fixture f = new Fixture()) {
            InetSocketAddress a = addr("10.0.0.1", 80);
            InetSocketAddress b = addr("10.0.0.2", 80);
            ServiceBinding sa = f.start(VirtualService.tcp(a).realServer(RealServer.of("192.168.1.2", 80)).build());
            ServiceBinding sb = f.start(VirtualService.tcp(b).realServer(RealServer.of("192.168.1.3", 80)).build());
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
            ServiceBinding s = f.start(VirtualService.tcp(a).realServer(RealServer.of("192.168.1.2", 80)).build());
            for (int i = 0; i < 200; i++) {
                tcp(s, "10.1.1.7", 1000 + i, a).onClosed();
            }
            f.director.estimateRates();
            assertEquals(25, f.status(s.id()).rates().connectionsPerSecond());
            assertEquals(25, f.status(s.id()).realServers().get(0).rates().connectionsPerSecond());
        }
    }
}
