package redispark.dist;

/**
 * A collective operation or the ring set-up failed: a peer died, stalled past the timeout, refused the handshake,
 * called a different operation, or this thread was interrupted. The message names this rank, the operation and, when
 * one is to blame, the peer rank and address. After this exception the collective is closed: every later call fails.
 */
public class CollectiveException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The rank the failure points at, or -1 when no single peer is to blame (interruption, local close). */
    private final int peerRank;

    /** What was running, e.g. {@code "allReduceSum #12 (1000003 floats)"} or {@code "connect"}. */
    private final String operation;

    public CollectiveException(String message, int peerRank, String operation, Throwable cause) {
        super(message, cause);
        this.peerRank = peerRank;
        this.operation = operation;
    }

    public CollectiveException(String message, int peerRank, String operation) {
        this(message, peerRank, operation, null);
    }

    public int peerRank() {
        return peerRank;
    }

    public String operation() {
        return operation;
    }
}
