package redispark.dist;

/**
 * A peer of this protocol was refused, or refused this rank, during the handshake: wrong secret, another run id or
 * attempt, another world size, or the wrong rank. A configuration error, not a transient one: retrying with the same
 * rendezvous fails the same way.
 */
public class HandshakeRefusedException extends CollectiveException {

    private static final long serialVersionUID = 1L;

    public HandshakeRefusedException(String message, int peerRank, String operation) {
        super(message, peerRank, operation);
    }

    static HandshakeRefusedException of(CollectiveException e) {
        return new HandshakeRefusedException(e.getMessage(), e.peerRank(), e.operation());
    }
}
