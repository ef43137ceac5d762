package io.jvs.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Java the documentation shows is code the build compiles and runs: every {@code ```java} block of README.md
 * and docs/*.md must be, verbatim, a tagged region ({@code // tag::NAME[]} ... {@code // end::NAME[]}) of an example
 * in lb-examples, which {@link ExamplesTest} runs against real servers. And the README shows the quick start.
 */
class SnippetsTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Pattern REGION = Pattern.compile("// tag::(\\w+)\\[\\]\\n(.*?)// end::\\1\\[\\]\\n",
            Pattern.DOTALL);
    private static final Pattern JAVA_BLOCK = Pattern.compile("(?m)^```java\\n(.*?)^```$", Pattern.DOTALL);

    /** The regions of every example, by name. */
    static Map<String, String> regions() throws IOException {
        Map<String, String> regions = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(Path.of("src", "main", "java", "io", "jvs", "examples"))) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                Matcher m = REGION.matcher(Files.readString(f));
                while (m.find()) {
                    String previous = regions.put(m.group(1), m.group(2));
                    assertEquals(null, previous, "region " + m.group(1) + " appears twice");
                }
            }
        }
        return regions;
    }

    private static List<String> javaBlocks(Path markdown) throws IOException {
        List<String> blocks = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(Files.readString(markdown));
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    @Test
    void regionsExist() throws IOException {
        assertEquals(List.of("cluster", "defences", "health", "keepalived", "metrics", "quickstart", "udp"),
                regions().keySet().stream().sorted().toList());
        assertTrue(JAVA_BLOCK.matcher("```java\nint x;\n```\n").find());
    }

    @Test
    void readme_showsTheQuickStart() throws IOException {
        String expected = "```java\n" + regions().get("quickstart") + "```\n";
        String readme = Files.readString(ROOT.resolve("README.md"));
        assertTrue(readme.contains(expected), "README.md must show the quick start exactly as "
                + "lb-examples/src/main/java/io/jvs/examples/QuickStart.java has it (the build runs it), this block:\n\n"
                + expected);
    }

    @Test
    void embeddingMavenSetup_matchesTheBuild() throws Exception {
        Matcher m = Pattern.compile("(?m)^```xml\\n(.*?)^```$", Pattern.DOTALL).matcher(Files.readString(
                ROOT.resolve("docs").resolve("embedding.md")));
        assertTrue(m.find(), "docs/embedding.md has a Maven block");
        org.w3c.dom.Document setup = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new org.xml.sax.InputSource(new java.io.StringReader("<project>" + m.group(1) + "</project>")));
        org.w3c.dom.Document build = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(ROOT.resolve("pom.xml").toFile());
        String version = build.getElementsByTagName("version").item(0).getTextContent().trim();
        org.w3c.dom.NodeList deps = setup.getElementsByTagName("dependency");
        List<String> modules = new ArrayList<>();
        for (int i = 0; i < deps.getLength(); i++) {
            org.w3c.dom.Element d = (org.w3c.dom.Element) deps.item(i);
            String artifact = d.getElementsByTagName("artifactId").item(0).getTextContent().trim();
            modules.add(artifact);
            assertTrue(Files.isRegularFile(ROOT.resolve(artifact).resolve("pom.xml")), artifact + " is a module");
            org.w3c.dom.NodeList v = d.getElementsByTagName("version");
            if (v.getLength() > 0) {
                assertEquals(version, v.item(0).getTextContent().trim(), artifact + "'s version");
            }
        }
        assertEquals(List.of("lb-bom", "lb-netty", "lb-health", "lb-micrometer"), modules);
        org.w3c.dom.NodeList plugins = build.getElementsByTagName("plugin");
        String compiler = null;
        for (int i = 0; i < plugins.getLength(); i++) {
            org.w3c.dom.Element p = (org.w3c.dom.Element) plugins.item(i);
            if (p.getElementsByTagName("artifactId").item(0).getTextContent().trim().equals("maven-compiler-plugin")) {
                compiler = p.getElementsByTagName("version").item(0).getTextContent().trim();
            }
        }
        assertEquals(compiler, setup.getElementsByTagName("plugin").item(0) instanceof org.w3c.dom.Element e
                ? e.getElementsByTagName("version").item(0).getTextContent().trim() : null,
                "the compiler plugin pin is the build's");
        assertEquals("17", setup.getElementsByTagName("maven.compiler.release").item(0).getTextContent().trim());
    }

    @Test
    void everyJavaBlockOfTheReadmeAndTheDocs_isARegionOfAnExample() throws IOException {
        Map<String, String> regions = regions();
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<String> strays = new ArrayList<>();
        int checked = 0;
        for (Path page : pages) {
            for (String block : javaBlocks(page)) {
                checked++;
                if (!regions.containsValue(block)) {
                    String first = block.lines().filter(l -> !l.isBlank()).findFirst().orElse("");
                    strays.add(ROOT.relativize(page) + ": the block starting '" + first.strip() + "'");
                }
            }
        }
        assertTrue(checked >= 5, "Java blocks found: " + checked);
        assertEquals(List.of(), strays, "Java in the README and docs/ must be a region of an example in lb-examples "
                + "(// tag::NAME[] ... // end::NAME[]), so that the build compiles and runs it; regions: "
                + regions.keySet());
    }
}
