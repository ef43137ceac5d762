package io.jvs.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jvs.api.ForwardingMethod;
import io.jvs.core.Director;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A real {@link Director} over a {@link FakeDataPath} (full NAT and NAT), driven through {@link Ipvsadm}. */
abstract class DirectorTestBase {

    FakeDataPath dataPath;
    Director director;
    Ipvsadm ipvsadm;

    @BeforeEach
    void startDirector() {
        dataPath = new FakeDataPath(ForwardingMethod.FULLNAT, ForwardingMethod.NAT);
        // A table of 4096 buckets, the kernel's default size, so listings match ipvsadm's (size=4096).
        director = Director.builder().dataPath(dataPath).rateEstimator(false).maxConnections(4096).build();
        ipvsadm = Ipvsadm.of(director, GoldenFixture.names());
    }

    @AfterEach
    void closeDirector() {
        director.close();
    }

    /** Runs a command that must succeed silently (listings may print). */
    void ok(String... args) {
        Ipvsadm.Result r = ipvsadm.execute(args);
        assertEquals("", r.stderr(), String.join(" ", args));
        assertEquals(0, r.status(), String.join(" ", args));
    }

    /** The table as {@code ipvsadm -S -n} writes it. */
    String save() {
        return ipvsadm.execute("-S", "-n").stdout();
    }
}
