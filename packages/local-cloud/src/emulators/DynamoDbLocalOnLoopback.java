import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.Locale;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.CRC32;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local (its own command-line arguments) bound to 127.0.0.1 instead of every interface, which
 * its command line cannot ask for, and stops it when standard input closes, so it never outlives the local
 * cloud that started it, even when that process is killed.
 *
 * <p>With {@code -Dlocalcloud.writeJar=<file>}, once the server listens it also writes a jar of DynamoDB Local's
 * classes and its own, which later starts put on the class path to use class-data sharing: a dynamic CDS
 * archive refuses DynamoDBLocal.jar itself, whose manifest puts its non-empty folder on the class path.
 * https://docs.oracle.com/en/java/javase/17/vm/class-data-sharing.html
 */
public class DynamoDbLocalOnLoopback {
  public static void main(String[] args) throws Exception {
    // First, so that a parent gone while DynamoDB Local sets itself up ends it too.
    Thread parentWatch = new Thread(() -> {
      try {
        while (System.in.read() != -1) {
          // Nothing is sent on stdin; reading only waits for the parent to go away.
        }
      } catch (IOException ignored) {
        // A broken pipe means the same as end of input.
      }
      System.exit(0);
    });
    parentWatch.setDaemon(true);
    parentWatch.start();
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    for (Connector connector : jetty.getConnectors()) {
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    proxy.start();
    System.out.println("DynamoDB Local listening on 127.0.0.1:" + jetty.getURI().getPort());
    String jarToWrite = System.getProperty("localcloud.writeJar");
    if (jarToWrite != null) {
      writeSharingJar(Paths.get(jarToWrite));
    }
    proxy.join();
  }

  /**
   * Copies DynamoDBLocal.jar without the manifest's Class-Path, adds this class, and moves the result into place
   * at once, so a reader never sees half a jar. Entries are stored, not compressed: loading skips inflating.
   */
  private static void writeSharingJar(Path target) {
    try {
      Path source = Paths.get(ServerRunner.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Files.createDirectories(target.getParent());
      Path partial = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".partial");
      try (JarFile in = new JarFile(source.toFile());
          JarOutputStream out = new JarOutputStream(Files.newOutputStream(partial), withoutClassPath(in))) {
        for (Enumeration<JarEntry> entries = in.entries(); entries.hasMoreElements(); ) {
          JarEntry entry = entries.nextElement();
          if (copied(entry.getName())) {
            try (InputStream body = in.getInputStream(entry)) {
              putStored(out, entry.getName(), body.readAllBytes());
            }
          }
        }
        String self = DynamoDbLocalOnLoopback.class.getSimpleName() + ".class";
        try (InputStream body = DynamoDbLocalOnLoopback.class.getResourceAsStream(self)) {
          putStored(out, self, body.readAllBytes());
        }
      }
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      System.out.println("Wrote " + target + " for class-data sharing");
    } catch (Exception error) {
      // Only later starts get slower; this one runs on.
      System.out.println("Could not write " + target + ": " + error);
    }
  }

  /** Every entry but the manifest, written anew, and signatures, which would no longer match it. */
  private static boolean copied(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    return !upper.equals(JarFile.MANIFEST_NAME)
        && !(upper.startsWith("META-INF/") && upper.matches("META-INF/[^/]+\\.(SF|RSA|DSA|EC)"));
  }

  private static Manifest withoutClassPath(JarFile jar) throws IOException {
    Manifest manifest = new Manifest(jar.getManifest());
    manifest.getMainAttributes().remove(Attributes.Name.CLASS_PATH);
    return manifest;
  }

  private static void putStored(JarOutputStream out, String name, byte[] body) throws IOException {
    JarEntry entry = new JarEntry(name);
    entry.setMethod(JarEntry.STORED);
    entry.setSize(body.length);
    CRC32 crc = new CRC32();
    crc.update(body);
    entry.setCrc(crc.getValue());
    out.putNextEntry(entry);
    out.write(body);
    out.closeEntry();
  }
}
