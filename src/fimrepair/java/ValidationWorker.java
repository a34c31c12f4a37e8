import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TimeZone;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;

import org.junit.runner.notification.Failure;

/**
 * A persistent patch-validation worker speaking JSON lines (fimrepair.validate.engine).
 *
 * <p>Usage: {@code java -cp <framework jars>:<this dir> ValidationWorker <protocolPath>}.
 * Requests arrive one per line on stdin; answers go ONLY to {@code protocolPath} (a dedicated
 * pipe, {@code /proc/self/fd/N}), never to stdout/stderr: during a candidate, System.out and
 * System.err are a bounded sink and System.in is empty, so nothing the candidate prints through
 * them reaches the protocol.
 *
 * <p>Request: {@code {"id", "class_name", "class_path", "source", "test_class", "test_path",
 * "test_source", "test_key", "timeout_ms", "release"}} ({@code release}: the Java level to compile at,
 * {@code javac --release}; null or absent = the JDK's own). Per request: the candidate class (the bug's class with
 * the candidate method spliced in) is compiled in memory with javax.tools; the test class is
 * compiled against it only when no bytes are cached for (test_key, the candidate's API
 * fingerprint); both are defined in a FRESH class loader whose parent holds only the framework
 * jars (and this worker); the JUnit 4 test methods run in name order and stop at the first
 * failure (the benchmark's own {@code @Test(timeout=...)} applies) inside a runner thread that
 * the worker waits for at most {@code timeout_ms}.
 *
 * <p>Optional request fields: {@code "default_test_timeout_ms"} (the benchmark's per-test limit for
 * test methods without their own), {@code "trusted"} (what candidates may name besides the JDK
 * allow-list: see CandidatePolicy), {@code "policy"} (false: skip the bytecode policy).
 *
 * <p>Answer: {@code {"id", "status": plausible|failing|uncompilable|timeout|rejected, "failing_test",
 * "message", "compile_ms", "test_ms", "tests_run", "tainted", "taint_reason", "assumption_failures",
 * "skipped_test", "skipped_message", "stopped_threads", "cpu_bound"}} ("rejected": the candidate's
 * classes break CandidatePolicy and none of its code ran; "timeout" with "cpu_bound": a test used
 * its whole limit in CPU time). {@code {"id", "retry": true}} instead: code of an EARLIER candidate
 * runs in this JVM (e.g. on the Finalizer thread), so this JVM cannot give an independent verdict;
 * the parent replaces it and re-runs the candidate on a new one. ("plausible" only says that no test failed:
 * the parent also requires a test run and no test skipped by a failed assumption). {@code tainted}
 * means this JVM should not serve another candidate (threads left alive, heap not reclaimed, a
 * runner that did not finish): the parent replaces it. System.exit / Runtime.halt / OOM (with
 * -XX:+ExitOnOutOfMemoryError) end the process: the parent sees EOF and records a crash.
 */
public final class ValidationWorker {
    private static final int MAX_MESSAGE = 2000;
    private static final long SINK_CAP = 1 << 16;

    private ValidationWorker() {}

    // ---------------------------------------------------------------- minimal JSON

    /** Parses one JSON object of scalar values (strings, numbers, booleans, null). */
    static Map<String, Object> parseObject(String s) {
        int[] pos = {0};
        skipWs(s, pos);
        expect(s, pos, '{');
        Map<String, Object> out = new HashMap<>();
        skipWs(s, pos);
        if (s.charAt(pos[0]) == '}') {
            return out;
        }
        while (true) {
            skipWs(s, pos);
            String key = parseString(s, pos);
            skipWs(s, pos);
            expect(s, pos, ':');
            skipWs(s, pos);
            out.put(key, parseValue(s, pos));
            skipWs(s, pos);
            char c = s.charAt(pos[0]++);
            if (c == '}') {
                return out;
            }
            if (c != ',') {
                throw new IllegalArgumentException("bad JSON at " + pos[0]);
            }
        }
    }

    private static void skipWs(String s, int[] pos) {
        while (pos[0] < s.length() && Character.isWhitespace(s.charAt(pos[0]))) {
            pos[0]++;
        }
    }

    private static void expect(String s, int[] pos, char c) {
        if (s.charAt(pos[0]) != c) {
            throw new IllegalArgumentException("expected '" + c + "' at " + pos[0]);
        }
        pos[0]++;
    }

    private static Object parseValue(String s, int[] pos) {
        char c = s.charAt(pos[0]);
        if (c == '"') {
            return parseString(s, pos);
        }
        if (s.startsWith("true", pos[0])) {
            pos[0] += 4;
            return Boolean.TRUE;
        }
        if (s.startsWith("false", pos[0])) {
            pos[0] += 5;
            return Boolean.FALSE;
        }
        if (s.startsWith("null", pos[0])) {
            pos[0] += 4;
            return null;
        }
        int start = pos[0];
        while (pos[0] < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos[0])) >= 0) {
            pos[0]++;
        }
        return Double.parseDouble(s.substring(start, pos[0]));
    }

    private static String parseString(String s, int[] pos) {
        expect(s, pos, '"');
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = s.charAt(pos[0]++);
            if (c == '"') {
                return b.toString();
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = s.charAt(pos[0]++);
            switch (e) {
                case 'n': b.append('\n'); break;
                case 't': b.append('\t'); break;
                case 'r': b.append('\r'); break;
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'u':
                    b.append((char) Integer.parseInt(s.substring(pos[0], pos[0] + 4), 16));
                    pos[0] += 4;
                    break;
                default: b.append(e);
            }
        }
    }

    /** A JSON string literal, pure ASCII (everything else escaped). */
    static String json(String s) {
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
                    if (c < 0x20 || c > 0x7e) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }

    private static String cut(String m) {
        if (m != null && m.length() > MAX_MESSAGE) {
            return m.substring(0, MAX_MESSAGE) + "...";
        }
        return m;
    }

    // ---------------------------------------------------------------- in-memory compilation

    /** A source held in memory, named by its benchmark-relative path (for messages). */
    static final class Source extends SimpleJavaFileObject {
        final String path;
        final String text;

        Source(String path, String text) {
            super(URI.create("string:///" + path.replace(' ', '_')), Kind.SOURCE);
            this.path = path;
            this.text = text;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }

    /** A class file: compiler output, or an input visible to a later compilation. */
    static final class ClassBytes extends SimpleJavaFileObject {
        final String binaryName;
        private byte[] bytes;

        ClassBytes(String binaryName, byte[] bytes) {
            super(URI.create("mem:///" + binaryName.replace('.', '/') + ".class"), Kind.CLASS);
            this.binaryName = binaryName;
            this.bytes = bytes;
        }

        @Override
        public OutputStream openOutputStream() {
            return new ByteArrayOutputStream() {
                @Override
                public void close() throws IOException {
                    super.close();
                    bytes = toByteArray();
                }
            };
        }

        @Override
        public InputStream openInputStream() {
            return new ByteArrayInputStream(bytes);
        }

        byte[] bytes() {
            return bytes;
        }
    }

    /** Collects compiler output in memory; serves {@code inputs} as class files on the class path. */
    static final class MemoryFileManager extends ForwardingJavaFileManager<StandardJavaFileManager> {
        final Map<String, ClassBytes> outputs = new LinkedHashMap<>();
        private final Map<String, byte[]> inputs;

        MemoryFileManager(StandardJavaFileManager std, Map<String, byte[]> inputs) {
            super(std);
            this.inputs = inputs;
        }

        @Override
        public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind, FileObject sibling) {
            ClassBytes f = new ClassBytes(className, new byte[0]);
            outputs.put(className, f);
            return f;
        }

        @Override
        public Iterable<JavaFileObject> list(Location location, String packageName, Set<JavaFileObject.Kind> kinds, boolean recurse)
                throws IOException {
            Iterable<JavaFileObject> base = super.list(location, packageName, kinds, recurse);
            if (location != StandardLocation.CLASS_PATH || !kinds.contains(JavaFileObject.Kind.CLASS) || inputs.isEmpty()) {
                return base;
            }
            List<JavaFileObject> all = new ArrayList<>();
            for (Map.Entry<String, byte[]> e : inputs.entrySet()) {
                String name = e.getKey();
                int dot = name.lastIndexOf('.');
                String pkg = dot < 0 ? "" : name.substring(0, dot);
                if (pkg.equals(packageName) || (recurse && pkg.startsWith(packageName + "."))) {
                    all.add(new ClassBytes(name, e.getValue()));
                }
            }
            for (JavaFileObject f : base) {
                all.add(f);
            }
            return all;
        }

        @Override
        public String inferBinaryName(Location location, JavaFileObject file) {
            if (file instanceof ClassBytes) {
                return ((ClassBytes) file).binaryName;
            }
            return super.inferBinaryName(location, file);
        }

        @Override
        public boolean isSameFile(FileObject a, FileObject b) {
            if (a instanceof ClassBytes || b instanceof ClassBytes) {
                return a == b;
            }
            return super.isSameFile(a, b);
        }
    }

    /** The result of one compilation: class bytes, or the first error. */
    static final class Compiled {
        final Map<String, byte[]> classes = new LinkedHashMap<>();
        String error;
    }

    private static JavaCompiler compiler;
    private static StandardJavaFileManager standard;

    static Compiled compile(String path, String source, Map<String, byte[]> classpathInputs, String release) {
        return compile(Collections.singletonList(new Source(path, source)), classpathInputs, release);
    }

    static Compiled compile(List<Source> sources, Map<String, byte[]> classpathInputs, String release) {
        DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
        MemoryFileManager fm = new MemoryFileManager(standard, classpathInputs);
        List<String> options = new ArrayList<>(Arrays.asList("-proc:none", "-nowarn", "-g", "-Xlint:none", "-XDuseUnsharedTable=true"));
        if (release != null) {
            options.add("--release");
            options.add(release);
        }
        Compiled out = new Compiled();
        String path = sources.get(0).path;
        boolean ok;
        try {
            ok = compiler.getTask(null, fm, diags, options, null, sources).call();
        } catch (RuntimeException | StackOverflowError e) {
            // javac crashed (e.g. a deeply nested expression): a compile failure, not a worker fault.
            out.error = path + ": error: compiler failure: " + e;
            return out;
        }
        if (!ok) {
            for (Diagnostic<? extends JavaFileObject> d : diags.getDiagnostics()) {
                if (d.getKind() == Diagnostic.Kind.ERROR) {
                    String file = d.getSource() instanceof Source ? ((Source) d.getSource()).path : path;
                    // No line number and no quoted source: they depend on the candidate's layout,
                    // and a verdict is shared by every candidate with the same normalised text.
                    out.error = file + ": error: " + d.getMessage(Locale.ROOT);
                    return out;
                }
            }
            out.error = path + ": error: compilation failed";
            return out;
        }
        for (ClassBytes c : fm.outputs.values()) {
            out.classes.put(c.binaryName, c.bytes());
        }
        return out;
    }

    // ---------------------------------------------------------------- class loading

    /** A fresh loader per candidate: the candidate's and the test's classes, from bytes. */
    static final class CandidateLoader extends ClassLoader {
        private final Map<String, byte[]> classes;

        CandidateLoader(Map<String, byte[]> classes, ClassLoader parent) {
            this(classes, parent, "fingerprint-probe"); // never runs code
        }

        CandidateLoader(Map<String, byte[]> classes, ClassLoader parent, String name) {
            super(name, parent);
            this.classes = classes;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] b = classes.get(name);
            if (b == null) {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, b, 0, b.length);
        }
    }

    /**
     * What the test's compilation can depend on: the non-synthetic members (with modifiers,
     * generic types and throws clauses) of every named class compiled from the candidate.
     */
    static String fingerprint(Map<String, byte[]> classes) throws Exception {
        CandidateLoader probe = new CandidateLoader(classes, ValidationWorker.class.getClassLoader());
        List<String> items = new ArrayList<>();
        for (String name : classes.keySet()) {
            if (name.matches(".*\\$\\d.*")) {
                continue; // anonymous and local classes: not nameable by a test
            }
            Class<?> c = Class.forName(name, false, probe);
            items.add("class " + c.toGenericString() + " extends " + c.getGenericSuperclass() + " implements "
                + Arrays.toString(c.getGenericInterfaces()));
            List<Member> members = new ArrayList<>();
            members.addAll(Arrays.asList(c.getDeclaredMethods()));
            members.addAll(Arrays.asList(c.getDeclaredConstructors()));
            members.addAll(Arrays.asList(c.getDeclaredFields()));
            for (Member m : members) {
                if (m.isSynthetic()) {
                    continue;
                }
                if (m instanceof Method) {
                    items.add(((Method) m).toGenericString());
                } else if (m instanceof Constructor) {
                    items.add(((Constructor<?>) m).toGenericString());
                } else {
                    items.add(((Field) m).toGenericString());
                }
            }
        }
        Collections.sort(items);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (String s : items) {
            md.update(s.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
        }
        StringBuilder hex = new StringBuilder();
        for (byte x : md.digest()) {
            hex.append(String.format("%02x", x));
        }
        return hex.toString();
    }

    // ---------------------------------------------------------------- running tests

    /** Drops everything beyond {@code cap} bytes; candidate output is never kept. */
    static final class Sink extends OutputStream {
        private long left;

        Sink(long cap) {
            this.left = cap;
        }

        @Override
        public void write(int b) {
            if (left > 0) {
                left--;
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            left = Math.max(0, left - len);
        }
    }

    static final class RunResult {
        volatile boolean done;
        volatile Failure failure;
        volatile Failure assumption;
        volatile Throwable error;
        volatile int started;
        volatile int assumptions;
    }

    private static boolean isLinkage(Throwable t) {
        for (int depth = 0; t != null && depth < 20; depth++, t = t.getCause()) {
            if (t instanceof LinkageError && !(t instanceof ExceptionInInitializerError)) {
                return true;
            }
        }
        return false;
    }

    /** Runs the tests in a new thread; waits at most {@code timeoutMs}. */
    static RunResult runTests(Map<String, byte[]> classes, String testClassName, long timeoutMs, long defaultTestTimeoutMs)
            throws InterruptedException {
        RunResult r = new RunResult();
        CandidateLoader loader = new CandidateLoader(classes, ValidationWorker.class.getClassLoader(), currentLoaderName);
        Thread t = new Thread(() -> {
            try {
                Class<?> testClass = Class.forName(testClassName, false, loader);
                FirstFailureListener listener = FirstFailureListener.run(testClass, defaultTestTimeoutMs);
                r.failure = listener.first;
                r.assumption = listener.firstAssumption;
                r.started = listener.started;
                r.assumptions = listener.assumptions;
            } catch (Throwable e) {
                r.error = e;
            } finally {
                r.done = true;
            }
        }, "fimrepair-runner");
        t.setDaemon(true);
        t.setContextClassLoader(loader);
        t.start();
        t.join(Math.max(1, timeoutMs));
        return r;
    }

    // ---------------------------------------------------------------- hygiene between candidates

    private static Set<Thread> liveThreads() {
        return new HashSet<>(Thread.getAllStackTraces().keySet());
    }

    /** Threads started since {@code before} that are still alive after a short grace period and
     * an attempt to stop them; empty when the JVM is clean again. */
    @SuppressWarnings({"deprecation", "removal"})
    static List<Thread> leftovers(Set<Thread> before, int[] stopped) throws InterruptedException {
        List<Thread> extra = new ArrayList<>();
        for (Thread t : liveThreads()) {
            if (!before.contains(t) && t.isAlive()) {
                extra.add(t);
            }
        }
        long deadline = System.nanoTime() + 50_000_000L;
        for (Thread t : extra) {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
        }
        extra.removeIf(t -> !t.isAlive());
        if (extra.isEmpty()) {
            return extra;
        }
        stopped[0] = extra.size();
        for (Thread t : extra) {
            t.interrupt();
            try {
                t.stop(); // best effort (Java <= 19); the worker is replaced anyway
            } catch (Throwable ignored) {
                // UnsupportedOperationException on newer JDKs
            }
        }
        deadline = System.nanoTime() + 200_000_000L;
        for (Thread t : extra) {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
        }
        extra.removeIf(t -> !t.isAlive());
        return extra;
    }

    /** The class loader name of the current candidate ("candidate-N"): frames of the classes of
     * earlier candidates carry another N. */
    private static String currentLoaderName = "candidate-0";
    private static long requestCount;

    /**
     * A live thread (any thread: the JVM's Finalizer, Reference Handler and Common-Cleaner
     * threads and pool threads included) whose stack holds a frame of a candidate's class:
     * "current" when only the current candidate's, "earlier" when an earlier candidate's, null
     * when no thread runs candidate code.
     */
    static String[] candidateCodeRunning() {
        String earlier = null;
        String current = null;
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            if (e.getKey() == Thread.currentThread()) {
                continue;
            }
            for (StackTraceElement f : e.getValue()) {
                String loader = f.getClassLoaderName();
                if (loader == null || !loader.startsWith("candidate-")) {
                    continue;
                }
                String where = "thread " + e.getKey().getName() + " runs candidate code (" + f.getClassName() + "."
                    + f.getMethodName() + ")";
                if (loader.equals(currentLoaderName)) {
                    current = current == null ? where : current;
                } else {
                    earlier = earlier == null ? where : earlier;
                }
            }
        }
        return earlier == null && current == null ? null : new String[] {earlier, current};
    }

    // ---------------------------------------------------------------- main loop

    private static final Map<String, byte[]> TEST_CACHE = new HashMap<>();
    private static final Set<String> TEST_KEYS_SEEN = new HashSet<>();
    private static final int TEST_CACHE_MAX = 512;

    private static String answer(String id, String status, String failingTest, String message, long compileNs, long testNs,
            int testsRun, boolean tainted, String taintReason) {
        return "{\"id\":" + json(id) + ",\"status\":" + json(status) + ",\"failing_test\":" + json(failingTest)
            + ",\"message\":" + json(cut(message)) + ",\"compile_ms\":" + (compileNs / 1e6) + ",\"test_ms\":" + (testNs / 1e6)
            + ",\"tests_run\":" + testsRun + ",\"tainted\":" + tainted + ",\"taint_reason\":" + json(taintReason) + "}";
    }

    /** Validate one request; never throws for anything the candidate does. */
    static String handle(Map<String, Object> req, double heapLimitFraction) throws Exception {
        String id = String.valueOf(req.get("id"));
        String className = (String) req.get("class_name");
        String classPath = (String) req.get("class_path");
        String source = (String) req.get("source");
        String testClass = (String) req.get("test_class");
        String testPath = (String) req.get("test_path");
        String testSource = (String) req.get("test_source");
        String testKey = (String) req.get("test_key");
        long timeoutMs = ((Number) req.get("timeout_ms")).longValue();
        Object defaultValue = req.get("default_test_timeout_ms");
        long defaultTestTimeoutMs = defaultValue == null ? 0 : ((Number) defaultValue).longValue();
        Object trustedValue = req.get("trusted");
        boolean policy = !Boolean.FALSE.equals(req.get("policy"));
        currentLoaderName = "candidate-" + (++requestCount);
        String[] before0 = candidateCodeRunning();
        if (before0 != null) {
            // Code of an earlier candidate still runs (e.g. on the Finalizer thread): this JVM
            // may no longer give a verdict independent of it.
            return "{\"id\":" + json(id) + ",\"retry\":true,\"tainted\":true,\"taint_reason\":"
                + json(before0[0] != null ? before0[0] : before0[1]) + "}";
        }
        Object releaseValue = req.get("release");
        String release = releaseValue == null ? null : String.valueOf(((Number) releaseValue).intValue());

        long t0 = System.nanoTime();
        Compiled cand;
        Map<String, byte[]> testClasses = null;
        boolean testFresh = false;
        String fp;
        if (!TEST_KEYS_SEEN.contains(testKey)) {
            // First candidate of this bug here: candidate + test in ONE javac task (as javac
            // on both files would), then cache the test bytes under the candidate's API.
            Compiled both = compile(Arrays.asList(new Source(classPath, source), new Source(testPath, testSource)),
                Collections.emptyMap(), release);
            if (both.error != null) {
                return answer(id, "uncompilable", null, both.error, System.nanoTime() - t0, 0, 0, false, null);
            }
            cand = new Compiled();
            testClasses = new HashMap<>();
            for (Map.Entry<String, byte[]> e : both.classes.entrySet()) {
                String n = e.getKey();
                if (n.equals(testClass) || n.startsWith(testClass + "$")) {
                    testClasses.put(n, e.getValue());
                } else {
                    cand.classes.put(n, e.getValue());
                }
            }
            testFresh = true;
        } else {
            cand = compile(classPath, source, Collections.emptyMap(), release);
            if (cand.error != null) {
                return answer(id, "uncompilable", null, cand.error, System.nanoTime() - t0, 0, 0, false, null);
            }
        }
        if (!cand.classes.containsKey(className)) {
            return answer(id, "uncompilable", null, classPath + ": error: the candidate does not define " + className,
                System.nanoTime() - t0, 0, 0, false, null);
        }
        if (policy) {
            String violation = CandidatePolicy.check(cand.classes, trustedValue == null ? "" : String.valueOf(trustedValue));
            if (violation != null) {
                return answer(id, "rejected", null, "bytecode policy: the candidate " + violation, System.nanoTime() - t0, 0, 0,
                    false, null);
            }
        }
        try {
            fp = fingerprint(cand.classes);
        } catch (Throwable e) {
            fp = "unloadable:" + System.nanoTime(); // never reuse: compile the test against it
        }
        String cacheKey = testKey + "/" + release + "/" + fp;
        if (testClasses == null) {
            byte[] testBytes = TEST_CACHE.get(cacheKey);
            if (testBytes == null) {
                Compiled test = compile(testPath, testSource, cand.classes, release);
                if (test.error != null) {
                    return answer(id, "uncompilable", null, test.error, System.nanoTime() - t0, 0, 0, false, null);
                }
                testClasses = test.classes;
                testFresh = true;
            } else {
                testClasses = Collections.singletonMap(testClass, testBytes);
            }
        }
        if (testFresh && testClasses.size() == 1 && testClasses.containsKey(testClass) && !fp.startsWith("unloadable:")) {
            if (TEST_CACHE.size() >= TEST_CACHE_MAX) {
                TEST_CACHE.clear();
            }
            TEST_CACHE.put(cacheKey, testClasses.get(testClass));
            TEST_KEYS_SEEN.add(testKey);
        }
        long compileNs = System.nanoTime() - t0;

        Map<String, byte[]> all = new HashMap<>(cand.classes);
        for (Map.Entry<String, byte[]> e : testClasses.entrySet()) {
            if (all.containsKey(e.getKey())) {
                return answer(id, "uncompilable", null, classPath + ": error: the candidate redefines test class " + e.getKey(),
                    compileNs, 0, 0, false, null);
            }
            all.put(e.getKey(), e.getValue());
        }

        PrintStream sinkOut = new PrintStream(new Sink(SINK_CAP), true);
        Properties props = (Properties) System.getProperties().clone();
        Locale locale = Locale.getDefault();
        TimeZone zone = TimeZone.getDefault();
        Set<Thread> before = liveThreads();
        long t1 = System.nanoTime();
        RunResult r;
        System.setOut(sinkOut);
        System.setErr(sinkOut);
        System.setIn(new ByteArrayInputStream(new byte[0]));
        try {
            r = runTests(all, testClass, timeoutMs, defaultTestTimeoutMs);
            if (r.done && !testFresh && (isLinkage(r.error) || (r.failure != null && isLinkage(r.failure.getException())))) {
                // Stale test bytes? Re-check against a test compiled for THIS candidate.
                Compiled test = compile(testPath, testSource, cand.classes, release);
                if (test.error != null) {
                    return answer(id, "uncompilable", null, test.error, compileNs, System.nanoTime() - t1, 0, false, null);
                }
                all = new HashMap<>(cand.classes);
                all.putAll(test.classes);
                r = runTests(all, testClass, Math.max(1, timeoutMs - (System.nanoTime() - t1) / 1_000_000L), defaultTestTimeoutMs);
            }
        } finally {
            System.setOut(QUIET);
            System.setErr(QUIET);
        }
        long testNs = System.nanoTime() - t1;

        boolean tainted = false;
        String reason = null;
        String status;
        String failing = null;
        String message = null;
        if (!r.done) {
            status = "timeout";
            message = "tests exceeded the per-candidate limit of " + timeoutMs + " ms";
            tainted = true;
            reason = "runner thread did not finish";
        } else if (r.error != null) {
            status = "failing";
            failing = testClass.substring(testClass.lastIndexOf('.') + 1);
            message = "cannot run the tests: " + r.error;
        } else if (r.failure != null) {
            Throwable e = r.failure.getException();
            // The per-test limit (@Test(timeout=...) or the benchmark's default, measured in the
            // test thread's CPU time by CandidatePolicy.CpuLimit): a timeout. "cpu_bound" tells
            // the parent whether the test used its whole limit in CPU (its own doing) or was cut
            // by the wall-time backstop (load, sleeping, blocking: re-run on a fresh worker).
            status = CandidatePolicy.isTestTimeout(e) ? "timeout" : "failing";
            failing = FirstFailureListener.testName(r.failure.getDescription());
            message = e != null ? e.toString() : r.failure.getMessage();
        } else {
            status = "plausible";
        }
        int[] stopped = {0};
        List<Thread> left = leftovers(before, stopped);
        if (!left.isEmpty() && !tainted) {
            tainted = true;
            reason = left.size() + " thread(s) left alive: " + left.get(0).getName();
        }
        String[] running = candidateCodeRunning();
        if (running != null && running[0] != null) {
            // An EARLIER candidate's code ran during this one: this verdict may depend on it.
            return "{\"id\":" + json(id) + ",\"retry\":true,\"tainted\":true,\"taint_reason\":" + json(running[0]) + "}";
        }
        if (running != null && !tainted) {
            tainted = true;
            reason = running[1];
        }
        System.setProperties(props);
        Locale.setDefault(locale);
        TimeZone.setDefault(zone);
        Runtime rt = Runtime.getRuntime();
        if (!tainted && rt.totalMemory() - rt.freeMemory() > heapLimitFraction * rt.maxMemory()) {
            System.gc();
            if (rt.totalMemory() - rt.freeMemory() > heapLimitFraction * rt.maxMemory()) {
                tainted = true;
                reason = "heap not reclaimed after the candidate";
            }
        }
        String a = answer(id, status, failing, message, compileNs, testNs, r.started, tainted, reason);
        Failure skipped = r.assumption;
        boolean cpuBound = "timeout".equals(status) && r.done && CandidatePolicy.lastTimeoutCpuBound;
        return a.substring(0, a.length() - 1) + ",\"cpu_bound\":" + cpuBound + ",\"stopped_threads\":" + stopped[0] + ",\"assumption_failures\":" + r.assumptions
            + ",\"skipped_test\":" + (skipped == null ? "null" : json(FirstFailureListener.testName(skipped.getDescription())))
            + ",\"skipped_message\":" + (skipped == null ? "null" : json(cut(String.valueOf(skipped.getException())))) + "}";
    }

    private static final PrintStream QUIET = new PrintStream(new Sink(0), true);

    private static final String WARM_CLASS = "package fimrepairwarm;\npublic class W {\n"
        + "    public static int f(int x) { java.util.List<Integer> l = new java.util.ArrayList<>(); l.add(x); return l.get(0) + 1; }\n}\n";
    private static final String WARM_TEST = "package fimrepairwarm;\npublic class WT {\n"
        + "    @org.junit.Test(timeout = 3000) public void t() { org.junit.Assert.assertEquals(2, W.f(1)); }\n}\n";

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: java ValidationWorker <protocolPath> [heapLimitFraction]");
            Runtime.getRuntime().halt(2);
        }
        // The protocol channel: a dedicated pipe, opened before any candidate code runs.
        PrintStream protocol = new PrintStream(new FileOutputStream(args[0]), false, "UTF-8");
        double heapLimit = args.length > 1 ? Double.parseDouble(args[1]) : 0.5;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16);
        compiler = ToolProvider.getSystemJavaCompiler();
        if (compiler == null) {
            protocol.println("{\"ready\":false,\"message\":\"no system Java compiler (a JRE, not a JDK?)\"}");
            protocol.flush();
            Runtime.getRuntime().halt(3);
        }
        standard = compiler.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8);
        // Candidate output never reaches fd 1/2 through System.out/err.
        System.setOut(QUIET);
        System.setErr(QUIET);

        // Warm up javac and JUnit on a trivial class so the first candidate is not billed for it.
        Map<String, Object> warm = new HashMap<>();
        warm.put("id", "warm");
        warm.put("class_name", "fimrepairwarm.W");
        warm.put("class_path", "fimrepairwarm/W.java");
        warm.put("source", WARM_CLASS);
        warm.put("test_class", "fimrepairwarm.WT");
        warm.put("test_path", "fimrepairwarm/WT.java");
        warm.put("test_source", WARM_TEST);
        warm.put("test_key", "warm");
        warm.put("timeout_ms", 30000.0);
        String warmAnswer = handle(warm, heapLimit);
        protocol.println("{\"ready\":true,\"warm\":" + warmAnswer + "}");
        protocol.flush();

        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            String out;
            try {
                Map<String, Object> req = parseObject(line);
                if ("exit".equals(req.get("op"))) {
                    break;
                }
                out = handle(req, heapLimit);
            } catch (Throwable e) {
                // A worker fault (bad request, internal error): answer and ask to be replaced.
                out = "{\"id\":null,\"status\":\"error\",\"message\":" + json(cut(String.valueOf(e))) + ",\"tainted\":true}";
            }
            protocol.println(out);
            protocol.flush();
        }
        protocol.flush();
        Runtime.getRuntime().halt(0);
    }
}
