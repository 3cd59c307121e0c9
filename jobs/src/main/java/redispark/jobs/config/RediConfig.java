package redispark.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.File;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import redispark.jobs.run.Hashes;

/**
 * The resolved configuration of a run: the embedded defaults ({@code conf/local.conf}, packed into the jar as
 * {@code redispark/conf/local.conf}), then an optional environment file, then {@code --set key=value} overrides.
 *
 * <p>The defaults are the schema: any key of a file or override that the defaults do not have is an error naming
 * the key, so a typo never silently falls back to a default.
 */
public final class RediConfig implements Serializable {
    public static final String DEFAULTS_RESOURCE = "redispark/conf/local.conf";

    private final String rendered;
    private transient Config config;

    private RediConfig(Config config) {
        this.config = config;
        this.rendered = config.root().render(ConfigRenderOptions.concise());
    }

    public static RediConfig defaults() {
        return load(null, List.of());
    }

    /**
     * @param file an environment file such as {@code conf/cluster.conf}, or null
     * @param overrides {@code key=value} strings; the value is HOCON ({@code 0.8}, {@code "a b"}, {@code [x, y]})
     */
    public static RediConfig load(File file, List<String> overrides) {
        Config defaults = defaultsConfig();
        Config merged = defaults;
        if (file != null) {
            if (!file.isFile()) {
                throw new ConfigError("config file not found: " + file);
            }
            Config env = ConfigFactory.parseFile(file);
            requireKnownKeys(env, defaults, file.getPath());
            merged = env.withFallback(merged);
        }
        return overridden(merged, defaults, overrides);
    }

    /** This config with more {@code key=value} overrides on top (e.g. one run of an experiment). */
    public RediConfig withOverrides(List<String> overrides) {
        return overridden(raw(), defaultsConfig(), overrides);
    }

    private static Config defaultsConfig() {
        return ConfigFactory.parseResources(
                RediConfig.class.getClassLoader(),
                DEFAULTS_RESOURCE,
                ConfigParseOptions.defaults().setAllowMissing(false));
    }

    private static RediConfig overridden(Config base, Config schema, List<String> overrides) {
        Config merged = base;
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new ConfigError("--set expects key=value, got '" + override + "'");
            }
            String key = override.substring(0, eq).trim();
            Config one;
            try {
                one = ConfigFactory.parseString(key + " = " + urlAsString(override.substring(eq + 1)));
            } catch (ConfigException e) {
                throw new ConfigError("--set " + override + ": " + e.getMessage());
            }
            requireKnownKeys(one, schema, "--set");
            merged = one.withFallback(merged);
        }
        try {
            return new RediConfig(merged.resolve());
        } catch (ConfigException e) {
            throw new ConfigError("config: " + e.getMessage());
        }
    }

    /**
     * A bare URL ({@code http://host/v1}, {@code s3a://bucket/dir}) quoted: unquoted, HOCON would read its {@code //}
     * as the start of a comment and keep only {@code http:}. Anything else is left to HOCON as written.
     */
    static String urlAsString(String value) {
        String v = value.strip();
        return v.matches("[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"\\\\]*") ? "\"" + v + "\"" : value;
    }

    private static void requireKnownKeys(Config candidate, Config schema, String origin) {
        for (Map.Entry<String, ConfigValue> e : candidate.entrySet()) {
            String key = e.getKey();
            if (!schema.hasPath(key) && !underFreeForm(key, schema)) {
                throw new ConfigError("unknown config key '" + key + "' (from " + origin
                        + "); known keys are listed in conf/local.conf");
            }
            if (schema.hasPath(key) && !wordForNumber(key, e.getValue())) {
                String wrong = typeMismatch(e.getValue(), schema.getValue(key));
                if (wrong != null) {
                    throw new ConfigError(key + " = " + e.getValue().render(ConfigRenderOptions.concise()) + " (from "
                            + origin + "): " + wrong);
                }
            }
        }
    }

    /**
     * Why {@code given} cannot stand where conf/local.conf has {@code expected}, or null when it can: the same kind
     * of value (number, boolean, list, object; anything scalar for a string). Whether a number must be whole is
     * left to the typed read of its setting (HOCON stores 1.0 as the integer 1).
     */
    static String typeMismatch(ConfigValue given, ConfigValue expected) {
        Object value = given.unwrapped();
        String shown = expected.render(ConfigRenderOptions.concise());
        switch (expected.valueType()) {
            case NUMBER -> {
                Number n = value instanceof Number num ? num : parseNumber(value);
                return n == null ? "expected a number (the default is " + shown + ")" : null;
            }
            case BOOLEAN -> {
                boolean ok = value instanceof Boolean
                        || (value instanceof String s && (s.equals("true") || s.equals("false")));
                return ok ? null : "expected true or false (the default is " + shown + ")";
            }
            case LIST -> {
                return given.valueType() == ConfigValueType.LIST
                        ? null
                        : "expected a list such as [a, b] (the default is " + shown + ")";
            }
            case OBJECT -> {
                return given.valueType() == ConfigValueType.OBJECT
                        ? null
                        : "expected a section { ... } (the default is " + shown + ")";
            }
            default -> {
                return given.valueType() == ConfigValueType.LIST || given.valueType() == ConfigValueType.OBJECT
                        ? "expected a single value (the default is " + shown + ")"
                        : null;
            }
        }
    }

    /** Numeric keys that also take a word, as conf/local.conf documents them: {@code problems.count = "all"}. */
    private static final Map<String, java.util.Set<String>> NUMBER_WORDS =
            Map.of("problems.count", java.util.Set.of("all"));

    private static boolean wordForNumber(String key, ConfigValue value) {
        return value.unwrapped() instanceof String s
                && NUMBER_WORDS
                        .getOrDefault(key, java.util.Set.of())
                        .contains(s.strip().toLowerCase(java.util.Locale.ROOT));
    }

    private static Number parseNumber(Object value) {
        if (value instanceof String s) {
            try {
                return Double.parseDouble(s.strip());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /**
     * Keys under an object whose default is empty ({@code spark.extra {}}) are free-form, and so are your own
     * recipes under {@code train.presets}.
     */
    private static boolean underFreeForm(String key, Config schema) {
        if (key.startsWith("train.presets.")) {
            return true;
        }
        List<String> elements = ConfigUtil.splitPath(key);
        for (int n = elements.size() - 1; n >= 1; n--) {
            String prefix = ConfigUtil.joinPath(elements.subList(0, n));
            if (schema.hasPath(prefix) && schema.getValue(prefix) instanceof ConfigObject o && o.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /**
     * This config cut down to {@code paths} (sub-trees or single keys): a stage's settings record is read from it, so
     * it cannot depend on a key outside the ones its rerun hash covers (reading one is a missing-key error).
     */
    public RediConfig only(List<String> paths) {
        Config cut = ConfigFactory.empty();
        for (String path : paths) {
            if (raw().hasPath(path)) {
                cut = cut.withValue(path, raw().getValue(path));
            }
        }
        return new RediConfig(cut);
    }

    /**
     * A one-line error for a value of the right type that the setting cannot take: {@code key = value (from where):
     * problem}.
     */
    public ConfigError invalid(String path, String problem) {
        ConfigValue value = raw().getValue(path);
        String from = value.origin().filename() != null
                ? value.origin().filename()
                : value.origin().resource() != null ? "conf/local.conf" : "--set";
        return new ConfigError(
                path + " = " + value.render(ConfigRenderOptions.concise()) + " (from " + from + "): " + problem);
    }

    public Config raw() {
        if (config == null) {
            config = ConfigFactory.parseString(rendered).resolve();
        }
        return config;
    }

    public String getString(String path) {
        return raw().getString(path);
    }

    /** The whole number at {@code path}; a fraction is an error naming the key (the typed read would truncate it). */
    public int getInt(String path) {
        return Math.toIntExact(getLong(path));
    }

    public long getLong(String path) {
        double v = raw().getNumber(path).doubleValue();
        if (v != Math.rint(v) || Double.isInfinite(v)) {
            throw new ConfigError(path + " = " + raw().getValue(path).render(ConfigRenderOptions.concise())
                    + ": expected a whole number");
        }
        return raw().getLong(path);
    }

    public double getDouble(String path) {
        return raw().getDouble(path);
    }

    public List<String> getStringList(String path) {
        return raw().getStringList(path);
    }

    /** A stable hash of the sub-trees a stage depends on: a stage reruns when any of them changes. */
    public String hash(String... paths) {
        StringBuilder canonical = new StringBuilder();
        for (String path : new TreeSet<>(List.of(paths))) {
            canonical.append(path).append('=');
            if (raw().hasPath(path)) {
                canonical.append(raw().getValue(path)
                        .render(ConfigRenderOptions.concise().setJson(true)));
            }
            canonical.append('\n');
        }
        return Hashes.sha256(canonical.toString()).substring(0, 16);
    }

    /** The whole resolved config as JSON, for run records. */
    public String toJson() {
        return raw().root().render(ConfigRenderOptions.concise().setJson(true).setFormatted(true));
    }
}
