package redispark.dist;

/** bfloat16 conversions: the top 16 bits of a float32, rounded to nearest even; NaN stays NaN. */
final class Bf16 {

    private Bf16() {}

    static short of(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40); // a quiet NaN, whatever the payload's low bits
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    static float toFloat(short h) {
        return Float.intBitsToFloat(h << 16);
    }

    /** The float32 value of {@code f} rounded to bfloat16. */
    static float round(float f) {
        return toFloat(of(f));
    }

    static void encode(float[] from, short[] into, int n) {
        for (int i = 0; i < n; i++) {
            into[i] = of(from[i]);
        }
    }

    static void decode(short[] from, float[] into, int n) {
        for (int i = 0; i < n; i++) {
            into[i] = toFloat(from[i]);
        }
    }

    static void round(float[] xs, int n) {
        for (int i = 0; i < n; i++) {
            xs[i] = round(xs[i]);
        }
    }
}
