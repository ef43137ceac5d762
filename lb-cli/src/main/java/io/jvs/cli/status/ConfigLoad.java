package io.jvs.cli.status;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * What the latest load or reload of the daemon's configuration file did, as the status page shows it.
 *
 * @param file the file
 * @param time when the load finished
 * @param ok whether the file was read and applied completely
 * @param message one line for people: {@code loaded 2 virtual servers (1 warning)}, or what failed
 * @param warnings the warnings of the latest file that parsed, one line each
 * @param applied when the running configuration was applied, or null if none was
 */
public record ConfigLoad(Path file, Instant time, boolean ok, String message, List<String> warnings,
        Instant applied) {

    /** Copies the warnings. */
    public ConfigLoad {
        warnings = List.copyOf(warnings);
    }
}
