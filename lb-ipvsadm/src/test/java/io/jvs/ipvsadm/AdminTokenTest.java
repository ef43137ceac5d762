package io.jvs.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Admin tokens: generated, checked, read from files readable by their owner only, created when missing. */
class AdminTokenTest {

    @TempDir
    Path dir;

    @Test
    void generate_256RandomBitsInHex() {
        String a = AdminToken.generate();
        assertTrue(a.matches("[0-9a-f]{64}"), a);
        assertNotEquals(a, AdminToken.generate());
        assertEquals(a, AdminToken.check(a, "t"));
    }

    @Test
    void check_refusesShortLongAndSpaced_withoutRepeatingTheToken() {
        for (String bad : new String[] {"", "fifteen-chars15", "has a space in it!!", "x".repeat(1025), "tab\there-123456",
                "ünicode-0123456789"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> AdminToken.check(bad, "JVS_ADMIN_TOKEN"));
            assertTrue(e.getMessage().startsWith("JVS_ADMIN_TOKEN: a token of " + bad.length() + " characters"),
                    e.getMessage());
            assertFalse(!bad.isEmpty() && e.getMessage().contains(bad), "the token is not echoed");
        }
        assertThrows(NullPointerException.class, () -> AdminToken.check(null, "t"));
    }

    @Test
    void readOrCreate_makesAPrivateFileOnce_thenReadsIt() throws Exception {
        Path file = dir.resolve("run").resolve("admin.token");
        String t = AdminToken.readOrCreate(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertEquals(t + "\n", Files.readString(file));
        assertEquals(t, AdminToken.readOrCreate(file));
        assertEquals(t, AdminToken.read(file));
    }

    @Test
    void read_refusesAFileOthersCanRead_andOneWithoutAToken() throws Exception {
        Path file = dir.resolve("loose.token");
        Files.writeString(file, "0123456789abcdef0123\nsecond line ignored\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdminToken.read(file));
        assertEquals("admin token file " + file + ": mode rw-r--r-- (expected: rw------- or r--------, readable by "
                + "its owner only; chmod 600 it)", e.getMessage());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
        assertEquals("0123456789abcdef0123", AdminToken.read(file));
        Path empty = dir.resolve("empty.token");
        Files.createFile(empty, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        e = assertThrows(IllegalArgumentException.class, () -> AdminToken.read(empty));
        assertTrue(e.getMessage().startsWith("admin token file " + empty + ": a token of 0 characters"), e.getMessage());
    }

    @Test
    void defaultFile_besideTheDefaultSocket() {
        assertEquals(Path.of(AdminServer.defaultAddress()).resolveSibling("admin.token"), AdminToken.defaultFile());
    }
}
