package io.jvs.ipvsadm.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An admin address: a Unix domain socket path, or {@code HOST:PORT} ({@code [IPv6]:PORT}) for TCP. Anything with
 * a {@code /}, or without the {@code HOST:PORT} shape, is a path.
 */
public final class AdminAddress {

    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.\\-]+):([0-9]{1,5})");

    private final String text;
    private final Path path;
    private final InetSocketAddress inet;

    private AdminAddress(String text, Path path, InetSocketAddress inet) {
        this.text = text;
        this.path = path;
        this.inet = inet;
    }

    /**
     * Parses an address; a TCP host is resolved.
     *
     * @throws IllegalArgumentException naming the address if it is empty, the port is out of range or the host
     *     does not resolve
     */
    public static AdminAddress parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("admin address: empty (expected: a socket path or HOST:PORT)");
        }
        Matcher m = HOST_PORT.matcher(text);
        if (text.indexOf('/') < 0 && m.matches()) {
            int port = Integer.parseInt(m.group(2));
            if (port > 65535) {
                throw new IllegalArgumentException("admin address: " + text + " (expected: port 0-65535)");
            }
            String host = m.group(1);
            if (host.startsWith("[")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                return new AdminAddress(text, null, new InetSocketAddress(InetAddress.getByName(host), port));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("admin address: " + text + " (expected: a resolvable host)");
            }
        }
        return new AdminAddress(text, Path.of(text), null);
    }

    /** Whether {@code text} has the {@code HOST:PORT} shape of a TCP address (nothing is looked up). */
    public static boolean isTcp(String text) {
        return text != null && text.indexOf('/') < 0 && HOST_PORT.matcher(text).matches();
    }

    /** The socket path, or null for TCP. */
    public Path path() {
        return path;
    }

    /** The TCP address, or null for a socket path. */
    public InetSocketAddress inet() {
        return inet;
    }

    public SocketAddress socketAddress() {
        return path != null ? UnixDomainSocketAddress.of(path) : inet;
    }

    public StandardProtocolFamily family() {
        if (path != null) {
            return StandardProtocolFamily.UNIX;
        }
        return inet.getAddress() instanceof java.net.Inet6Address ? StandardProtocolFamily.INET6
                : StandardProtocolFamily.INET;
    }

    /** Opens a blocking connection. */
    public SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(family());
        try {
            ch.connect(socketAddress());
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Listens on this socket path: creates its directory (mode 0700) if missing, replaces a stale socket file of a
     * server that died, and makes the socket mode 0600.
     *
     * @throws IOException if the path is not a socket, another server answers on it, or it cannot be bound
     */
    public ServerSocketChannel bindUnix() throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                // made by someone else meanwhile
            }
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(path,
                    LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(path)) {
                throw new IOException(path + " exists and is not a socket; not replacing it");
            }
            boolean answers;
            try (SocketChannel probe = connect()) {
                answers = true;
            } catch (IOException e) {
                answers = false;
            }
            if (answers) {
                throw new IOException("another server answers on " + path + "; is a JVS daemon running already?");
            }
            Files.deleteIfExists(path); // the stale socket of a daemon that died
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(socketAddress());
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw new IOException("cannot listen on " + path + ": " + e.getMessage(), e);
        }
        return server;
    }

    @Override
    public String toString() {
        return text;
    }
}
