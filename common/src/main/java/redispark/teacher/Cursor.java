package redispark.teacher;

/** A strict left-to-right reader for the fixed problem phrasings (no regular expressions). */
final class Cursor {

    private final String s;
    private int i;

    Cursor(String s) {
        this.s = s;
    }

    boolean tryEat(String token) {
        if (s.startsWith(token, i)) {
            i += token.length();
            return true;
        }
        return false;
    }

    void eat(String token) {
        if (!tryEat(token)) {
            throw fail("expected '" + token + "'");
        }
    }

    boolean atDigit() {
        return i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9';
    }

    /** Reads an unsigned decimal integer (at least one digit). */
    long readUnsigned() {
        if (!atDigit()) {
            throw fail("expected a digit");
        }
        long v = 0;
        int start = i;
        while (atDigit()) {
            v = Math.addExact(Math.multiplyExact(v, 10), s.charAt(i) - '0');
            i++;
            if (i - start > 15) {
                throw fail("number too long");
            }
        }
        return v;
    }

    /** Reads an optionally negative decimal integer. */
    long readSigned() {
        boolean neg = tryEat("-");
        long v = readUnsigned();
        return neg ? -v : v;
    }

    /** Reads {@code " + "} or {@code " - "} and returns {@code +1} or {@code -1}. */
    int readSpacedSign() {
        if (tryEat(" + ")) {
            return 1;
        }
        if (tryEat(" - ")) {
            return -1;
        }
        throw fail("expected ' + ' or ' - '");
    }

    /** Reads an ordinal such as {@code 21st} and checks its suffix. */
    int readOrdinal() {
        long n = readUnsigned();
        if (n > Integer.MAX_VALUE) {
            throw fail("ordinal too large");
        }
        eat(ordinalSuffix(n));
        return (int) n;
    }

    void end() {
        if (i != s.length()) {
            throw fail("unexpected trailing text");
        }
    }

    IllegalArgumentException fail(String what) {
        return new IllegalArgumentException(what + " at position " + i + " of: " + s);
    }

    static String ordinal(long n) {
        return n + ordinalSuffix(n);
    }

    static String ordinalSuffix(long n) {
        long h = n % 100;
        if (h >= 11 && h <= 13) {
            return "th";
        }
        return switch ((int) (n % 10)) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
    }
}
