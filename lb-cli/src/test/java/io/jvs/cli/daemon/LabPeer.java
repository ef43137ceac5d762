package io.jvs.cli.daemon;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * The real servers and the client of {@link ClusterHarnessTest}, each run as a process inside its namespace of the
 * ECMP lab. Every process exits after 5 minutes at the latest.
 *
 * <ul>
 *   <li>{@code server NAME ADDRESS PORT}: for every connection, writes {@code NAME PEER-IP\n} (the peer is the
 *       director in full NAT, so the answer says which director the flow went through), then echoes lines until
 *       the client closes. Prints {@code ready} once listening.
 *   <li>{@code client}: takes commands on standard input, one answer line each:
 *     <ul>
 *       <li>{@code ask HOST PORT SRC...}: one connection from each source in turn, reading the greeting:
 *           {@code NAME@PEER} or {@code fail:REASON} per source, space-separated;
 *       <li>{@code open HOST PORT SRC...}: a long-lived stream from each source, which sends a line every 100 ms and
 *           reads its echo (2 s at most); answers the greetings as {@code ask} does;
 *       <li>{@code report}: per stream opened, {@code NAME@PEER:ECHOED:ok} or {@code NAME@PEER:ECHOED:broken-REASON};
 *       <li>{@code ports}: per stream opened, its local (source) port;
 *       <li>{@code close}: closes every stream; answers {@code closed}.
 *     </ul>
 * </ul>
 */
public final class LabPeer {

    private static final int TIMEOUT_MS = 3000;

    private LabPeer() {}

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
        if (args[0].equals("server")) {
            server(args[1], InetAddress.getByName(args[2]), Integer.parseInt(args[3]));
        } else {
            client();
        }
    }

    private static void server(String name, InetAddress address, int port) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(address, port), 200);
            System.out.println("ready");
            System.out.flush();
            while (true) {
                Socket c = s.accept();
                Thread t = new Thread(() -> echo(name, c), "echo");
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private static void echo(String name, Socket c) {
        try (c) {
            OutputStream out = c.getOutputStream();
            out.write((name + " " + c.getInetAddress().getHostAddress() + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.US_ASCII));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException e) {
            // the client or its director went away
        }
    }

    /** A connection from {@code source} with its greeting read: {@code NAME@PEER}, or an exception. */
    private static Socket connect(String host, int port, String source, String[] greeting) throws IOException {
        Socket s = new Socket();
        try {
            s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            s.connect(new InetSocketAddress(InetAddress.getByName(host), port), TIMEOUT_MS);
            s.setSoTimeout(TIMEOUT_MS);
            String line = readLine(s);
            if (line == null) {
                throw new IOException("eof");
            }
            greeting[0] = line.replace(' ', '@');
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Reads a line byte by byte (no buffering beyond it, so the stream's echoes stay on the socket). */
    private static String readLine(Socket s) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = s.getInputStream().read();
            if (b < 0) {
                return sb.length() == 0 ? null : sb.toString();
            }
            if (b == '\n') {
                return sb.toString();
            }
            sb.append((char) b);
        }
    }

    private static String reason(IOException e) {
        if (e instanceof SocketTimeoutException) {
            return "timeout";
        }
        String m = String.valueOf(e.getMessage());
        return m.toLowerCase().contains("reset") ? "reset" : m.replace(' ', '_');
    }

    /** A long-lived stream: a line every 100 ms, each echoed. */
    private static final class Stream extends Thread {
        final Socket socket;
        final String greeting;
        volatile int echoed;
        volatile String broken;
        volatile boolean closing;

        Stream(Socket socket, String greeting) {
            super("stream");
            setDaemon(true);
            this.socket = socket;
            this.greeting = greeting;
        }

        @Override
        public void run() {
            try {
                socket.setSoTimeout(2000);
                OutputStream out = socket.getOutputStream();
                for (int i = 0; !closing; i++) {
                    String line = "line " + i;
                    out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    String back = readLine(socket);
                    if (back == null) {
                        throw new IOException("eof");
                    }
                    if (!back.equals(line)) {
                        throw new IOException("echo_" + back);
                    }
                    echoed++;
                    Thread.sleep(100);
                }
            } catch (IOException e) {
                if (!closing) {
                    broken = reason(e);
                }
            } catch (InterruptedException e) {
                // closing
            }
        }

        String report() {
            return greeting + ":" + echoed + ":" + (broken == null ? "ok" : "broken-" + broken);
        }
    }

    private static void client() throws IOException {
        List<Stream> streams = new ArrayList<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] w = line.trim().split(" ");
            StringJoiner answer = new StringJoiner(" ");
            switch (w[0]) {
                case "ask", "open" -> {
                    int port = Integer.parseInt(w[2]);
                    for (int i = 3; i < w.length; i++) {
                        String[] greeting = new String[1];
                        try {
                            Socket s = connect(w[1], port, w[i], greeting);
                            if (w[0].equals("ask")) {
                                s.close();
                            } else {
                                Stream st = new Stream(s, greeting[0]);
                                streams.add(st);
                                st.start();
                            }
                            answer.add(greeting[0]);
                        } catch (IOException e) {
                            answer.add("fail:" + reason(e));
                        }
                    }
                }
                case "report" -> streams.forEach(s -> answer.add(s.report()));
                case "ports" -> streams.forEach(s -> answer.add(Integer.toString(s.socket.getLocalPort())));
                case "close" -> {
                    for (Stream s : streams) {
                        s.closing = true;
                        s.socket.close();
                    }
                    streams.clear();
                    answer.add("closed");
                }
                default -> answer.add("unknown:" + w[0]);
            }
            System.out.println(answer);
            System.out.flush();
        }
    }
}
