import java.util.Comparator;

import org.junit.runner.Description;
import org.junit.runner.Request;
import org.junit.runner.Runner;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunListener;
import org.junit.runner.notification.RunNotifier;
import org.junit.runner.notification.StoppedByUserException;

/**
 * Runs a JUnit 4 test class fail-fast and records what the verdict needs: the first failure, the
 * first test skipped by a failed assumption, how many tests started and how many assumptions
 * failed. Used by both test runners (ValidationWorker, the engine's, and FailFastRunner, the
 * fresh validator's), compiled with each of them (fimrepair.validate.policy.harness_sources), so
 * both engines run tests and stop the same way.
 */
public final class FirstFailureListener extends RunListener {
    private final RunNotifier notifier;
    volatile Failure first;
    volatile Failure firstAssumption;
    volatile int started;
    volatile int assumptions;

    private FirstFailureListener(RunNotifier notifier) {
        this.notifier = notifier;
    }

    /**
     * Runs the test methods of {@code testClass} in name order (then display name) under the
     * harness's request ({@link CandidatePolicy#request}: the per-test CPU limit, {@code
     * defaultTimeoutMs} for methods without their own {@code @Test(timeout=...)}), stopping at
     * the first failure or failed assumption. Exceptions of the runner itself propagate.
     */
    static FirstFailureListener run(Class<?> testClass, long defaultTimeoutMs) throws Exception {
        Request request = CandidatePolicy.request(testClass, defaultTimeoutMs).sortWith(
            Comparator.comparing((Description d) -> String.valueOf(d.getMethodName()))
                .thenComparing(Description::getDisplayName));
        Runner runner = request.getRunner();
        RunNotifier notifier = new RunNotifier();
        FirstFailureListener listener = new FirstFailureListener(notifier);
        notifier.addListener(listener);
        try {
            runner.run(notifier);
        } catch (StoppedByUserException stopped) {
            // pleaseStop() after the first failure: expected.
        }
        return listener;
    }

    /** {@code SimpleClassName.method} of a test (the class alone for a class-level failure). */
    static String testName(Description d) {
        if (d == null) {
            return null;
        }
        String cls = d.getClassName();
        String method = d.getMethodName();
        if (cls != null) {
            cls = cls.substring(cls.lastIndexOf('.') + 1);
        }
        if (method == null) {
            return cls != null ? cls : d.getDisplayName();
        }
        return cls + "." + method;
    }

    @Override
    public void testStarted(Description description) {
        started++;
    }

    @Override
    public void testFailure(Failure failure) {
        synchronized (this) {
            if (first == null) {
                first = failure;
            }
        }
        notifier.pleaseStop();
    }

    @Override
    public void testAssumptionFailure(Failure failure) {
        synchronized (this) {
            assumptions++;
            if (firstAssumption == null) {
                firstAssumption = failure;
            }
        }
        notifier.pleaseStop();
    }
}
