package redispark.verify;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Evaluates an expression tree to a {@link Val}, exactly where possible. Every size is checked
 * before work is done (exact powers, factorials, binomials), and the deadline is checked along the
 * way, so no input can make an evaluation run away.
 */
final class ExpressionEvaluator {

    private final Map<String, Val> env;
    private final Deadline deadline;
    private int steps;

    ExpressionEvaluator(Map<String, Val> env, Deadline deadline) {
        this.env = env;
        this.deadline = deadline;
    }

    static Val eval(Node n, Deadline deadline) {
        return new ExpressionEvaluator(Map.of(), deadline).eval(n);
    }

    Val eval(Node n) {
        if ((++steps & 31) == 0) {
            deadline.check();
        }
        if (n instanceof Node.Num num) {
            return num.halfUnit() == null ? Val.exact(num.value()) : Val.written(num.value(), num.halfUnit());
        }
        if (n instanceof Node.Bin b) {
            return bin(b);
        }
        if (n instanceof Node.Neg g) {
            return eval(g.a()).negate();
        }
        if (n instanceof Node.Var v) {
            Val x = env.get(v.name());
            if (x == null) {
                throw EvalError.unsupported("free variable " + v.name());
            }
            return x;
        }
        if (n instanceof Node.Const c) {
            switch (c.name()) {
                case "pi":
                    return Val.PI;
                case "e":
                    return Val.E;
                case "i":
                    return Val.I;
                case "inf":
                    return Val.POS_INF;
                default:
                    throw EvalError.unsupported(c.name());
            }
        }
        if (n instanceof Node.Fn f) {
            return fn(f);
        }
        if (n instanceof Node.BaseNum bn) {
            // Compared by its digits: "204_5" and "204" name the same written answer.
            if (!bn.digits().chars().allMatch(Character::isDigit)) {
                throw EvalError.unsupported("digits beyond 9");
            }
            return Val.exact(Rational.of(new BigInteger(bn.digits())));
        }
        throw EvalError.unsupported("cannot evaluate " + n.getClass().getSimpleName());
    }

    private Val bin(Node.Bin b) {
        Val x = eval(b.a());
        Val y = eval(b.b());
        switch (b.op()) {
            case '+':
                return x.add(y);
            case '-':
                return x.subtract(y);
            case '*':
                return x.multiply(y);
            case '/':
                return x.divide(y);
            case '^':
                return x.pow(y, deadline);
            default:
                throw EvalError.unsupported("operator " + b.op());
        }
    }

    private Val fn(Node.Fn f) {
        List<Node> args = f.args();
        String name = f.name();
        if (name.startsWith("apply:")) {
            return opaqueFunction(name, eval(args.get(0)));
        }
        switch (name) {
            case "fact":
            case "dfact":
                return factorial(eval(args.get(0)), name.equals("fact") ? 1 : 2);
            case "binom":
                return binom(eval(args.get(0)), eval(args.get(1)));
            case "root": {
                Val k = eval(args.get(0));
                if (!k.isExactInteger() || k.re.signum() <= 0 || k.re.num.bitLength() > 16) {
                    return eval(args.get(1)).pow(Val.ONE.divide(k), deadline);
                }
                return eval(args.get(1)).root(k.re.num.intValue(), deadline);
            }
            case "log":
                if (args.size() == 2) {
                    return eval(args.get(1)).ln().divide(eval(args.get(0)).ln());
                }
                return eval(args.get(0)).ln();
            case "lg":
                return eval(args.get(0)).ln().divide(Val.exact(Rational.of(10)).ln());
            case "max":
            case "min":
            case "gcd":
            case "lcm":
                return aggregate(name, args);
            default:
                break;
        }
        if (args.size() != 1) {
            throw EvalError.unsupported(name + " arity");
        }
        Val x = eval(args.get(0));
        switch (name) {
            case "sqrt":
                return x.sqrt();
            case "sin":
                return x.sin();
            case "cos":
                return x.cos();
            case "tan":
                return x.sin().divide(x.cos());
            case "cot":
                return x.cos().divide(x.sin());
            case "sec":
                return Val.ONE.divide(x.cos());
            case "csc":
                return Val.ONE.divide(x.sin());
            case "arcsin":
            case "asin":
                return x.asin();
            case "arccos":
            case "acos":
                return x.acos();
            case "arctan":
            case "atan":
                return x.atan();
            case "arccot":
                return Val.ONE.divide(x).atan();
            case "sinh":
            case "cosh":
            case "tanh":
            case "coth": {
                Val ep = x.exp();
                Val em = x.negate().exp();
                Val sh = ep.subtract(em);
                Val ch = ep.add(em);
                return switch (name) {
                    case "sinh" -> sh.multiply(Val.exact(Rational.of(1, 2)));
                    case "cosh" -> ch.multiply(Val.exact(Rational.of(1, 2)));
                    case "tanh" -> sh.divide(ch);
                    default -> ch.divide(sh);
                };
            }
            case "ln":
                return x.ln();
            case "exp":
                return x.exp();
            case "abs":
                return x.abs();
            case "floor":
                return x.floorOrCeil(true);
            case "ceil":
                return x.floorOrCeil(false);
            case "sgn":
                if (!x.isReal()) {
                    throw EvalError.domain("sgn of complex");
                }
                return Val.exact(Rational.of(x.approxRe().signum()));
            default:
                throw EvalError.unsupported("function " + name);
        }
    }

    /**
     * An unknown function such as u(t) or I(0): a fixed quadratic seeded by its name, so that gold and
     * prediction agree exactly when they apply the same function to the same argument, and I(0) is
     * not mistaken for zero.
     */
    private static Val opaqueFunction(String name, Val x) {
        // Large prime denominators: the value can never coincide with a simple number such as 2.
        int h = name.hashCode() & 0x7fffffff;
        Val a = Val.exact(Rational.of(1_000_003L + h % 9973, 7919));
        Val b = Val.exact(Rational.of(100_019L + h / 9973 % 997, 6271));
        Val c = Val.exact(Rational.of(10_007L + h / 9_943_081 % 89, 5813));
        return a.add(b.multiply(x)).add(c.multiply(x).multiply(x));
    }

    private Val factorial(Val x, int step) {
        if (!x.isExactInteger() || x.re.signum() < 0) {
            throw EvalError.domain("factorial of a non-natural number");
        }
        if (x.re.num.bitLength() > 31) {
            throw EvalError.tooBig("factorial too large");
        }
        int n = x.re.num.intValue();
        if (BigMath.log2Factorial(n, step) > Val.MAX_EXACT_BITS) {
            throw EvalError.tooBig("factorial too large");
        }
        return Val.exact(Rational.of(BigMath.factorial(n, step, deadline)));
    }

    private Val binom(Val n, Val k) {
        if (!n.isExactInteger() || !k.isExactInteger()) {
            throw EvalError.unsupported("binomial of non-integers");
        }
        BigInteger nn = n.re.num;
        BigInteger kk = k.re.num;
        if (kk.signum() < 0 || (nn.signum() >= 0 && kk.compareTo(nn) > 0)) {
            return Val.ZERO;
        }
        if (nn.signum() >= 0 && kk.shiftLeft(1).compareTo(nn) > 0) {
            kk = nn.subtract(kk);
        }
        if (kk.bitLength() > 20 || (long) kk.intValue() * Math.max(1, nn.bitLength()) > Val.MAX_EXACT_BITS) {
            throw EvalError.tooBig("binomial too large");
        }
        BigInteger r = BigInteger.ONE;
        int kInt = kk.intValue();
        for (int i = 0; i < kInt; i++) {
            r = r.multiply(nn.subtract(BigInteger.valueOf(i))).divide(BigInteger.valueOf(i + 1L));
            if ((i & 63) == 0) {
                deadline.check();
            }
        }
        return Val.exact(Rational.of(r));
    }

    private Val aggregate(String name, List<Node> args) {
        Val acc = null;
        for (Node a : args) {
            Val v = eval(a);
            if (acc == null) {
                acc = v;
                continue;
            }
            if (name.equals("max") || name.equals("min")) {
                if (!acc.isReal() || !v.isReal()) {
                    throw EvalError.domain("max of complex");
                }
                int c = acc.approxRe().compareTo(v.approxRe());
                acc = (name.equals("max") ? c < 0 : c > 0) ? v : acc;
            } else {
                if (!acc.isExactInteger() || !v.isExactInteger()) {
                    throw EvalError.domain("gcd of non-integers");
                }
                BigInteger x = acc.re.num;
                BigInteger y = v.re.num;
                BigInteger g = x.gcd(y);
                acc = Val.exact(Rational.of(
                        name.equals("gcd")
                                ? g
                                : g.signum() == 0
                                        ? BigInteger.ZERO
                                        : x.multiply(y).abs().divide(g)));
            }
        }
        if (acc == null) {
            throw EvalError.unsupported("empty " + name);
        }
        return acc;
    }

    // ------------------------------------------------------------------ variables

    /** Free variables of a tree, sorted (so sample points are assigned deterministically). */
    static void variables(Node n, Set<String> out) {
        if (n instanceof Node.Var v) {
            out.add(v.name());
        } else if (n instanceof Node.Neg g) {
            variables(g.a(), out);
        } else if (n instanceof Node.Bin b) {
            variables(b.a(), out);
            variables(b.b(), out);
        } else if (n instanceof Node.Fn f) {
            for (Node a : f.args()) {
                variables(a, out);
            }
        } else if (n instanceof Node.Pm p) {
            if (p.a() != null) {
                variables(p.a(), out);
            }
            variables(p.b(), out);
        }
    }

    static Set<String> variables(Node... nodes) {
        Set<String> out = new TreeSet<>();
        for (Node n : nodes) {
            variables(n, out);
        }
        return out;
    }

    /**
     * True if a variable is used where only integers make sense (factorial, binomial, floor, gcd):
     * sample points must then be integers, otherwise rationals (which avoid coincidences such as
     * sin(pi t) = 0 at every integer t).
     */
    static boolean needsIntegers(Node n) {
        if (n instanceof Node.Neg g) {
            return needsIntegers(g.a());
        }
        if (n instanceof Node.Bin b) {
            return needsIntegers(b.a()) || needsIntegers(b.b());
        }
        if (n instanceof Node.Fn f) {
            switch (f.name()) {
                case "fact", "dfact", "binom", "floor", "ceil", "gcd", "lcm":
                    for (Node a : f.args()) {
                        if (!variables(a).isEmpty()) {
                            return true;
                        }
                    }
                    break;
                default:
                    break;
            }
            for (Node a : f.args()) {
                if (needsIntegers(a)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Sample values: fixed, so verdicts are reproducible; varied, so coincidences are unlikely. */
    private static final Rational[] RATIONAL_POINTS = {
        Rational.of(7, 5), Rational.of(-3, 7), Rational.of(13, 4), Rational.of(5, 11), Rational.of(-9, 4),
        Rational.of(17, 6), Rational.of(2, 13), Rational.of(23, 7), Rational.of(-11, 3), Rational.of(31, 9),
        Rational.of(19, 8), Rational.of(-5, 17), Rational.of(29, 10), Rational.of(3, 19)
    };

    private static final long[] INTEGER_POINTS = {3, 7, 4, 9, 5, 11, 6, 13, 8, 10, 12, 2, 15, 14};

    static Val samplePoint(int point, int varIndex, boolean integers) {
        int k = (point * 5 + varIndex * 3) % RATIONAL_POINTS.length;
        return Val.exact(integers ? Rational.of(INTEGER_POINTS[k]) : RATIONAL_POINTS[k]);
    }
}
