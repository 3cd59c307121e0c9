package redispark.verify;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Cooperative per-call deadline. Parsing and evaluation loops call {@link #check()}; once the budget is
 * spent it throws {@link Expired}, which {@link MathVerifier} turns into a {@code timeout} verdict.
 * No threads are involved, so a verification costs nothing beyond its own work.
 *
 * <p>The budget is the CPU time this thread spends, so that a thread descheduled on a busy machine does
 * not turn correct answers into spurious timeouts (labels should not depend on load). Wall-clock time is
 * capped at {@link #WALL_FACTOR} times the budget, counted from the start of the call, and that cap is
 * hard: nothing restarts it, so no call computes past it whatever the input (a thread that gets less
 * than a third of a core for a whole call then times out; one that is not scheduled at all returns
 * when it runs again). The CPU clock is read
 * first after {@link #PROBE_AFTER_NANOS} and then at most every {@link #CPU_RECHECK_NANOS}, so the
 * common path costs one nanoTime per check.
 */
final class Deadline {

    /** Thrown when the budget is spent. Shared and stackless: throwing it must itself be cheap. */
    static final class Expired extends RuntimeException {
        static final Expired INSTANCE = new Expired();

        private Expired() {
            super("verification budget exceeded", null, false, false);
        }
    }

    static final int WALL_FACTOR = 3;

    /** A deadline that never expires, for internal callers (gold pre-parsing, warm-up). */
    static final Deadline NONE = new Deadline(Long.MAX_VALUE, Long.MAX_VALUE, 0, true);

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean CPU_CLOCK = cpuClockAvailable();
    /** Calls shorter than this never read the CPU clock (a ~1 us system call). */
    private static final long PROBE_AFTER_NANOS = 1_000_000;

    private static final long CPU_RECHECK_NANOS = 1_000_000;
    /** Upper bound on work done between two deadline checks (size caps keep single steps short). */
    private static final long MAX_UNCHECKED_NANOS = 2_000_000;

    private final long startNanos;
    private final long softEndNanos;
    private final long budgetNanos;
    private final boolean wallClock;
    /** Wall time at which the CPU clock was first read, and its value then (-1 before). */
    private long probeWall = -1;

    private long probeCpu;
    private long nextSlowCheck;

    private Deadline(long startNanos, long softEndNanos, long budgetNanos, boolean wallClock) {
        this.startNanos = startNanos;
        this.softEndNanos = softEndNanos;
        this.budgetNanos = budgetNanos;
        this.wallClock = wallClock;
        this.nextSlowCheck = softEndNanos == Long.MAX_VALUE
                ? Long.MAX_VALUE
                : !wallClock ? Math.min(softEndNanos, startNanos + PROBE_AFTER_NANOS) : softEndNanos;
    }

    private static boolean cpuClockAvailable() {
        try {
            return THREADS.isCurrentThreadCpuTimeSupported() && THREADS.getCurrentThreadCpuTime() >= 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    static Deadline after(long budgetNanos) {
        return after(budgetNanos, false);
    }

    /** With {@code wallClock}, the budget is plain elapsed time (no CPU clock, no cap factor). */
    static Deadline after(long budgetNanos, boolean wallClock) {
        long now = System.nanoTime();
        long soft = now + budgetNanos;
        if (soft < now || now + budgetNanos * WALL_FACTOR < now) {
            return NONE;
        }
        return new Deadline(now, soft, budgetNanos, wallClock || !CPU_CLOCK);
    }

    void check() {
        if (nextSlowCheck == Long.MAX_VALUE) {
            return;
        }
        long now = System.nanoTime();
        if (now - nextSlowCheck > 0) {
            slowCheck(now);
        }
    }

    private void slowCheck(long now) {
        long wall = now - startNanos;
        if (wallClock) {
            if (wall > budgetNanos) {
                throw Expired.INSTANCE;
            }
            nextSlowCheck = softEndNanos;
            return;
        }
        if (wall > budgetNanos * WALL_FACTOR) {
            throw Expired.INSTANCE;
        }
        long cpu = THREADS.getCurrentThreadCpuTime();
        if (probeWall < 0) {
            probeWall = wall;
            probeCpu = cpu;
        }
        // CPU used so far. Before the probe we count its wall time, capped: every loop checks the
        // deadline every few microseconds of work, so at most ~PROBE_AFTER plus one gap of CPU can
        // precede the first probe. Without the cap a GC pause before the probe would read as work.
        long used = Math.min(probeWall, PROBE_AFTER_NANOS + MAX_UNCHECKED_NANOS) + (cpu - probeCpu);
        if (used > budgetNanos) {
            throw Expired.INSTANCE;
        }
        // Never later than the wall cap, so a descheduled thread does not run past it.
        long next = Math.max(now + CPU_RECHECK_NANOS, Math.min(softEndNanos, now + (budgetNanos - used)));
        nextSlowCheck = Math.min(next, startNanos + budgetNanos * WALL_FACTOR);
    }

    boolean expired() {
        try {
            check();
            return false;
        } catch (Expired e) {
            return true;
        }
    }
}
