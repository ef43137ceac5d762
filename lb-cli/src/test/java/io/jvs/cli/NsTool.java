package io.jvs.cli;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * The client and the real servers of {@link NetnsNatTest}, each run as a process inside its network namespace.
 *
 * <ul>
 *   <li>{@code server ADDRESS PORT}: for every connection, writes {@code peer IP PORT at SERVER-IP\n} (the address it sees),
 *       then echoes until the client half-closes, then half-closes too. Prints {@code ready} once listening.
 *   <li>{@code client ADDRESS PORT N BYTES}: N connections one after the other; each reads the peer line, sends
 *       BYTES pseudo-random bytes, half-closes, reads the echo and checks its CRC. Prints
 *       {@code ok PEER} or {@code fail REASON} per connection.
 *   <li>{@code hold ADDRESS PORT N}: opens N connections at once and keeps them; for each prints {@code ok PEER},
 *       {@code reset}, {@code eof} or {@code timeout} (5 s), then waits for a line on stdin before closing them.
 *   <li>{@code udpserver ADDRESS PORT}: answers every datagram with {@code peer IP PORT at SERVER-IP} (the address
 *       it sees). Prints {@code ready} once bound.
 *   <li>{@code udpclient ADDRESS PORT N}: N clients one after the other, each from a socket of its own, send one
 *       datagram and print {@code ok ANSWER} or {@code fail REASON} (5 s).
 * </ul>
 */
public final class NsTool {

    private NsTool() {}

    public static void main(String[] args) throws Exception {
        InetAddress address = InetAddress.getByName(args[1]);
        int port = Integer.parseInt(args[2]);
        switch (args[0]) {
            case "server":
                server(address, port);
                break;
            case "client":
                client(address, port, Integer.parseInt(args[3]), Long.parseLong(args[4]));
                break;
            case "hold":
                hold(address, port, Integer.parseInt(args[3]));
                break;
            case "udpserver":
                udpServer(address, port);
                break;
            case "udpclient":
                udpClient(address, port, Integer.parseInt(args[3]));
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }

    private static void server(InetAddress address, int port) throws IOException {
        try (ServerSocket server = new ServerSocket(port, 128, address)) {
            System.out.println("ready");
            System.out.flush();
            for (int i = 0; i < 10_000; i++) {
                Socket s = server.accept();
                Thread t = new Thread(() -> {
                    try (s) {
                        InetSocketAddress peer = (InetSocketAddress) s.getRemoteSocketAddress();
                        OutputStream out = s.getOutputStream();
                        out.write(("peer " + peer.getAddress().getHostAddress() + " " + peer.getPort() + " at "
                                + s.getLocalAddress().getHostAddress() + "\n").getBytes(StandardCharsets.US_ASCII));
                        s.getInputStream().transferTo(out);
                        s.shutdownOutput();
                    } catch (IOException e) {
                        // the client went away
                    }
                });
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private static void client(InetAddress address, int port, int n, long bytes) {
        for (int i = 0; i < n; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, port), 5000);
                s.setSoTimeout(10_000);
                DataInputStream in = new DataInputStream(s.getInputStream());
                String peer = readLine(in);
                long sent = send(s.getOutputStream(), bytes, i);
                s.shutdownOutput();
                CRC32 crc = new CRC32();
                byte[] buf = new byte[65536];
                long got = 0;
                for (int r; (r = in.read(buf)) >= 0; ) {
                    crc.update(buf, 0, r);
                    got += r;
                }
                System.out.println(got == bytes && crc.getValue() == sent ? "ok " + peer
                        : "fail echo " + got + " of " + bytes + " bytes, crc " + (crc.getValue() == sent));
            } catch (IOException e) {
                System.out.println("fail " + e);
            }
            System.out.flush();
        }
    }

    private static void hold(InetAddress address, int port, int n) throws IOException {
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            sockets.add(s);
            s.connect(new InetSocketAddress(address, port), 5000);
            s.setSoTimeout(5000);
        }
        for (Socket s : sockets) {
            String result;
            try {
                result = "ok " + readLine(new DataInputStream(s.getInputStream()));
            } catch (SocketTimeoutException e) {
                result = "timeout";
            } catch (SocketException e) {
                result = e.getMessage() != null && e.getMessage().contains("reset") ? "reset" : "fail " + e;
            } catch (IOException e) {
                result = "eof";
            }
            System.out.println(result);
        }
        System.out.println("done");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).readLine();
        for (Socket s : sockets) {
            s.close();
        }
    }

    private static void udpServer(InetAddress address, int port) throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(address, port))) {
            System.out.println("ready");
            System.out.flush();
            byte[] buf = new byte[2048];
            for (int i = 0; i < 100_000; i++) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                s.receive(p);
                InetSocketAddress peer = (InetSocketAddress) p.getSocketAddress();
                byte[] answer = ("peer " + peer.getAddress().getHostAddress() + " " + peer.getPort() + " at "
                        + address.getHostAddress()).getBytes(StandardCharsets.US_ASCII);
                s.send(new DatagramPacket(answer, answer.length, peer));
            }
        }
    }

    private static void udpClient(InetAddress address, int port, int n) {
        for (int i = 0; i < n; i++) {
            try (DatagramSocket s = new DatagramSocket()) {
                s.setSoTimeout(5000);
                byte[] hello = ("hello " + i).getBytes(StandardCharsets.US_ASCII);
                s.send(new DatagramPacket(hello, hello.length, new InetSocketAddress(address, port)));
                byte[] buf = new byte[2048];
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                s.receive(p);
                System.out.println("ok " + new String(buf, 0, p.getLength(), StandardCharsets.US_ASCII));
            } catch (IOException e) {
                System.out.println("fail " + e);
            }
            System.out.flush();
        }
    }

    /** The peer line without its newline: "peer IP PORT at SERVER-IP". */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new java.io.EOFException("eof after '" + sb + "'");
            }
            sb.append((char) b);
        }
        return sb.toString();
    }

    private static long send(OutputStream out, long n, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] chunk = new byte[65536];
        CRC32 crc = new CRC32();
        for (long left = n; left > 0; ) {
            int len = (int) Math.min(chunk.length, left);
            r.nextBytes(chunk);
            out.write(chunk, 0, len);
            crc.update(chunk, 0, len);
            left -= len;
        }
        out.flush();
        return crc.getValue();
    }
}
