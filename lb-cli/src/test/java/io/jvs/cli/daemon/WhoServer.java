package io.jvs.cli.daemon;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The web server of a real server in the namespace tests: {@code WhoServer NAME PORT} answers every GET with its name
 * and the client address it saw ({@code r1 10.98.0.1}); prints {@code ready} once listening.
 */
public final class WhoServer {

    private WhoServer() {}

    public static void main(String[] args) throws Exception {
        String name = args[0];
        HttpServer server = HttpServer.create(new InetSocketAddress(Integer.parseInt(args[1])), 64);
        server.createContext("/", exchange -> {
            byte[] body = (name + " " + exchange.getRemoteAddress().getAddress().getHostAddress() + "\n")
                    .getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().set("Connection", "close");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.start();
        System.out.println("ready");
        System.out.flush();
    }
}
