package io.jvs.cli.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import io.jvs.cli.status.ConfigLoad;
import io.jvs.core.Director;
import io.jvs.core.ForwardingLoadBalancer;
import io.jvs.ipvsadm.AdminClient;
import io.jvs.ipvsadm.Ipvsadm;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator does with a running daemon: ask for help, reload without a signal, survive a reload of a file
 * that is empty or not text, restore rules that start services whole, and read logs that arguments cannot forge.
 */
class DaemonOperationsTest {

    @TempDir
    Path dir;

    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = DaemonCommand.run(args, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
            Integer.toString(status)};
    }

    @Test
    void help_printsTheUsageAndExitsZero() {
        for (String help : new String[] {"--help", "-h"}) {
            String[] r = run(help);
            assertEquals("0", r[2], r[1]);
            assertTrue(r[0].startsWith("usage: jvs daemon [--config FILE | --rules FILE]"), r[0]);
            assertEquals("", r[1]);
        }
        String[] r = run("--reload", "--rules", "x");
        assertEquals("2", r[2]);
        assertTrue(r[1].startsWith("jvs daemon: --reload: talks to a running daemon"), r[1]);
    }

    @Test
    void reloadCommand_reloadsWithoutASignal_andRefusesAFileWithoutServicesUnlessAsked() throws Exception {
        try (EchoServer b1 = new EchoServer()) {
            int vport = EchoServer.freePort();
            Daemon daemon = StatusClient.startDaemon(dir, vport, new int[] {b1.port()}, new int[] {1});
            try {
                String admin = daemon.admin().address();
                ServiceId id = ServiceId.tcp(new InetSocketAddress("127.0.0.1", vport));
                Path conf = dir.resolve("keepalived.conf");
                Files.writeString(conf, Files.readString(conf).replace("weight 1", "weight 5"));
                String[] r = run("--reload", "--admin", admin);
                assertEquals("0", r[2], r[1]);
                assertTrue(r[0].startsWith("loaded 1 virtual server from " + conf), r[0]);
                StatusClient.await("weight 5", Duration.ofSeconds(10), () -> weight(daemon, id) == 5);

                Files.writeString(conf, ""); // emptied by mistake
                r = run("--reload", "--admin", admin);
                assertEquals("1", r[2], r[0]);
                assertTrue(r[1].startsWith("jvs daemon: reload refused: " + conf + " has no virtual servers (it is "
                        + "empty), and applying it would stop all 1 that run; the running configuration is kept"), r[1]);
                assertTrue(daemon.loadBalancer().service(id).isPresent(), "still running");
                ConfigLoad last = daemon.lastLoad();
                assertFalse(last.ok());

                // Saved as UTF-16 by an editor: parses to nothing.
                Files.write(conf, StatusClient.config(vport, new int[] {b1.port()}, new int[] {1})
                        .getBytes(StandardCharsets.UTF_16LE));
                daemon.reload(); // SIGHUP's way
                assertTrue(daemon.lastLoad().message().contains("(it has NUL bytes: UTF-16 or binary?"),
                        daemon.lastLoad().message());
                assertTrue(daemon.loadBalancer().service(id).isPresent(), "still running");

                Files.writeString(conf, "! nothing here any more\n");
                r = run("--reload", "--allow-empty", "--admin", admin);
                assertEquals("0", r[2], r[1]);
                StatusClient.await("the service stopped", Duration.ofSeconds(10),
                        () -> daemon.loadBalancer().service(id).isEmpty());
            } finally {
                daemon.close();
            }
        }
    }

    private static int weight(Daemon d, ServiceId id) {
        return d.loadBalancer().service(id).map(s -> s.realServers().isEmpty() ? -1
                : s.realServers().get(0).server().weight()).orElse(-1);
    }

    @Test
    void reloadCommand_withoutConfig_saysThereIsNothingToReload() throws Exception {
        Daemon daemon = Daemon.start(DaemonCommand.parse(new String[] {"--admin", dir.resolve("a.sock").toString(),
            "--threads", "1"}));
        try {
            Ipvsadm.Result r = AdminClient.execute(daemon.admin().address(), List.of("--reload"), new byte[0],
                    Duration.ofSeconds(10));
            assertEquals(new Ipvsadm.Result("", "jvs daemon: nothing to reload: this daemon runs without --config\n",
                    2), r);
            r = AdminClient.execute(daemon.admin().address(), List.of("--reload", "now"), new byte[0],
                    Duration.ofSeconds(10));
            assertEquals(2, r.status());
            assertEquals("jvs daemon: --reload takes no argument but --allow-empty\n", r.stderr());
        } finally {
            daemon.close();
        }
    }

    @Test
    void rules_startEachServiceWithItsRealServers() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        try (Director d = Director.builder().dataPath(new SocketDataPath()).rateEstimator(false)
                .connectionTimer(false).build()) {
            ForwardingLoadBalancer recording = new ForwardingLoadBalancer() {
                @Override
                protected io.jvs.api.LoadBalancer delegate() {
                    return d;
                }

                @Override
                public CompletableFuture<Void> start(VirtualService service) {
                    calls.add("start " + service.id() + " " + service.realServers().stream()
                            .map(RealServer::toString).toList());
                    return super.start(service);
                }

                @Override
                public void addRealServer(ServiceId service, RealServer server) {
                    calls.add("add " + server);
                    super.addRealServer(service, server);
                }
            };
            int n = RulesFile.restore(recording, RulesFile.withoutComments("# saved\n-A -t 10.0.0.1:80 -s wrr\n"
                    + "-a -t 10.0.0.1:80 -r 10.0.0.2:80 -w 3\n-a -t 10.0.0.1:80 -r 10.0.0.3:80\n"
                    + "-A -u 10.0.0.1:53 -s rr\n-a -u 10.0.0.1:53 -r 10.0.0.4:53\n--set 10 20 30\n"));
            assertEquals(2, n);
            assertEquals(List.of("start TCP 10.0.0.1:80 [10.0.0.2:80 FullNat weight 3, 10.0.0.3:80 FullNat weight 1]",
                    "start UDP 10.0.0.1:53 [10.0.0.4:53 FullNat weight 1]"), calls, "no service listens without its "
                    + "servers");
            assertEquals(io.jvs.api.Timeouts.ofSeconds(10, 20, 30), d.timeouts());

            List<String> before = new ArrayList<>(calls);
            RulesFile.RestoreException e = org.junit.jupiter.api.Assertions.assertThrows(
                    RulesFile.RestoreException.class, () -> RulesFile.restore(recording,
                            "-A -t 10.0.0.9:80\n-a -t 10.0.0.9:80 -r 10.0.0.2:80 -w lots\n"));
            assertEquals(2, e.status);
            assertTrue(e.ipvsadmErrors.contains("illegal weight specified"), e.ipvsadmErrors);
            assertEquals(before, calls, "a file with an error starts nothing");
        }
    }

    @Test
    void log_escapesWhatComesFromOutside() {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger jul = Logger.getLogger("io.jvs.cli.daemon");
        jul.addHandler(h);
        try {
            DaemonCommand.log(List.of("-A", "-t", "10.0.0.1:80\n2026-12-07 12:00:00.000 INFO    io.jvs: forged\u001b[2J"),
                    new Ipvsadm.Result("", "Invalid\nservice\n", 2), "uid ro\not");
        } finally {
            jul.removeHandler(h);
        }
        assertEquals(1, records.size());
        String m = records.get(0).getMessage();
        assertEquals("jvsadm (uid ro\\not): -A -t 10.0.0.1:80\\n2026-12-07 12:00:00.000 INFO    io.jvs: forged\\x1b[2J"
                + " -> 2: Invalid\\nservice", m);
        assertFalse(m.contains("\n"));
    }
}
