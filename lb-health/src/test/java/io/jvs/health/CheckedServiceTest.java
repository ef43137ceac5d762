package io.jvs.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckedServiceTest {

    @Test
    void withService_replacesTheServiceSettings_keepsTheCheckedServers() {
        VirtualService web = VirtualService.tcp("10.0.0.1", 80).scheduler("wrr")
                .realServer(RealServer.of("10.0.0.11", 80).withWeight(3)).build();
        VirtualService tls = VirtualService.tcp("10.0.0.1", 443).build();
        CheckedService c = CheckedService.builder(web).service(tls).servers(s -> s.withChecks(HealthCheck.tcp()))
                .quorum(2).build();

        VirtualService edited = VirtualService.tcp("10.0.0.1", 443).scheduler("rr")
                .persistence(Duration.ofSeconds(60)).realServer(RealServer.of("10.9.9.9", 80)).build();
        CheckedService next = c.withService(edited);

        assertEquals(c.ids(), next.ids());
        assertEquals(c.servers(), next.servers(), "the checked servers stay");
        assertEquals(2, next.quorum());
        VirtualService applied = next.services().get(1);
        assertEquals("rr", applied.schedulerName());
        assertEquals(Duration.ofSeconds(60), applied.persistence());
        assertEquals(List.of(RealServer.of("10.0.0.11", 80).withWeight(3)), applied.realServers(),
                "its real servers are the checked ones, not those it came with");
        assertEquals(c.services().get(0), next.services().get(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.withService(VirtualService.tcp("10.0.0.2", 80).build()));
        assertEquals("service: TCP 10.0.0.2:80 (expected: one of [TCP 10.0.0.1:80, TCP 10.0.0.1:443])", e.getMessage());
    }
}
