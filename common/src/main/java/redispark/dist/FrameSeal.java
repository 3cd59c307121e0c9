package redispark.dist;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * Integrity of the frames on one direction of an authenticated ring link: every frame (an operation header or a
 * segment of floats) is followed by {@code HMAC-SHA256(linkKey, sequence || frame)}, where the link key comes from
 * the handshake transcript ({@link Handshake}) and the sequence number counts the link's frames from 0. So a byte
 * altered, a frame injected, dropped, reordered or replayed from another connection makes the receiving rank's
 * check fail, and the call fails naming the frame, instead of adding attacker-chosen values to the gradients.
 *
 * <p>The sender and the receiver of a link each hold one instance, with the same key; not thread-safe.
 */
final class FrameSeal {

    static final int TAG_BYTES = 32;

    private final Mac mac;
    private final ByteBuffer sequenceBytes = ByteBuffer.allocate(Long.BYTES);
    private final byte[] expected = new byte[TAG_BYTES];
    private final byte[] received = new byte[TAG_BYTES];
    private long sequence;

    FrameSeal(byte[] linkKey) {
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(linkKey, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable in this JVM", e);
        }
    }

    /** The sequence number the next frame gets (the count of frames sealed or checked so far). */
    long sequence() {
        return sequence;
    }

    /** Writes the tag of the bytes between position and limit of {@code frame} (left unchanged) into {@code tag}. */
    void seal(ByteBuffer frame, ByteBuffer tag) {
        compute(frame, expected);
        tag.clear();
        tag.put(expected).flip();
    }

    /**
     * Whether {@code tag} (its first {@link #TAG_BYTES} bytes) is the tag of the bytes between {@code from} and the
     * limit of {@code frame}; compared in constant time. The sequence advances either way.
     */
    boolean verify(ByteBuffer frame, int from, ByteBuffer tag) {
        ByteBuffer bytes = frame.duplicate();
        bytes.position(from);
        compute(bytes, expected);
        tag.get(0, received);
        return MessageDigest.isEqual(expected, received);
    }

    private void compute(ByteBuffer frame, byte[] out) {
        sequenceBytes.clear();
        sequenceBytes.putLong(sequence++).flip();
        mac.update(sequenceBytes);
        mac.update(frame.duplicate());
        try {
            mac.doFinal(out, 0);
        } catch (ShortBufferException e) {
            throw new AssertionError(e);
        }
    }
}
