package redispark.verify;

import java.util.List;

/** A typed final answer: what a gold or an extracted prediction means. */
sealed interface Answer {

    /** A number or an expression (with variables); {@code percent} if it was written with %. */
    record Scalar(Node expr, boolean percent) implements Answer {}

    /**
     * "x = 5", "f(x) = x+1", "x \in [0,1]", "AB = 4", "(p, q) = (3, 2)": a value with a name; compared
     * to bare values by its value. {@code labelNode} is the name as an expression, or null when it is
     * not one (a tuple or ratio of names).
     */
    record Labeled(String label, Node labelNode, Answer value) implements Answer {}

    /** Equation, inequality or chain: sides[0] ops[0] sides[1] ops[1] sides[2] ... */
    record Relation(List<Node> sides, List<String> ops) implements Answer {}

    /** Ordered tuple or point. A two-element one in () or [] may also be an interval. */
    record Tuple(List<Answer> items, char open, char close) implements Answer {}

    /** Unordered set, or a comma list of several answers; {@code form} says how it was written. */
    record SetOf(List<Answer> items, Form form) implements Answer {
        static SetOf braced(List<Answer> items) {
            return new SetOf(items, Form.BRACES);
        }

        /** Written without set braces, so its order may be what a tuple gold means. */
        boolean bare() {
            return form != Form.BRACES;
        }
    }

    /** How a set was written: in braces (or as \pm, an empty-set sign), as a comma list, as several boxes. */
    enum Form {
        BRACES,
        LIST,
        BOXES
    }

    /** Union of intervals; a point {a} is the closed piece [a, a]. */
    record Interval(List<Piece> pieces) implements Answer {}

    record Piece(Node lo, boolean loClosed, Node hi, boolean hiClosed) {}

    record Matrix(List<List<Answer>> rows) implements Answer {}

    /** A word answer ("east", "Evelyn"), lower-cased, letters and digits only. */
    record Text(String text) implements Answer {}

    /** A multiple-choice letter. */
    record Choice(char letter) implements Answer {}
}
