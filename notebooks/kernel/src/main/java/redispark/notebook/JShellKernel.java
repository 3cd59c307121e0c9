package redispark.notebook;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.UnresolvedReferenceException;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.BaseKernelBuilder;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.display.common.Image;
import org.dflib.jjava.jupyter.kernel.history.HistoryManager;
import org.dflib.jjava.jupyter.kernel.JupyterIO;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.magic.MagicParser;
import org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;

/**
 * A Java kernel for Jupyter: each cell is split into JShell snippets and evaluated in this JVM (JShell's local
 * execution engine), so {@code System.out} reaches the notebook and the kernel's classpath (Spark, redi-spark,
 * XChart) is the cells' classpath. The value of a trailing expression is the cell's result; {@code display(x)}
 * shows images (PNG) and text, as in other Java kernels. A snippet that does not compile or throws fails the cell.
 *
 * <p>Started by Jupyter as {@code java -cp ... redispark.notebook.JShellKernel <connection file>}.
 */
public final class JShellKernel extends BaseKernel {
    private static final String VERSION = "1";
    private final JShell shell;

    private JShellKernel(String name, String version, HistoryManager history, JupyterIO io, CommManager comms,
            MagicParser magics, MagicsRegistry registry, StringStyler errors) {
        super(name, version, new LanguageInfo("java", Runtime.version().toString(), "text/x-java", ".java", "java",
                "java", "java"), List.of(), history, io, comms, renderer(), magics, registry, false, errors);
        shell = JShell.builder().executionEngine("local").build();
        shell.addToClasspath(System.getProperty("java.class.path"));
        evalRaw("import static " + Display.class.getName() + ".display;");
    }

    private static Renderer renderer() {
        Renderer renderer = new Renderer();
        Image.registerAll(renderer);
        return renderer;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: JShellKernel <connection file>");
            System.exit(2);
        }
        KernelConnectionProperties properties = KernelConnectionProperties.parse(Files.readString(Path.of(args[0])));
        JupyterConnection connection = new JupyterConnection(properties);
        JShellKernel kernel = new Builder().name("redi-java").version(VERSION).build();
        kernel.installNotebookKernel(); // what display() finds
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        connection.waitUntilClose();
        kernel.shell.close();
        // Spark and other libraries leave non-daemon threads behind; the kernel is done once Jupyter disconnects.
        System.exit(0);
    }

    @Override
    public Object evalRaw(String code) {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        String remaining = code;
        Object last = null;
        while (!remaining.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            if (info.completeness() == Completeness.EMPTY) {
                break;
            }
            if (!info.completeness().isComplete()) {
                throw new IllegalArgumentException("incomplete code: " + remaining.strip());
            }
            last = evalSnippet(info.source());
            remaining = info.remaining();
        }
        return last;
    }

    /** Evaluates one complete snippet; returns its value when it is an expression, else null. */
    private Object evalSnippet(String source) {
        Object value = null;
        for (SnippetEvent event : shell.eval(source)) {
            if (event.exception() != null) {
                throw failure(event.exception());
            }
            Snippet snippet = event.snippet();
            if (event.status() == Snippet.Status.REJECTED) {
                String diagnostics = shell.diagnostics(snippet).map(d -> describe(d, source))
                        .collect(Collectors.joining("\n"));
                throw new IllegalArgumentException("does not compile:\n" + diagnostics);
            }
            boolean expression = snippet.kind() == Snippet.Kind.EXPRESSION
                    || snippet.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND;
            if (expression && event.causeSnippet() == null) {
                value = event.value();
            }
        }
        return value;
    }

    private static RuntimeException failure(Exception e) {
        String what = e instanceof EvalException eval ? eval.getExceptionClassName()
                : e instanceof UnresolvedReferenceException unresolved
                        ? "unresolved reference " + unresolved.getSnippet().source() : e.getClass().getName();
        RuntimeException failure = new RuntimeException(what + ": " + e.getMessage());
        failure.setStackTrace(e.getStackTrace());
        return failure;
    }

    private static String describe(Diag d, String source) {
        long line = source.substring(0, (int) Math.max(0, Math.min(source.length(), d.getStartPosition())))
                .chars().filter(c -> c == '\n').count() + 1;
        return "  line " + line + ": " + d.getMessage(Locale.ROOT);
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) {
        return null;
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        int[] anchor = new int[1];
        List<String> names = new ArrayList<>();
        shell.sourceCodeAnalysis().completionSuggestions(code, at, anchor)
                .forEach(s -> names.add(s.continuation()));
        return names.isEmpty() ? null : new ReplacementOptions(names, anchor[0], at);
    }

    @Override
    public String isComplete(String code) {
        Completeness c = shell.sourceCodeAnalysis().analyzeCompletion(code).completeness();
        if (c.isComplete() || c == Completeness.EMPTY) {
            return IS_COMPLETE_YES;
        }
        return c == Completeness.UNKNOWN ? IS_COMPLETE_BAD : "    ";
    }

    @Override
    public void onShutdown(boolean restart) {
        shell.close();
    }

    /** Builds the kernel from the library's defaults (its factory methods are protected). */
    static final class Builder extends BaseKernelBuilder<Builder, JShellKernel> {
        @Override
        public JShellKernel build() {
            MagicsRegistry registry = buildMagicsRegistry();
            // Cells are plain Java; magics are not used, but the base kernel wants a parser.
            MagicParser magics = new MagicParser("(?<=(?:^|=))\\s*%", "%%", buildMagicTranspiler());
            return new JShellKernel(buildName(), buildVersion(), buildHistoryManager(),
                    buildJupyterIO(buildJupyterIOEncoding()), buildCommManager(), magics, registry,
                    buildErrorStyler());
        }
    }
}
