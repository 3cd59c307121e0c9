package redispark.teacher.openai;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;

/** Captures everything one logger writes, down to TRACE, as text (message plus stack trace). */
final class LogCapture implements AutoCloseable {

    private final Logger logger;
    private final Level previous;
    private final boolean previousAdditive;
    private final Appender appender = new Appender();

    LogCapture(Class<?> type) {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        logger = ctx.getLogger(type.getName());
        previous = logger.getLevel();
        previousAdditive = logger.isAdditive();
        appender.start();
        logger.addAppender(appender);
        // Through the configuration, not Logger.setLevel: a second capture's appender update would reset that.
        Configurator.setLevel(logger.getName(), Level.TRACE);
        // Keep the TRACE lines out of the console while capturing.
        logger.setAdditive(false);
    }

    List<String> lines() {
        synchronized (appender.lines) {
            return List.copyOf(appender.lines);
        }
    }

    @Override
    public void close() {
        logger.removeAppender(appender);
        Configurator.setLevel(logger.getName(), previous);
        logger.setAdditive(previousAdditive);
        appender.stop();
    }

    private static final class Appender extends AbstractAppender {
        final List<String> lines = new ArrayList<>();

        Appender() {
            super("capture", null, null, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            StringBuilder sb = new StringBuilder(event.getMessage().getFormattedMessage());
            if (event.getThrown() != null) {
                StringWriter w = new StringWriter();
                event.getThrown().printStackTrace(new PrintWriter(w));
                sb.append('\n').append(w);
            }
            synchronized (lines) {
                lines.add(sb.toString());
            }
        }
    }
}
