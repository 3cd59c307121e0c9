package redispark.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Config and CLI names of small enums: the constant's name in lower case, parsed back with a one-line error. */
public final class Labels {

    private Labels() {}

    /** {@code BF16} → {@code bf16}. */
    public static String of(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** The constant labelled {@code s} (any case); else an error naming {@code what} and every label. */
    public static <E extends Enum<E>> E parse(Class<E> type, String s, String what) {
        for (E e : type.getEnumConstants()) {
            if (of(e).equals(s.toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown " + what + " '" + s + "' (expected "
                + Arrays.stream(type.getEnumConstants()).map(Labels::of).collect(Collectors.joining(" or ")) + ")");
    }
}
