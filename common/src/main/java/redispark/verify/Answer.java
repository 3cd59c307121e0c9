package redispark.verify;

import java.util.List;

/** A typed final answer: what a gold or an extracted prediction means. */
sealed interface Answer {

    /** A number or an expression (with variables); {@code percent} if it was written with %. */
    record Scalar(Node expr, boolean percent) implements Answer {}

    /** "x = 5", "f(x) = x+1", "x \in [0,1]": a value with a name; compared to bare values by its value. */
    record Labeled(String label, Node labelNode, Answer value) implements Answer {}

    /** Equation, inequality or chain: sides[0] ops[0] sides[1] ops[1] sides[2] ... */
    record Relation(List<Node> sides, List<String> ops) implements Answer {}

    /** Ordered tuple or point. A two-element one in () or [] may also be an interval. */
    record Tuple(List<Answer> items, char open, char close) implements Answer {}

    /** Unordered set, or a comma list of several answers. */
    record SetOf(List<Answer> items) implements Answer {}

    /** Union of intervals; a point {a} is the closed piece [a, a]. */
    record Interval(List<Piece> pieces) implements Answer {}

    record Piece(Node lo, boolean loClosed, Node hi, boolean hiClosed) {}

    record Matrix(List<List<Answer>> rows) implements Answer {}

    /** A word answer ("east", "Evelyn"), lower-cased, letters and digits only. */
    record Text(String text) implements Answer {}

    /** A multiple-choice letter. */
    record Choice(char letter) implements Answer {}
}
