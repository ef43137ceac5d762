package io.jvs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvs.testing.EcmpLab;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The ECMP namespace lab itself: the router spreads flows over the three directors, withdrawing one moves only its
 * flows (a resilient group), directors reach the real servers over the back-end LAN, and nothing is left behind.
 */
class EcmpLabTest {

    @Test
    void theRouterSpreadsFlowsAndAWithdrawnDirectorMovesOnlyItsOwn() throws Exception {
        String why = EcmpLab.unavailable("jvsk");
        assumeTrue(why == null, () -> "skipped: " + why);
        EcmpLab lab = EcmpLab.create("jvsk", 3, 2, 20);
        try {
            Map<String, Integer> before = new HashMap<>();
            Set<Integer> used = new HashSet<>();
            for (int k = 0; k <= 20; k++) {
                for (int port = 40000; port < 40003; port++) {
                    int d = lab.directorOf(EcmpLab.clientAddress(k), port);
                    before.put(k + ":" + port, d);
                    used.add(d);
                }
            }
            assertEquals(Set.of(1, 2, 3), used, "63 flows reach every director");
            lab.withdraw(List.of(1, 3));
            int moved = 0;
            for (Map.Entry<String, Integer> e : before.entrySet()) {
                String[] kp = e.getKey().split(":");
                int now = lab.directorOf(EcmpLab.clientAddress(Integer.parseInt(kp[0])), Integer.parseInt(kp[1]));
                if (e.getValue() == 2) {
                    assertTrue(now == 1 || now == 3, "a flow of d2 goes to a survivor");
                    moved++;
                } else {
                    assertEquals(e.getValue(), now, "a flow of d" + e.getValue() + " stays where it was");
                }
            }
            assertTrue(moved > 0);

            Process rs = lab.java("rs1", NameServer.class, EcmpLab.realServerAddress(1), "80", "rs1");
            BufferedReader out = new BufferedReader(new InputStreamReader(rs.getInputStream(), StandardCharsets.US_ASCII));
            assertEquals("ready", out.readLine());
            String answer = lab.run("d2", "bash", "-c", "exec 3<>/dev/tcp/" + EcmpLab.realServerAddress(1)
                    + "/80; cat <&3");
            assertEquals("rs1\n", answer, "a director reaches a real server over the back-end LAN");
        } finally {
            lab.close();
        }
        assertEquals(List.of(), lab.existing(), "every namespace deleted");
    }
}
