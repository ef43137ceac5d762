package io.jvs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvs.testing.EcmpLab;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Three directors, each a JVM in its own network namespace of the ECMP lab, forming the configuration cluster over
 * the back-end LAN: changes made on different directors give one configuration; a director killed outright (no
 * goodbye) leaves a majority that still commits; with two killed the survivor refuses.
 */
class NamespaceClusterTest {

    private static final String VIP = EcmpLab.VIP + ":80";

    private static final class Member {
        final Process process;
        final BufferedReader out;
        final PrintWriter in;

        Member(Process p) {
            this.process = p;
            this.out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
            this.in = new PrintWriter(p.getOutputStream(), true, StandardCharsets.US_ASCII);
        }

        String call(String command) throws Exception {
            in.println(command);
            return line(60);
        }

        String line(int seconds) throws Exception {
            String l = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return null;
                }
            }).get(seconds, TimeUnit.SECONDS);
            if (l == null) {
                throw new IOException("the member's JVM ended");
            }
            return l;
        }
    }

    @Test
    void threeDirectorsInNamespacesAgreeSurviveAKillAndRefuseWithoutAMajority() throws Exception {
        String why = EcmpLab.unavailable("jvsk");
        assumeTrue(why == null, () -> "skipped: " + why);
        try (EcmpLab lab = EcmpLab.create("jvsk", 3, 1, 0)) {
            List<Member> m = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                List<String> peers = new ArrayList<>();
                for (int j = 1; j <= 3; j++) {
                    if (j != i) {
                        peers.add(EcmpLab.directorLanAddress(j) + ":7800");
                    }
                }
                m.add(new Member(lab.java("d" + i, ClusterMemberMain.class, EcmpLab.directorLanAddress(i) + ":7800",
                        String.join(",", peers))));
            }
            for (Member x : m) {
                assertEquals("ready", x.line(120));
            }
            assertEquals("ok", m.get(0).call("start " + VIP));
            assertEquals("ok", m.get(1).call("add " + VIP + " 10.201.0.11:80"));
            assertEquals("ok", m.get(2).call("add " + VIP + " 10.201.0.12:80"));
            String hash = m.get(0).call("sync");
            assertTrue(hash.startsWith("hash 3 "), hash);
            assertEquals(hash, m.get(1).call("sync"));
            assertEquals(hash, m.get(2).call("sync"));

            m.get(1).process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            assertEquals("ok", m.get(2).call("add " + VIP + " 10.201.0.13:80"), "two of three commit");
            String after = m.get(0).call("sync");
            assertTrue(after.startsWith("hash 4 "), after);
            assertEquals(after, m.get(2).call("sync"));

            m.get(2).process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            String refused = m.get(0).call("add " + VIP + " 10.201.0.14:80");
            assertTrue(refused.startsWith("error NO_QUORUM no quorum in cluster lab: 1 of 3 members reachable"),
                    refused);
        }
    }
}
