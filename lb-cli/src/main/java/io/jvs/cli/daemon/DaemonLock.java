package io.jvs.cli.daemon;

import io.jvs.ipvsadm.AdminServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Locale;

/**
 * The lock a running {@code jvs daemon} holds on a file beside its admin socket ({@code admin.sock.lock}; for a TCP
 * admin address, {@code admin-HOST-PORT.lock} beside the default socket), taken before anything is bound. A second
 * daemon for the same admin address finds it held and stops before it listens anywhere, so it cannot share, and
 * then reset, the first one's clients; the file says which process holds it. The lock is the operating system's
 * ({@code fcntl}), released when the process ends however it ends, so a daemon that was killed leaves no stale
 * lock behind.
 */
final class DaemonLock implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private DaemonLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock file of the admin address {@code admin} (a socket path or {@code HOST:PORT}). */
    static Path fileFor(String admin, boolean tcp) {
        if (!tcp) {
            return Path.of(admin + ".lock");
        }
        String name = "admin-" + admin.replaceAll("[^A-Za-z0-9.-]+", "-").replaceAll("^-|-$", "")
                .toLowerCase(Locale.ROOT) + ".lock";
        return Path.of(AdminServer.defaultAddress()).toAbsolutePath().resolveSibling(name);
    }

    /**
     * Takes the lock of {@code file}, creating it (and its directory, mode 0700) if needed, and writes this
     * process's id, admin address and start time into it.
     *
     * @throws IllegalStateException naming the process that holds it, if another does
     * @throws IOException if the file cannot be created or locked
     */
    static DaemonLock acquire(Path file, String admin) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held in this very JVM
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String holder;
            try {
                holder = Files.readString(file, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                holder = "";
            } finally {
                ch.close();
            }
            throw new IllegalStateException("another jvs daemon runs with the admin address " + admin
                    + (holder.isEmpty() ? "" : " (" + holder + ")") + "; it holds " + file);
        }
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + ", admin " + admin + ", started "
                    + Instant.now() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
        } catch (IOException | RuntimeException e) {
            lock.release();
            ch.close();
            throw e;
        }
        return new DaemonLock(file, ch, lock);
    }

    Path file() {
        return file;
    }

    /** Releases the lock (the file stays: deleting it could let two daemons lock two different files). */
    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // the process ends soon anyway, which releases it
        }
    }
}
