package io.jvs.ipvsadm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class LogTextTest {

    @Test
    void escape_plainTextUnchanged() {
        String s = "-A -t 10.0.0.1:80 -s wrr · ümlaut";
        assertSame(s, LogText.escape(s));
    }

    @Test
    void escape_newlinesCannotForgeALogLine() {
        assertEquals("-A -t 1.2.3.4:80\\n2026-12-07 12:00:00.000 INFO  io.jvs: forged",
                LogText.escape("-A -t 1.2.3.4:80\n2026-12-07 12:00:00.000 INFO  io.jvs: forged"));
        assertEquals("a\\r\\nb\\tc", LogText.escape("a\r\nb\tc"));
    }

    @Test
    void escape_controlCharactersSeparatorsAndBackslash() {
        assertEquals("\\x1b[31mred\\x00\\x7f\\x9b", LogText.escape("\u001b[31mred\u0000\u007f\u009b"));
        assertEquals("one\\u2028two\\u2029", LogText.escape("one\u2028two\u2029"));
        assertEquals("C:\\\\temp \\\\n", LogText.escape("C:\\temp \\n"));
        assertEquals("null", LogText.escape((String) null));
        assertEquals("[a\\n]", LogText.escape(java.util.List.of("a\n")));
    }
}
