package io.jvs.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jvs.api.Rates;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CountersTest {

    @Test
    void estimator_reproducesTheSpecExample() {
        // A steady 100 connections/s from zero: IPVS reports 25, 44, 58, 68, 76 after successive 2 s ticks.
        Counters c = new Counters();
        List<Long> cps = new ArrayList<>();
        for (int tick = 0; tick < 5; tick++) {
            for (int i = 0; i < 200; i++) {
                c.connection();
            }
            c.estimate();
            cps.add(c.rates().connectionsPerSecond());
        }
        assertEquals(List.of(25L, 44L, 58L, 68L, 76L), cps);
    }

    @Test
    void estimator_bytesUseTheirOwnScale() {
        Counters c = new Counters();
        c.inbound(2000); // 1000 B/s over one 2 s tick; one packet = 0.5 packets/s
        c.estimate();
        Rates r = c.rates();
        assertEquals(250, r.inBytesPerSecond(), "avg = (2000 << 4) / 4 = 8000; (8000 + 15) >> 5 = 250");
        assertEquals(0, r.inPacketsPerSecond(), "avg = (1 << 9) / 4 = 128; (128 + 511) >> 10 = 0");
    }

    @Test
    void zero_restartsTheEstimator() {
        Counters c = new Counters();
        for (int i = 0; i < 200; i++) {
            c.connection();
        }
        c.estimate();
        c.zero();
        assertEquals(Rates.ZERO, c.rates());
        assertEquals(0, c.snapshot().connections());
        c.estimate();
        assertEquals(0, c.rates().connectionsPerSecond(), "nothing happened since the zero point");
    }
}
