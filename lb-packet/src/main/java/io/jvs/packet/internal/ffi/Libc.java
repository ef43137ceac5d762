package io.jvs.packet.internal.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * The libc calls the packet data path makes, as FFM downcalls with errno captured. No C of our own.
 *
 * <p>Set-up calls throw {@link NativeException} naming the call; the calls made per batch on the hot path
 * ({@link #poll}, {@link #sendto}, {@link #recv}, {@link #write}) return {@code -errno} instead and allocate
 * nothing. The errno capture buffer is one per thread.
 */
public final class Libc {

    /** {@code AF_INET}. */
    public static final int AF_INET = 2;
    /** {@code AF_PACKET}. */
    public static final int AF_PACKET = 17;
    /** {@code SOCK_DGRAM}. */
    public static final int SOCK_DGRAM = 2;
    /** {@code SOCK_RAW}. */
    public static final int SOCK_RAW = 3;
    /** {@code SOCK_CLOEXEC}. */
    public static final int SOCK_CLOEXEC = 0x80000;
    /** {@code SOL_SOCKET}. */
    public static final int SOL_SOCKET = 1;
    /** {@code SO_RCVBUF}. */
    public static final int SO_RCVBUF = 8;
    /** {@code SO_RCVTIMEO} (struct timeval). */
    public static final int SO_RCVTIMEO = 20;
    /** {@code PROT_READ | PROT_WRITE}. */
    public static final int PROT_READ_WRITE = 3;
    /** {@code MAP_SHARED}. */
    public static final int MAP_SHARED = 1;
    /** {@code POLLIN}. */
    public static final short POLLIN = 1;
    /** {@code POLLOUT}. */
    public static final short POLLOUT = 4;
    /** {@code MSG_DONTWAIT}. */
    public static final int MSG_DONTWAIT = 0x40;
    /** {@code O_RDWR}. */
    public static final int O_RDWR = 2;
    /** {@code O_CLOEXEC}. */
    public static final int O_CLOEXEC = 0x80000;
    /** {@code EINTR}. */
    public static final int EINTR = 4;
    /** {@code EAGAIN}. */
    public static final int EAGAIN = 11;
    /** {@code ENOBUFS}. */
    public static final int ENOBUFS = 105;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final long ERRNO_SIZE = Linker.Option.captureStateLayout().byteSize();
    private static final VarHandle ERRNO_VALUE = Linker.Option.captureStateLayout()
            .varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(ERRNO_SIZE));

    private static final MethodHandle SOCKET = errno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = errno("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = errno("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = errno("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle MMAP = errno("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = errno("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle POLL = errno("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SENDTO = errno("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = errno("recv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE = errno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle IF_NAMETOINDEX = errno("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle IOCTL = errno("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle OPEN = errno("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle WRITE = errno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(find("strerror"),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Libc() {}

    private static MemorySegment find(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    }

    private static MethodHandle errno(String name, FunctionDescriptor fd, Linker.Option... more) {
        Linker.Option[] options = new Linker.Option[more.length + 1];
        options[0] = ERRNO;
        System.arraycopy(more, 0, options, 1, more.length);
        return LINKER.downcallHandle(find(name), fd, options);
    }

    private static int lastErrno(MemorySegment state) {
        return (int) ERRNO_VALUE.get(state, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }

    /** {@code strerror(errno)}: the C library's text for an errno. */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.equals(MemorySegment.NULL) ? "errno " + errno : s.reinterpret(256).getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code socket(domain, type, protocol)}: the new descriptor. */
    public static int socket(int domain, int type, int protocol) throws NativeException {
        MemorySegment st = STATE.get();
        int fd;
        try {
            fd = (int) SOCKET.invokeExact(st, domain, type | SOCK_CLOEXEC, protocol);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (fd < 0) {
            throw new NativeException("socket(" + domain + ", " + type + ", " + protocol + ")", lastErrno(st));
        }
        return fd;
    }

    /** {@code bind(fd, address, length)}; {@code what} names the address in the error. */
    public static void bind(int fd, MemorySegment address, String what) throws NativeException {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) BIND.invokeExact(st, fd, address, (int) address.byteSize());
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new NativeException("bind(" + what + ")", lastErrno(st));
        }
    }

    /** {@code setsockopt(fd, level, option, value, size)}; {@code name} names the option in the error. */
    public static void setsockopt(int fd, int level, int option, MemorySegment value, String name) throws NativeException {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) SETSOCKOPT.invokeExact(st, fd, level, option, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new NativeException("setsockopt(" + name + ")", lastErrno(st));
        }
    }

    /** {@code setsockopt} with an {@code int} value. */
    public static void setsockopt(int fd, int level, int option, int value, String name) throws NativeException {
        try (Arena a = Arena.ofConfined()) {
            setsockopt(fd, level, option, a.allocateFrom(JAVA_INT, value), name);
        }
    }

    /** {@code getsockopt} of an {@code int} value. */
    public static int getsockoptInt(int fd, int level, int option, String name) throws NativeException {
        MemorySegment st = STATE.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(JAVA_INT);
            MemorySegment length = a.allocateFrom(JAVA_INT, 4);
            int r = (int) GETSOCKOPT.invokeExact(st, fd, level, option, value, length);
            if (r < 0) {
                throw new NativeException("getsockopt(" + name + ")", lastErrno(st));
            }
            return value.get(JAVA_INT, 0);
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code getsockopt} into {@code value} (its whole size): the length the kernel wrote.
     */
    public static int getsockopt(int fd, int level, int option, MemorySegment value, String name) throws NativeException {
        MemorySegment st = STATE.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment length = a.allocateFrom(JAVA_INT, (int) value.byteSize());
            int r = (int) GETSOCKOPT.invokeExact(st, fd, level, option, value, length);
            if (r < 0) {
                throw new NativeException("getsockopt(" + name + ")", lastErrno(st));
            }
            return length.get(JAVA_INT, 0);
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code mmap(NULL, size, prot, flags, fd, 0)}: the mapping's address (a zero-length segment). */
    public static MemorySegment mmap(long size, int prot, int flags, int fd, String what) throws NativeException {
        MemorySegment st = STATE.get();
        MemorySegment m;
        try {
            m = (MemorySegment) MMAP.invokeExact(st, MemorySegment.NULL, size, prot, flags, fd, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (m.address() == -1L) {
            throw new NativeException("mmap(" + what + ", " + size + " bytes)", lastErrno(st));
        }
        return m;
    }

    /** {@code munmap(address, size)}. */
    public static void munmap(MemorySegment address, long size) throws NativeException {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) MUNMAP.invokeExact(st, address, size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new NativeException("munmap(" + size + " bytes)", lastErrno(st));
        }
    }

    /** {@code poll(fds, n, timeoutMs)}: the number of ready descriptors, or {@code -errno}. Allocates nothing. */
    public static int poll(MemorySegment fds, int n, int timeoutMs) {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) POLL.invokeExact(st, fds, (long) n, timeoutMs);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return r < 0 ? -lastErrno(st) : r;
    }

    /**
     * {@code sendto(fd, buffer, length, flags, address, addressLength)}: bytes sent or {@code -errno}. Allocates
     * nothing. {@code buffer} and {@code address} may be {@link MemorySegment#NULL}.
     */
    public static long sendto(int fd, MemorySegment buffer, long length, int flags, MemorySegment address, int addressLength) {
        MemorySegment st = STATE.get();
        long r;
        try {
            r = (long) SENDTO.invokeExact(st, fd, buffer, length, flags, address, addressLength);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return r < 0 ? -lastErrno(st) : r;
    }

    /** {@code recv(fd, buffer, buffer size, flags)}: bytes received or {@code -errno}. Allocates nothing. */
    public static long recv(int fd, MemorySegment buffer, int flags) {
        MemorySegment st = STATE.get();
        long r;
        try {
            r = (long) RECV.invokeExact(st, fd, buffer, buffer.byteSize(), flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return r < 0 ? -lastErrno(st) : r;
    }

    /** {@code write(fd, buffer, length)}: bytes written or {@code -errno}. Allocates nothing. */
    public static long write(int fd, MemorySegment buffer, long length) {
        MemorySegment st = STATE.get();
        long r;
        try {
            r = (long) WRITE.invokeExact(st, fd, buffer, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return r < 0 ? -lastErrno(st) : r;
    }

    /** {@code close(fd)}. */
    public static void close(int fd) throws NativeException {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) CLOSE.invokeExact(st, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new NativeException("close(" + fd + ")", lastErrno(st));
        }
    }

    /** {@code if_nametoindex(name)}: the interface's index. */
    public static int ifNameToIndex(String name) throws NativeException {
        MemorySegment st = STATE.get();
        try (Arena a = Arena.ofConfined()) {
            int index = (int) IF_NAMETOINDEX.invokeExact(st, a.allocateFrom(name, StandardCharsets.US_ASCII));
            if (index == 0) {
                throw new NativeException("if_nametoindex(" + name + ")", lastErrno(st));
            }
            return index;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ioctl(fd, request, argument)}; {@code what} names the request in the error. */
    public static int ioctl(int fd, long request, MemorySegment argument, String what) throws NativeException {
        MemorySegment st = STATE.get();
        int r;
        try {
            r = (int) IOCTL.invokeExact(st, fd, request, argument);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new NativeException("ioctl(" + what + ")", lastErrno(st));
        }
        return r;
    }

    /** {@code open(path, flags)}: the new descriptor. */
    public static int open(String path, int flags) throws NativeException {
        MemorySegment st = STATE.get();
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(st, a.allocateFrom(path, StandardCharsets.UTF_8), flags | O_CLOEXEC);
            if (fd < 0) {
                throw new NativeException("open(" + path + ")", lastErrno(st));
            }
            return fd;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
