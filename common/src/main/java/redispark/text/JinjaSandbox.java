package redispark.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.ext.JinjavaListELResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.util.ForLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;
import jinjava.javax.el.MapELResolver;

/**
 * Jinjava set up to render untrusted chat templates as transformers does ({@code trim_blocks}, {@code
 * lstrip_blocks}, an immutable sandbox, {@code raise_exception}, its {@code tojson}), and no further: no template
 * can be loaded ({@code include}, {@code import}, {@code from}, {@code extends} fail), nothing can be called but the
 * string and dict methods of {@link PythonValues}, attributes are read only from dicts, lists and {@code loop}, and
 * a render stops with an error past its time or output budget.
 */
final class JinjaSandbox {

    /** Rendering budget: wall time and characters of output (and of any one string built on the way). */
    record Limits(Duration renderTime, int maxOutputChars) {
        static final Limits DEFAULT = new Limits(Duration.ofSeconds(5), 4 << 20);
    }

    /** The error of a template that cannot be rendered, with the reason it gave or that the sandbox found. */
    static final class TemplateFailure extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        TemplateFailure(String message) {
            super(message);
        }
    }

    private static final ThreadLocal<Long> DEADLINE = new ThreadLocal<>();

    private final Jinjava jinjava;
    private final Limits limits;

    JinjaSandbox(Limits limits) {
        this.limits = limits;
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                // otherwise Jinjava renders "{{ ... }}" found inside a problem or response again
                .withNestedInterpretationEnabled(false)
                .withElResolver(resolver())
                .withMaxOutputSize(limits.maxOutputChars())
                .withMaxStringLength(limits.maxOutputChars())
                .withMaxListSize(100_000)
                .withMaxMapSize(100_000)
                .withRangeLimit(100_000)
                .withNodePreProcessor((node, interpreter) -> checkDeadline())
                .build());
        jinjava.setResourceLocator((name, charset, interpreter) -> {
            throw new java.io.IOException("a chat template cannot load other templates ('" + name + "')");
        });
        var context = jinjava.getGlobalContext();
        context.registerFunction(
                new ELFunctionDefinition("", "raise_exception", JinjaSandbox.class, "raiseException", String.class));
        context.registerFilter(new ToJson());
        context.registerFilter(new Slice());
    }

    /** Renders {@code template} (already {@link JinjaSyntax#rewrite rewritten}) with plain values. */
    String render(String template, Map<String, Object> variables) {
        Long outer = DEADLINE.get();
        DEADLINE.set(System.nanoTime() + limits.renderTime().toNanos());
        RenderResult r;
        try {
            r = jinjava.renderForResult(template, variables);
        } finally {
            if (outer == null) {
                DEADLINE.remove();
            } else {
                DEADLINE.set(outer);
            }
        }
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new TemplateFailure("chat template failed: " + reason(e)
                        + (e.getLineno() > 0 ? " (line " + e.getLineno() + ")" : ""));
            }
        }
        return r.getOutput();
    }

    /** The message without Jinjava's wrapping: our own exceptions' messages as they were thrown. */
    private static String reason(TemplateError e) {
        Throwable t = e.getException();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TemplateRaised || c instanceof IllegalArgumentException || c instanceof Timeout) {
                return c.getMessage();
            }
        }
        String m = e.getMessage() == null ? String.valueOf(e.getReason()) : e.getMessage();
        return m.replaceFirst("^InterpretException: ", "").replaceFirst("^OutputTooBigException: ", "output too big: ");
    }

    private void checkDeadline() {
        Long deadline = DEADLINE.get();
        if (deadline != null && System.nanoTime() > deadline) {
            throw new Timeout(
                    "rendering took longer than " + limits.renderTime().toMillis() + " ms (a loop that does not end?)");
        }
    }

    private static final class Timeout extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Timeout(String message) {
            super(message);
        }
    }

    /** What {@code raise_exception(message)} throws: the template's own refusal of its input. */
    static final class TemplateRaised extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRaised(String message) {
            super("the template raised: " + message);
        }
    }

    public static Object raiseException(String message) {
        throw new TemplateRaised(message);
    }

    /** transformers' {@code tojson}: {@code json.dumps(x, ensure_ascii=False, indent=indent)}. */
    private static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
            return PythonValues.toJson(var, indent == null ? null : ((Number) indent).intValue());
        }
    }

    /** {@code value[start:stop:step]} of a list or string, with Python's rules for negative and missing bounds. */
    private static final class Slice implements Filter {
        @Override
        public String getName() {
            return JinjaSyntax.SLICE_FILTER;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            throw new IllegalStateException("called with arguments");
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            List<?> items = var instanceof CharSequence s
                    ? s.toString()
                            .chars()
                            .mapToObj(c -> String.valueOf((char) c))
                            .toList()
                    : var instanceof List<?> l ? l : null;
            if (items == null) {
                throw new IllegalArgumentException("cannot slice " + PythonValues.typeName(var));
            }
            int n = items.size();
            long step = args.length > 2 && args[2] != null ? ((Number) args[2]).longValue() : 1;
            if (step == 0) {
                throw new IllegalArgumentException("slice step cannot be zero");
            }
            long start = bound(args.length > 0 ? args[0] : null, n, step, true);
            long stop = bound(args.length > 1 ? args[1] : null, n, step, false);
            List<Object> out = new ArrayList<>();
            for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
                out.add(items.get((int) i));
            }
            if (var instanceof CharSequence) {
                StringBuilder sb = new StringBuilder();
                out.forEach(sb::append);
                return sb.toString();
            }
            return out;
        }

        private static long bound(Object value, int n, long step, boolean start) {
            if (value == null) {
                return step > 0 ? (start ? 0 : n) : (start ? n - 1 : -1);
            }
            long v = ((Number) value).longValue();
            if (v < 0) {
                v += n;
                if (v < 0) {
                    v = step > 0 ? 0 : -1;
                }
            } else if (v >= n) {
                v = step > 0 ? n : n - 1;
            }
            return v;
        }
    }

    /** Reads dicts, lists and {@code loop}; calls only {@link PythonValues#call}; writes nothing but namespaces. */
    private static ELResolver resolver() {
        CompositeELResolver all = new CompositeELResolver();
        all.add(new SandboxResolver());
        all.add(new MapELResolver(false)); // writable: {% set ns.x = ... %} on a namespace
        all.add(new JinjavaListELResolver(true));
        return all;
    }

    /** Jinjava's own resolver, for the objects Jinjava itself calls (never one a template is given). */
    private static final ELResolver JINJAVA =
            com.hubspot.jinjava.el.JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY;

    /** How Jinjava applies filters and tests: objects of its own, which a template cannot name or be given. */
    private static boolean jinjavasOwn(Object base) {
        return base instanceof JinjavaInterpreter || base instanceof com.hubspot.jinjava.lib.Importable;
    }

    private static final class SandboxResolver extends ELResolver {
        @Override
        public Object getValue(ELContext context, Object base, Object property) {
            if (base == null || base instanceof Map || base instanceof List) {
                return null; // the next resolvers read dicts and lists
            }
            if (jinjavasOwn(base)) {
                Object v = JINJAVA.getValue(context, base, property);
                context.setPropertyResolved(true);
                return v;
            }
            context.setPropertyResolved(true);
            if (base instanceof ForLoop loop) {
                return switch (String.valueOf(property)) {
                    case "index" -> loop.getIndex();
                    case "index0" -> loop.getIndex0();
                    case "revindex" -> loop.getRevindex();
                    case "revindex0" -> loop.getRevindex0();
                    case "first" -> loop.isFirst();
                    case "last" -> loop.isLast();
                    case "length" -> loop.getLength();
                    case "depth" -> loop.getDepth();
                    case "depth0" -> loop.getDepth0();
                    default -> throw new ELException("loop has no attribute '" + property + "'");
                };
            }
            if (base instanceof CharSequence) {
                return null; // str has no attributes a template reads; undefined, as in Jinja2
            }
            throw new ELException("reading '" + property + "' of " + PythonValues.typeName(base)
                    + " is not allowed in a chat template");
        }

        @Override
        public Object invoke(ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
            if (base == null) {
                return null;
            }
            if (jinjavasOwn(base)) {
                Object v = JINJAVA.invoke(context, base, method, types, params);
                context.setPropertyResolved(true);
                return v;
            }
            context.setPropertyResolved(true);
            Object value = base instanceof CharSequence cs ? cs.toString() : base;
            try {
                return PythonValues.call(value, String.valueOf(method), params == null ? new Object[0] : params);
            } catch (IllegalArgumentException e) {
                throw new ELException(e.getMessage(), e);
            }
        }

        @Override
        public Class<?> getType(ELContext context, Object base, Object property) {
            return null;
        }

        @Override
        public void setValue(ELContext context, Object base, Object property, Object value) {
            if (base != null && !(base instanceof Map) && !(base instanceof List)) {
                context.setPropertyResolved(true);
                throw new ELException("a chat template cannot change " + PythonValues.typeName(base));
            }
        }

        @Override
        public boolean isReadOnly(ELContext context, Object base, Object property) {
            return false;
        }

        @Override
        public java.util.Iterator<java.beans.FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
            return null;
        }

        @Override
        public Class<?> getCommonPropertyType(ELContext context, Object base) {
            return Object.class;
        }
    }
}
