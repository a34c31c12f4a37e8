import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;

import org.junit.runner.notification.Failure;

/**
 * Runs one JUnit 4 test class, test method by test method in name order, and stops at the
 * first failure.
 *
 * <p>Usage: {@code java FailFastRunner <resultFile> <TestClassName> [<defaultTestTimeoutMs> <trusted>
 * <candidateClass>...]}: with the optional arguments, the candidate's classes (binary names, read
 * from the class path as bytes, never loaded before the check) must pass {@link CandidatePolicy}
 * (else the status is "rejected" and no test runs), and test methods without their own
 * {@code @Test(timeout=...)} get {@code defaultTestTimeoutMs} (0 = none). A test that exceeds its
 * JUnit limit gives the status "timeout". Writes exactly one JSON
 * line to {@code resultFile} (atomically: a ".part" file renamed into place), never to stdout,
 * because the code under test may print anything:
 * {@code {"status":"plausible"|"failing","failing_test":...,"message":...,"tests_run":N,
 * "assumption_failures":N,"skipped_test":...,"skipped_message":...}} ("plausible" only says that no
 * test failed: the caller also requires a test run and no test skipped by a failed assumption).
 * Then halts the JVM at once, so threads left spinning by timed-out tests (JUnit only
 * interrupts them) or shutdown hooks of the code under test cannot keep it alive.
 *
 * <p>A missing result file means the JVM died first (System.exit in the code under test,
 * OutOfMemoryError with -XX:+ExitOnOutOfMemoryError, a kill): the caller records a crash.
 * Exit code 70 with no result: the runner itself could not run the class (message on stderr);
 * exit code 3 is the JVM's own for -XX:+ExitOnOutOfMemoryError.
 *
 * <p>System.out/System.err of the code under test are capped (CAP bytes each) so a candidate
 * printing in a loop cannot fill the disk of its caller.
 */
public final class FailFastRunner {
    private static final int CAP = 1 << 20;
    private static final int MAX_MESSAGE = 2000;

    private FailFastRunner() {}

    /** An output stream that forwards the first {@code cap} bytes and drops the rest. */
    private static final class CappedStream extends OutputStream {
        private final OutputStream out;
        private long left;

        CappedStream(OutputStream out, long cap) {
            this.out = out;
            this.left = cap;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            if (left > 0) {
                out.write(b);
                left--;
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (left > 0) {
                int n = (int) Math.min(len, left);
                out.write(b, off, n);
                left -= n;
            }
        }

        @Override
        public synchronized void flush() throws IOException {
            out.flush();
        }
    }

    private static String json(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20 || Character.isSurrogate(c)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }

    private static String message(Failure f) {
        Throwable t = f.getException();
        String m = t != null ? t.toString() : f.getMessage();
        if (m != null && m.length() > MAX_MESSAGE) {
            m = m.substring(0, MAX_MESSAGE) + "...";
        }
        return m;
    }

    private static void writeResult(Path result, String line) throws IOException {
        Path part = result.resolveSibling(result.getFileName() + ".part");
        Files.write(part, (line + "\n").getBytes(StandardCharsets.UTF_8));
        Files.move(part, result, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 && args.length < 4) {
            System.err.println("usage: java FailFastRunner <resultFile> <TestClassName> [<defaultTestTimeoutMs> <trusted> <class>...]");
            Runtime.getRuntime().halt(2);
        }
        Path result = Paths.get(args[0]);
        PrintStream realErr = System.err;
        System.setOut(new PrintStream(new CappedStream(new FileOutputStream(FileDescriptor.out), CAP), true));
        System.setErr(new PrintStream(new CappedStream(new FileOutputStream(FileDescriptor.err), CAP), true));

        String line;
        long defaultTimeoutMs = args.length >= 4 ? Long.parseLong(args[2]) : 0;
        if (args.length >= 4) {
            java.util.Map<String, byte[]> candidate = new java.util.LinkedHashMap<>();
            for (int i = 4; i < args.length; i++) {
                try (java.io.InputStream in = ClassLoader.getSystemResourceAsStream(args[i].replace('.', '/') + ".class")) {
                    if (in == null) {
                        realErr.println("FailFastRunner: no class file for " + args[i]);
                        Runtime.getRuntime().halt(70);
                    }
                    candidate.put(args[i], in.readAllBytes());
                }
            }
            String violation = CandidatePolicy.check(candidate, args[3]);
            if (violation != null) {
                writeResult(result, "{\"status\":\"rejected\",\"failing_test\":null,\"message\":"
                    + json("bytecode policy: the candidate " + violation) + ",\"tests_run\":0}");
                Runtime.getRuntime().halt(0);
            }
        }
        try {
            Class<?> testClass = Class.forName(args[1], false, FailFastRunner.class.getClassLoader());
            FirstFailureListener listener = FirstFailureListener.run(testClass, defaultTimeoutMs);
            Failure f = listener.first;
            Failure a = listener.firstAssumption;
            String counts = ",\"tests_run\":" + listener.started + ",\"assumption_failures\":" + listener.assumptions
                + ",\"skipped_test\":" + (a == null ? "null" : json(FirstFailureListener.testName(a.getDescription())))
                + ",\"skipped_message\":" + (a == null ? "null" : json(message(a))) + "}";
            if (f == null) {
                line = "{\"status\":\"plausible\",\"failing_test\":null,\"message\":null" + counts;
            } else {
                String status = CandidatePolicy.isTestTimeout(f.getException()) ? "timeout" : "failing";
                line = "{\"status\":\"" + status + "\",\"failing_test\":" + json(FirstFailureListener.testName(f.getDescription()))
                    + ",\"message\":" + json(message(f)) + counts;
            }
        } catch (Throwable t) {
            realErr.println("FailFastRunner: cannot run " + args[1] + ": " + t);
            realErr.flush();
            Runtime.getRuntime().halt(70);
            return;
        }
        writeResult(result, line);
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(0);
    }
}
