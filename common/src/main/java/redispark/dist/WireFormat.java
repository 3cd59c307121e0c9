package redispark.dist;

import java.util.Locale;

/**
 * How the gradient all-reduce puts floats on the wire. {@code fp32} sends float32 and is exact in the sense of
 * {@link RingCollective#referenceSum}. {@code bf16} sends bfloat16 (the top half of a float32, rounded to nearest
 * even) and adds in float32 on arrival: half the bytes, about 3 significant decimal digits per hop; the result
 * follows {@link RingCollective#referenceSumBf16}, identical on every rank.
 */
public enum WireFormat {
    FP32(4),
    BF16(2);

    private final int bytes;

    WireFormat(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element on the wire. */
    public int bytes() {
        return bytes;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code fp32} or {@code bf16}. */
    public static WireFormat parse(String s) {
        for (WireFormat f : values()) {
            if (f.label().equals(s)) {
                return f;
            }
        }
        throw new IllegalArgumentException("wire format must be fp32 or bf16, got '" + s + "'");
    }
}
