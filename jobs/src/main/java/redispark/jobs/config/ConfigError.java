package redispark.jobs.config;

/**
 * A configuration the run cannot use (unknown key, wrong type, out-of-range value), found before any stage runs:
 * the CLI reports it as a usage error (one line, exit code 2).
 */
public final class ConfigError extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ConfigError(String message) {
        super(message);
    }
}
