// Shared by ValidationWorker and FailFastRunner: compiled with each of them
// (fimrepair.validate.policy.harness_sources), so both engines apply the SAME policy and the same
// per-test limit.

/**
 * The bytecode policy on a candidate's compiled classes (see docs/verdict-integrity.md).
 *
 * <p>A candidate may only name (as a class constant, or as the owner of a field or method it uses):
 * its own classes, the benchmark's support classes, the classes the bug's own class imports
 * (the benchmark's code: what it uses, its candidates may use), and an allow-list of JDK
 * packages (java.lang without reflection, invoke, ref, class loaders, processes, security
 * managers and stack walking; java.util with its function, stream, regex and concurrent
 * packages; java.math; java.text; java.time; java.nio buffers and charsets; java.io without
 * files, file descriptors and the console). Within those, members that change JVM-wide state
 * or reach outside the JVM are denied: System.setOut/setErr/setIn/setSecurityManager/
 * setProperty/setProperties/clearProperty/load/loadLibrary/console/inheritedChannel,
 * Runtime.addShutdownHook/exec/load (only getRuntime, the memory and processor queries, gc,
 * exit and halt are allowed: exit and halt only end the candidate's own JVM, a crash),
 * Thread.setDefaultUncaughtExceptionHandler/getAllStackTraces/enumerate/getThreadGroup/stop/
 * suspend/resume/set|getContextClassLoader, every Class member but a few harmless queries
 * (no forName, getDeclared*, getMethod*, newInstance, getClassLoader, getResource*), and
 * file-name constructors of PrintStream, PrintWriter and Formatter. java.lang.invoke is
 * allowed only as the bootstrap methods javac itself emits (lambdas, string concatenation,
 * records, pattern switches). A candidate class may not declare {@code finalize()} nor a
 * native method, and may not use dynamic constants.
 *
 * <p>The check reads the constant pool and the method table of each class file; it never
 * loads or initialises a candidate class.
 */
final class CandidatePolicy {
    private CandidatePolicy() {}

    private static final String[] ALLOWED_PREFIXES = {
        "java/util/function/", "java/util/stream/", "java/util/regex/", "java/util/concurrent/",
        "java/math/", "java/text/", "java/time/",
    };
    /** Packages whose top-level classes are allowed (not their subpackages). */
    private static final String[] ALLOWED_PACKAGES = {
        "java/lang/", "java/util/", "java/io/", "java/nio/", "java/nio/charset/",
    };
    /** Top-level classes (and their nested classes) denied inside the allowed packages. */
    private static final java.util.Set<String> DENIED_CLASSES = new java.util.HashSet<>(java.util.Arrays.asList(
        "java/lang/ClassLoader", "java/lang/Compiler", "java/lang/Module", "java/lang/ModuleLayer",
        "java/lang/Package", "java/lang/Process", "java/lang/ProcessBuilder", "java/lang/ProcessHandle",
        "java/lang/SecurityManager", "java/lang/StackWalker", "java/lang/ThreadGroup",
        "java/lang/RuntimePermission", "java/lang/ScopedValue",
        "java/util/ServiceLoader", "java/util/ResourceBundle", "java/util/PropertyResourceBundle",
        "java/util/ListResourceBundle",
        "java/io/File", "java/io/FileDescriptor", "java/io/FileInputStream", "java/io/FileOutputStream",
        "java/io/FileReader", "java/io/FileWriter", "java/io/RandomAccessFile", "java/io/FilePermission",
        "java/io/FileFilter", "java/io/FilenameFilter", "java/io/Console", "java/io/ObjectInputStream",
        "java/io/ObjectOutputStream", "java/io/SerializablePermission",
        "java/nio/MappedByteBuffer"));
    /** Classes allowed outside the packages above. */
    private static final java.util.Set<String> EXTRA_CLASSES = new java.util.HashSet<>(java.util.Arrays.asList(
        "java/lang/reflect/Array", // array creation and access only
        "java/lang/invoke/MethodHandles", "java/lang/invoke/MethodHandles$Lookup", "java/lang/invoke/LambdaMetafactory",
        "java/lang/invoke/StringConcatFactory", "java/lang/invoke/MethodHandle", "java/lang/invoke/MethodType",
        "java/lang/invoke/CallSite", "java/lang/runtime/ObjectMethods", "java/lang/runtime/SwitchBootstraps"));
    /** The invoke package as javac emits it: bootstrap methods only. */
    private static final java.util.Set<String> BOOTSTRAPS = new java.util.HashSet<>(java.util.Arrays.asList(
        "java/lang/invoke/LambdaMetafactory.metafactory", "java/lang/invoke/LambdaMetafactory.altMetafactory",
        "java/lang/invoke/StringConcatFactory.makeConcat", "java/lang/invoke/StringConcatFactory.makeConcatWithConstants",
        "java/lang/runtime/ObjectMethods.bootstrap", "java/lang/runtime/SwitchBootstraps.typeSwitch",
        "java/lang/runtime/SwitchBootstraps.enumSwitch"));
    private static final java.util.Set<String> RUNTIME_ALLOWED = new java.util.HashSet<>(java.util.Arrays.asList(
        "getRuntime", "availableProcessors", "freeMemory", "totalMemory", "maxMemory", "gc", "exit", "halt", "version"));
    private static final java.util.Set<String> SYSTEM_DENIED = new java.util.HashSet<>(java.util.Arrays.asList(
        "setIn", "setOut", "setErr", "setSecurityManager", "setProperty", "setProperties", "clearProperty", "load",
        "loadLibrary", "mapLibraryName", "console", "inheritedChannel", "getLogger", "runFinalizersOnExit"));
    private static final java.util.Set<String> THREAD_DENIED = new java.util.HashSet<>(java.util.Arrays.asList(
        "setDefaultUncaughtExceptionHandler", "getAllStackTraces", "enumerate", "getThreadGroup", "stop", "suspend",
        "resume", "setContextClassLoader", "getContextClassLoader", "countStackFrames"));
    private static final java.util.Set<String> CLASS_ALLOWED = new java.util.HashSet<>(java.util.Arrays.asList(
        "getName", "getSimpleName", "getTypeName", "getCanonicalName", "isInstance", "cast", "isArray",
        "getComponentType", "componentType", "arrayType", "isPrimitive", "isInterface", "isEnum", "isRecord",
        "isAssignableFrom", "desiredAssertionStatus", "getSuperclass", "getEnumConstants", "toString", "hashCode",
        "equals", "getPackageName", "getModifiers", "isAnonymousClass", "isLocalClass", "isMemberClass",
        "isSynthetic", "descriptorString", "getClass"));

    /**
     * The violations (sorted, so the message does not depend on the constant pool's order; the
     * first four and how many more), or null when {@code classes} comply.
     *
     * @param classes binary name -> class file, the candidate's classes
     * @param trusted space-separated internal names (or package prefixes ending in '/') that are
     *     allowed besides the JDK allow-list: the benchmark's support classes and the bug's imports
     */
    static String check(java.util.Map<String, byte[]> classes, String trusted) {
        java.util.Set<String> own = new java.util.HashSet<>();
        for (String name : classes.keySet()) {
            own.add(name.replace('.', '/'));
        }
        java.util.List<String> trustedNames = new java.util.ArrayList<>();
        if (trusted != null) {
            for (String t : trusted.trim().split("\\s+")) {
                if (!t.isEmpty()) {
                    trustedNames.add(t);
                }
            }
        }
        java.util.TreeSet<String> violations = new java.util.TreeSet<>();
        for (java.util.Map.Entry<String, byte[]> e : classes.entrySet()) {
            try {
                scan(e.getValue(), own, trustedNames, violations);
            } catch (RuntimeException ex) {
                violations.add("unreadable class file " + e.getKey() + ": " + ex);
            }
        }
        if (violations.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        int shown = 0;
        for (String v : violations) {
            if (shown == 4) {
                b.append("; and ").append(violations.size() - shown).append(" more");
                break;
            }
            b.append(shown++ == 0 ? "" : "; ").append(v);
        }
        return b.toString();
    }

    private static boolean trustedClass(String name, java.util.Set<String> own, java.util.List<String> trusted) {
        if (own.contains(name)) {
            return true;
        }
        String outer = outer(name);
        if (own.contains(outer)) {
            return true;
        }
        for (String t : trusted) {
            if (t.endsWith("/") ? name.startsWith(t) && name.indexOf('/', t.length()) < 0 : t.equals(outer) || t.equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static String outer(String name) {
        int dollar = name.indexOf('$', name.lastIndexOf('/') + 1);
        return dollar < 0 ? name : name.substring(0, dollar);
    }

    /** Why {@code name} (an internal class name, arrays unwrapped) may not be named, or null. */
    static String classViolation(String name, java.util.Set<String> own, java.util.List<String> trusted) {
        if (trustedClass(name, own, trusted) || EXTRA_CLASSES.contains(name)) {
            return null;
        }
        String outer = outer(name);
        if (DENIED_CLASSES.contains(outer)) {
            return "uses " + name.replace('/', '.');
        }
        for (String p : ALLOWED_PREFIXES) {
            if (name.startsWith(p)) {
                return null;
            }
        }
        int slash = name.lastIndexOf('/');
        String pkg = slash < 0 ? "" : name.substring(0, slash + 1);
        for (String p : ALLOWED_PACKAGES) {
            if (pkg.equals(p)) {
                return null;
            }
        }
        return "uses " + name.replace('/', '.') + " (outside the allowed packages)";
    }

    /** Why the member {@code owner.name desc} may not be used, or null. */
    static String memberViolation(String owner, String name, String desc) {
        String what = "calls " + owner.replace('/', '.') + "." + name;
        if (owner.startsWith("java/lang/invoke/") || owner.startsWith("java/lang/runtime/")) {
            return BOOTSTRAPS.contains(owner + "." + name) ? null : what + " (method handles)";
        }
        switch (owner) {
            case "java/lang/Runtime":
                return RUNTIME_ALLOWED.contains(name) ? null : what;
            case "java/lang/System":
                return SYSTEM_DENIED.contains(name) ? what : null;
            case "java/lang/Thread":
                return THREAD_DENIED.contains(name) ? what : null;
            case "java/lang/Class":
                return CLASS_ALLOWED.contains(name) ? null : what + " (reflection)";
            case "java/io/PrintStream":
            case "java/io/PrintWriter":
            case "java/util/Formatter":
                return name.equals("<init>") && desc.startsWith("(Ljava/lang/String;") ? what + " (opens a file)" : null;
            default:
                return null;
        }
    }

    private static String elementClass(String name) {
        int i = 0;
        while (i < name.length() && name.charAt(i) == '[') {
            i++;
        }
        if (i == 0) {
            return name;
        }
        if (name.charAt(i) == 'L' && name.endsWith(";")) {
            return name.substring(i + 1, name.length() - 1);
        }
        return null; // an array of primitives
    }

    private static int u2(byte[] b, int p) {
        return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
    }

    private static long u4(byte[] b, int p) {
        return ((long) u2(b, p) << 16) | u2(b, p + 2);
    }

    private static void scan(byte[] b, java.util.Set<String> own, java.util.List<String> trusted, java.util.Set<String> out) {
        if (b.length < 10 || u4(b, 0) != 0xCAFEBABEL) {
            throw new IllegalArgumentException("not a class file");
        }
        int count = u2(b, 8);
        int[] tag = new int[count];
        int[] off = new int[count];
        String[] utf = new String[count];
        int p = 10;
        for (int i = 1; i < count; i++) {
            tag[i] = b[p] & 0xff;
            off[i] = p + 1;
            switch (tag[i]) {
                case 1: {
                    int len = u2(b, p + 1);
                    utf[i] = decodeUtf8(b, p + 3, len);
                    p += 3 + len;
                    break;
                }
                case 3: case 4: p += 5; break;
                case 5: case 6: p += 9; i++; break;
                case 7: case 8: case 16: case 19: case 20: p += 3; break;
                case 9: case 10: case 11: case 12: case 17: case 18: p += 5; break;
                case 15: p += 4; break;
                default: throw new IllegalArgumentException("unknown constant tag " + tag[i]);
            }
        }
        for (int i = 1; i < count; i++) {
            switch (tag[i]) {
                case 7: {
                    String name = elementClass(utf[u2(b, off[i])]);
                    String v = name == null ? null : classViolation(name, own, trusted);
                    if (v != null) {
                        out.add(v);
                    }
                    break;
                }
                case 9: case 10: case 11: {
                    String owner = elementClass(utf[u2(b, off[u2(b, off[i])])]);
                    int nat = u2(b, off[i] + 2);
                    String name = utf[u2(b, off[nat])];
                    String desc = utf[u2(b, off[nat] + 2)];
                    if (owner != null && !trustedClass(owner, own, trusted)) {
                        String v = memberViolation(owner, name, desc);
                        if (v != null) {
                            out.add(v);
                        }
                    }
                    break;
                }
                case 17:
                    out.add("uses a dynamic constant");
                    break;
                default:
                    break;
            }
        }
        // access, this, super, interfaces; fields; methods (name, descriptor, flags)
        p += 6;
        int interfaces = u2(b, p);
        p += 2 + 2 * interfaces;
        for (int pass = 0; pass < 2; pass++) {
            int n = u2(b, p);
            p += 2;
            for (int k = 0; k < n; k++) {
                int access = u2(b, p);
                String name = utf[u2(b, p + 2)];
                String desc = utf[u2(b, p + 4)];
                if (pass == 1 && name.equals("finalize") && desc.equals("()V")) {
                    out.add("declares finalize() (runs on the JVM's Finalizer thread)");
                }
                if (pass == 1 && (access & 0x0100) != 0) {
                    out.add("declares the native method " + name);
                }
                int attrs = u2(b, p + 6);
                p += 8;
                for (int a = 0; a < attrs; a++) {
                    p += 6 + (int) u4(b, p + 2);
                }
            }
        }
    }

    /** Modified UTF-8 as class files store it (enough for names: no surrogate pairs needed). */
    private static String decodeUtf8(byte[] b, int start, int len) {
        StringBuilder s = new StringBuilder(len);
        int p = start;
        int end = start + len;
        while (p < end) {
            int c = b[p] & 0xff;
            if (c < 0x80) {
                s.append((char) c);
                p++;
            } else if ((c & 0xe0) == 0xc0) {
                s.append((char) (((c & 0x1f) << 6) | (b[p + 1] & 0x3f)));
                p += 2;
            } else {
                s.append((char) (((c & 0x0f) << 12) | ((b[p + 1] & 0x3f) << 6) | (b[p + 2] & 0x3f)));
                p += 3;
            }
        }
        return s.toString();
    }

    /** How many times its limit a test may take in wall time when the machine starves it of CPU. */
    static final long WALL_FACTOR = 5;
    /** Whether the last per-test timeout was reached in the test thread's own CPU time (set
     * before the TestTimedOutException is thrown; the runner stops at the first failure). */
    static volatile boolean lastTimeoutCpuBound;

    /**
     * The JUnit 4 runner of a test class: the class's own (Request.aClass), except that a plain
     * JUnit 4 class (no @RunWith, not a JUnit 3 TestCase) gets the harness's per-test limit
     * ({@link CpuLimit}): its {@code @Test(timeout=...)}, or {@code defaultTimeoutMs} for a test
     * method without one (0 = none).
     */
    static org.junit.runner.Request request(Class<?> testClass, long defaultTimeoutMs) throws Exception {
        lastTimeoutCpuBound = false;
        if (testClass.getAnnotation(org.junit.runner.RunWith.class) != null
                || junit.framework.Test.class.isAssignableFrom(testClass)) {
            return org.junit.runner.Request.aClass(testClass);
        }
        org.junit.runners.BlockJUnit4ClassRunner runner = new org.junit.runners.BlockJUnit4ClassRunner(testClass) {
            @Override
            @SuppressWarnings("deprecation")
            protected org.junit.runners.model.Statement withPotentialTimeout(org.junit.runners.model.FrameworkMethod method,
                    Object test, org.junit.runners.model.Statement next) {
                org.junit.Test annotation = method.getAnnotation(org.junit.Test.class);
                long limit = annotation != null && annotation.timeout() > 0 ? annotation.timeout() : defaultTimeoutMs;
                return limit > 0 ? new CpuLimit(next, limit) : next;
            }
        };
        return org.junit.runner.Request.runner(runner);
    }

    /**
     * A per-test limit measured in the test thread's own CPU time, so that load on the machine
     * (other processes, other workers) does not turn a test into a timeout: the test runs in a
     * new thread (as with JUnit's FailOnTimeout), and times out when that thread has used
     * {@code limitMs} of CPU (plus the JVM's garbage-collection time meanwhile, which its
     * allocations cause), or when {@code WALL_FACTOR * limitMs} of wall time passed (a test
     * that sleeps or blocks, or a machine that starves it). On timeout the thread is
     * interrupted and JUnit's TestTimedOutException is thrown, as @Test(timeout=...) does.
     */
    static final class CpuLimit extends org.junit.runners.model.Statement {
        /** Milliseconds the JVM spent collecting garbage so far (stop-the-world with the worker's
         * serial collector: time the test's allocations cost, charged to the test). */
        private static long gcMillis() {
            long total = 0;
            for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
                total += Math.max(0, gc.getCollectionTime());
            }
            return total;
        }

        private final org.junit.runners.model.Statement next;
        private final long limitMs;

        CpuLimit(org.junit.runners.model.Statement next, long limitMs) {
            this.next = next;
            this.limitMs = limitMs;
        }

        @Override
        public void evaluate() throws Throwable {
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            Throwable[] thrown = {null};
            Thread t = new Thread(() -> {
                try {
                    next.evaluate();
                } catch (Throwable e) {
                    thrown[0] = e;
                }
            }, "Time-limited test");
            t.setDaemon(true);
            long start = System.nanoTime();
            long gc0 = gcMillis();
            t.start();
            long limitNs = limitMs * 1_000_000L;
            while (true) {
                t.join(20);
                if (!t.isAlive()) {
                    break;
                }
                long cpu = mx.getThreadCpuTime(t.getId()) + (gcMillis() - gc0) * 1_000_000L;
                boolean cpuBound = cpu >= limitNs;
                if (cpuBound || System.nanoTime() - start >= WALL_FACTOR * limitNs) {
                    lastTimeoutCpuBound = cpuBound;
                    t.interrupt();
                    throw new org.junit.runners.model.TestTimedOutException(limitMs, java.util.concurrent.TimeUnit.MILLISECONDS);
                }
            }
            if (thrown[0] != null) {
                throw thrown[0];
            }
        }
    }

    /** Whether {@code t} (a test failure's exception) is JUnit's per-test timeout. */
    static boolean isTestTimeout(Throwable t) {
        return t instanceof org.junit.runners.model.TestTimedOutException;
    }
}
