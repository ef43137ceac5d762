package io.jvs.ipvsadm;

import io.jvs.api.internal.Checks;
import io.jvs.ipvsadm.internal.AdminAddress;
import io.jvs.ipvsadm.internal.Wire;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The token an {@link AdminServer} on TCP requires of every request, and its file. A token is 16 to 1024 printable
 * ASCII characters without spaces; {@link #generate()} makes 256 random bits as 64 hex digits. A token file holds
 * the token on its first line and must be readable by its owner only (mode 0600), as ssh demands of private keys.
 *
 * <pre>{@code
 * String token = AdminToken.readOrCreate(Path.of("/run/jvs/admin.token"));
 * AdminServer server = AdminServer.start("127.0.0.1:9901", ipvsadm, listener, token);
 * AdminClient.execute("127.0.0.1:9901", token, List.of("-L", "-n"), new byte[0], Duration.ofSeconds(10));
 * }</pre>
 *
 * @since 0.1
 */
public final class AdminToken {

    /** The shortest token accepted. */
    public static final int MIN_LENGTH = 16;
    /** The longest token accepted. */
    public static final int MAX_LENGTH = Wire.MAX_TOKEN;

    private static final SecureRandom RANDOM = new SecureRandom();

    private AdminToken() {}

    /** A new token: 256 random bits from {@link SecureRandom}, as 64 lowercase hex digits. */
    public static String generate() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * Checks a token.
     *
     * @param name what to call it in the message, for example {@code JVS_ADMIN_TOKEN}
     * @return the token
     * @throws IllegalArgumentException naming {@code name} if it is not 16-1024 printable ASCII characters without
     *     spaces (the token itself is not repeated in the message)
     */
    public static String check(String token, String name) {
        Checks.checkNotNull(token, name);
        boolean ok = token.length() >= MIN_LENGTH && token.length() <= MAX_LENGTH
                && token.chars().allMatch(c -> c > 0x20 && c < 0x7f);
        if (!ok) {
            throw new IllegalArgumentException(name + ": a token of " + token.length() + " characters (expected: "
                    + MIN_LENGTH + "-" + MAX_LENGTH + " printable ASCII characters without spaces)");
        }
        return token;
    }

    /**
     * Reads the token on the first line of {@code file}.
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if the file can be read by others than its owner, or holds no valid token
     */
    public static String read(Path file) throws IOException {
        Checks.checkNotNull(file, "file");
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        for (PosixFilePermission p : mode) {
            if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE) {
                throw new IllegalArgumentException("admin token file " + file + ": mode "
                        + PosixFilePermissions.toString(mode) + " (expected: rw------- or r--------, readable by its "
                        + "owner only; chmod 600 it)");
            }
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int eol = text.indexOf('\n');
        return check((eol < 0 ? text : text.substring(0, eol)).strip(), "admin token file " + file);
    }

    /**
     * Reads the token of {@code file}, or, if the file does not exist, creates it (mode 0600, in a directory created
     * mode 0700 if missing) with a {@linkplain #generate() new token}.
     *
     * @throws IOException if the file cannot be read or created
     * @throws IllegalArgumentException as {@link #read}
     */
    public static String readOrCreate(Path file) throws IOException {
        Checks.checkNotNull(file, "file");
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return read(file);
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                // made by someone else meanwhile
            }
        }
        String token = generate();
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            return read(file); // another process made it meanwhile: use its token
        }
        Files.writeString(file, token + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        return token;
    }

    /**
     * Whether an admin endpoint at {@code address} needs a token: a TCP {@code HOST:PORT} does, a socket path does not
     * (its file mode keeps others out). The host is not looked up.
     */
    public static boolean requiredFor(String address) {
        Checks.checkNotNull(address, "address");
        return AdminAddress.isTcp(address);
    }

    /** The default token file: {@code admin.token} beside the {@linkplain AdminServer#defaultAddress() default socket}. */
    public static Path defaultFile() {
        Path sock = Path.of(AdminServer.defaultAddress());
        return sock.resolveSibling("admin.token");
    }

    /** The SHA-256 of a token, which the server keeps and compares in constant time. */
    static byte[] digest(byte[] token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    /** Whether {@code token} has the digest {@code expected}, in time independent of where they differ. */
    static boolean matches(byte[] expected, byte[] token) {
        return token != null && MessageDigest.isEqual(expected, digest(token));
    }
}
