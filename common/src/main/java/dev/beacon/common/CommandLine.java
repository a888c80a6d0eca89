package dev.beacon.common;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns a daemon's command line into its {@link Config}, with one name per setting.
 *
 * <p>A flag {@code --tcp-address=H:P} (or {@code --tcp-address H:P}) sets the key
 * {@code <root>.tcp-address}; only keys present in {@code reference.conf} under the root are
 * accepted, so there is no per-flag table to keep in sync. A key whose reference value is a
 * list may be given several times; a boolean key may be given bare ({@code --verbose}).
 *
 * <p>Precedence, lowest to highest: {@code reference.conf} &lt; {@code --config FILE} (HOCON)
 * &lt; {@code -D} system properties / {@code CONFIG_FORCE_*} environment variables &lt; flags.
 */
public final class CommandLine {

  /** What the command line asked for. */
  public sealed interface Result permits Run, Exit {}

  /** Start the daemon with this config. */
  public record Run(Config config) implements Result {}

  /** Print {@code text} to stdout (status 0) or stderr (otherwise) and exit with {@code status}. */
  public record Exit(int status, String text) implements Result {}

  private final String program;
  private final String root;
  private final String version;
  private final Config reference;

  public CommandLine(String program, String root, String version) {
    this.program = program;
    this.root = root;
    this.version = version;
    this.reference = ConfigFactory.defaultReference();
  }

  /** Parses {@code args}; never exits the JVM itself. */
  public Result parse(String[] args) {
    Map<String, Object> flags = new LinkedHashMap<>();
    String configFile = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        return usageError("unexpected argument '" + arg + "'");
      }
      String name = arg.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      switch (name) {
        case "help", "h" -> { return new Exit(ExitCodes.OK, help()); }
        case "version" -> { return new Exit(ExitCodes.OK, program + " v" + version); }
        default -> { }
      }
      String key = root + "." + name;
      boolean known = name.equals("config") || hasReferencePath(key);
      if (!known) {
        return usageError("unknown flag --" + name);
      }
      ConfigValueType type = name.equals("config") ? ConfigValueType.STRING : reference.getValue(key).valueType();
      if (value == null) {
        boolean nextIsValue = i + 1 < args.length && !args[i + 1].startsWith("--");
        if (type == ConfigValueType.BOOLEAN && !(nextIsValue && isBoolean(args[i + 1]))) {
          value = "true";
        } else if (nextIsValue || (i + 1 < args.length && type != ConfigValueType.BOOLEAN)) {
          value = args[++i];
        } else {
          return usageError("flag --" + name + " needs a value");
        }
      }
      if (name.equals("config")) {
        configFile = value;
      } else if (type == ConfigValueType.LIST) {
        @SuppressWarnings("unchecked")
        List<String> list = (List<String>) flags.computeIfAbsent(key, k -> new ArrayList<String>());
        for (String part : value.split(",")) {
          if (!part.isBlank()) {
            list.add(part.trim());
          }
        }
      } else {
        flags.put(key, value);
      }
    }
    try {
      Config file = ConfigFactory.empty();
      if (configFile != null) {
        File f = new File(configFile);
        if (!f.canRead()) {
          return new Exit(ExitCodes.BAD_SETTING, program + ": cannot read config file " + configFile);
        }
        file = ConfigFactory.parseFile(f, ConfigParseOptions.defaults().setAllowMissing(false));
      }
      Config config = ConfigFactory.parseMap(flags, "command line")
          .withFallback(ConfigFactory.defaultOverrides())
          .withFallback(file)
          .withFallback(reference)
          .resolve();
      config.checkValid(reference, root);
      checkUnits(config);
      return new Run(config);
    } catch (ConfigException e) {
      return new Exit(ExitCodes.BAD_SETTING, program + ": bad configuration: " + e.getMessage());
    }
  }

  /**
   * checkValid compares only value types, and a duration or a size is a string; so a key whose
   * reference value reads as a duration (or a size) must read as one in the final config too.
   */
  private void checkUnits(Config config) {
    for (Map.Entry<String, ConfigValue> e : reference.getConfig(root).entrySet()) {
      String key = root + "." + e.getKey();
      if (e.getValue().valueType() != ConfigValueType.STRING) {
        continue;
      }
      if (succeeds(() -> reference.getDuration(key))) {
        config.getDuration(key);
      } else if (succeeds(() -> reference.getBytes(key))) {
        config.getBytes(key);
      }
    }
  }

  private static boolean succeeds(Runnable r) {
    try {
      r.run();
      return true;
    } catch (ConfigException e) {
      return false;
    }
  }

  private boolean hasReferencePath(String key) {
    try {
      return reference.hasPathOrNull(key) && !reference.getValue(key).valueType().equals(ConfigValueType.OBJECT);
    } catch (ConfigException e) {
      return false;
    }
  }

  private static boolean isBoolean(String s) {
    return s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false");
  }

  private Exit usageError(String message) {
    return new Exit(ExitCodes.USAGE, program + ": " + message + " (see --help)");
  }

  /** One line per setting: the flag, its reference default, and the comment above it in reference.conf. */
  public String help() {
    StringBuilder sb = new StringBuilder();
    sb.append("Usage: java -jar ").append(program).append(".jar [--flag=value | --flag value] ...\n\n");
    sb.append("  --config FILE   HOCON file layered over the defaults (keys under '").append(root).append("')\n");
    sb.append("  --help          this text\n");
    sb.append("  --version       print the version\n\n");
    Config section = reference.getConfig(root);
    List<String> keys = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : section.entrySet()) {
      keys.add(e.getKey());
    }
    keys.sort(null);
    for (String k : keys) {
      ConfigValue v = section.getValue(k);
      String def = v.render(ConfigRenderOptions.concise());
      sb.append("  --").append(k).append(" (default ").append(def).append(")\n");
      List<String> comments = v.origin().comments();
      for (String c : comments) {
        String line = c.strip();
        if (!line.isEmpty()) {
          sb.append("        ").append(line).append('\n');
        }
      }
    }
    sb.append("\nEvery flag is also the config key ").append(root).append(".<flag> (file, -D or CONFIG_FORCE_ env).\n");
    return sb.toString();
  }

  /** The version from the jar manifest, or {@code fallback} when run from classes. */
  public static String versionOf(Class<?> cls, String fallback) {
    String v = cls.getPackage() == null ? null : cls.getPackage().getImplementationVersion();
    return Objects.requireNonNullElse(v, fallback);
  }
}
