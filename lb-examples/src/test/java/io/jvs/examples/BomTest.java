package io.jvs.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * lb-bom makes JVS's Netty requirement explicit: it imports Netty's BOM at the version the build uses, so an
 * application whose own BOM manages Netty 4.1 gets 4.2 when it imports lb-bom first.
 */
class BomTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void bomImportsNettysBomAtTheBuildsVersion() throws Exception {
        String buildVersion = property(parse(ROOT.resolve("pom.xml")), "netty.version");
        assertTrue(buildVersion.startsWith("4.2."), buildVersion);
        Document bom = parse(ROOT.resolve("lb-bom").resolve("pom.xml"));
        List<String> imports = new ArrayList<>();
        NodeList deps = bom.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            if (text(d, "artifactId").equals("netty-bom")) {
                String version = text(d, "version").replace("${netty.version}", property(bom, "netty.version"));
                imports.add(text(d, "groupId") + ":netty-bom:" + version + ":" + text(d, "type") + ":"
                        + text(d, "scope"));
            }
        }
        assertEquals(List.of("io.netty:netty-bom:" + buildVersion + ":pom:import"), imports);
    }

    private static Document parse(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    }

    private static String property(Document pom, String name) {
        NodeList n = pom.getElementsByTagName(name);
        assertEquals(1, n.getLength(), "property " + name);
        return n.item(0).getTextContent().trim();
    }

    private static String text(Element e, String child) {
        NodeList n = e.getElementsByTagName(child);
        return n.getLength() == 0 ? "" : n.item(0).getTextContent().trim();
    }
}
