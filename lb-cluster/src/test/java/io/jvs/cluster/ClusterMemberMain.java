package io.jvs.cluster;

import io.jvs.api.LoadBalancerException;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One cluster member in its own JVM (for the namespace tests), driven line by line on standard input:
 * {@code start VIP:PORT}, {@code add VIP:PORT RS:PORT}, {@code sync} (prints {@code hash EPOCH HASH}); each change
 * prints {@code ok} or {@code error REASON MESSAGE}. Arguments: bind {@code IP:PORT}, peers {@code IP:PORT,...}.
 * Prints {@code ready} once it knows a leader; exits when standard input closes, or after 5 minutes.
 */
public final class ClusterMemberMain {

    private ClusterMemberMain() {}

    private static InetSocketAddress address(String s) {
        int colon = s.lastIndexOf(':');
        return new InetSocketAddress(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
    }

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(300_000);
            } catch (InterruptedException e) {
                return;
            }
            System.exit(3);
        });
        watchdog.setDaemon(true);
        watchdog.start();
        List<InetSocketAddress> peers = new ArrayList<>();
        for (String p : args[1].split(",")) {
            peers.add(address(p));
        }
        Path logs = Files.createTempDirectory("jvsk-raft");
        Director local = Director.builder().dataPath(DataPath.detached()).rateEstimator(false).connectionTimer(false)
                .maxConnections(1024).build();
        try (ClusteredLoadBalancer lb = ClusteredLoadBalancer.builder(local).cluster("lab").bind(address(args[0]))
                .peers(peers).logDirectory(logs).failureDetection(Duration.ofMillis(1500))
                .commitTimeout(Duration.ofSeconds(20)).build()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (lb.status().leader() == null && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            System.out.println(lb.status().leader() == null ? "no-leader" : "ready");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] w = line.trim().split(" ");
                try {
                    switch (w[0]) {
                        case "start":
                            lb.start(VirtualService.tcp(address(w[1])).scheduler("mh").build()).get();
                            System.out.println("ok");
                            break;
                        case "add":
                            lb.addRealServer(ServiceId.tcp(address(w[1])), RealServer.of(address(w[2])));
                            System.out.println("ok");
                            break;
                        case "sync":
                            lb.sync();
                            System.out.println("hash " + lb.configEpoch() + " " + lb.configHash());
                            break;
                        default:
                            System.out.println("error UNKNOWN " + line);
                    }
                } catch (LoadBalancerException e) {
                    System.out.println("error " + e.reason() + " " + e.getMessage().replace('\n', ' '));
                }
            }
        }
    }
}
