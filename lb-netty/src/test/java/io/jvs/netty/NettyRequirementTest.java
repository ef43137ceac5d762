package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** JVS needs Netty 4.2, and says so at start when the application brought 4.1 (issue #17). */
class NettyRequirementTest {

    @Test
    void netty42_passes() {
        assertNull(NettyRequirement.problem(Map.of("netty-common", "4.2.18.Final", "netty-transport", "4.2.18.Final"),
                true));
        NettyRequirement.check(); // the build's own Netty
    }

    @Test
    void netty41_namesTheVersionsFoundAndTheOneNeeded() {
        String p = NettyRequirement.problem(Map.of("netty-common", "4.1.118.Final", "netty-transport",
                "4.1.118.Final", "netty-codec-http", "4.1.118.Final"), false);
        assertEquals("JVS needs Netty 4.2 (it was built with " + NettyRequirement.built() + "), but found "
                + "netty-common 4.1.118.Final, netty-transport 4.1.118.Final. An application whose BOM manages Netty 4.1 "
                + "(Spring Boot 3, Vert.x 4) must import io.jvs:lb-bom, or io.netty:netty-bom "
                + NettyRequirement.built() + ", before that BOM (see docs/embedding.md)", p);
        assertTrue(NettyRequirement.built().startsWith("4.2."), NettyRequirement.built());
    }

    /** The real thing: JVS on a class path whose Netty is 4.1, as a Spring Boot 3 application would have it. */
    @Test
    void netty41OnTheClassPath_buildFailsWithTheVersions_notANoClassDefFoundError() throws Exception {
        File[] jars = new File("target/netty-4.1").listFiles((d, n) -> n.endsWith(".jar"));
        Assumptions.assumeTrue(jars != null && jars.length >= 4, "the build copies Netty 4.1 jars to target/netty-4.1");
        List<String> cp = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.contains(File.separator + "io" + File.separator + "netty" + File.separator)) {
                cp.add(e); // JVS's own classes and the rest, without Netty 4.2
            }
        }
        for (File j : jars) {
            cp.add(j.getAbsolutePath());
        }
        Process p = new ProcessBuilder(new File(System.getProperty("java.home"), "bin/java").getPath(), "-cp",
                String.join(File.pathSeparator, cp), Netty41Main.class.getName()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(out.contains("IllegalStateException: JVS needs Netty 4.2 (it was built with "), out);
        assertTrue(out.contains("but found netty-common 4.1.118.Final, netty-buffer 4.1.118.Final, netty-transport "
                + "4.1.118.Final"), out);
    }

    /** Builds a load balancer and prints what happened. */
    public static final class Netty41Main {
        public static void main(String[] args) {
            try (NettyLoadBalancer lb = NettyLoadBalancer.builder().build()) {
                System.out.println("built " + lb);
            } catch (Throwable t) {
                System.out.println(t);
            }
        }
    }
}
