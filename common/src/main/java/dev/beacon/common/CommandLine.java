package dev.beacon.common;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns a daemon's command line into its {@link Config}, with one name per setting.
 *
 * <p>A flag {@code -tcp-address=H:P} ({@code -tcp-address H:P}, {@code --tcp-address=H:P},
 * {@code --tcp-address H:P}) sets the key {@code <root>.tcp-address}; only keys present in
 * {@code reference.conf} under the root are accepted, so there is no per-flag table to keep in
 * sync. A key whose reference value is a list may be given several times; a boolean key is given
 * bare ({@code -verbose}) or with {@code =true}/{@code =false}, as Go's flag package has it.
 *
 * <p>Precedence, lowest to highest: {@code reference.conf} &lt; {@code --config FILE} (HOCON, or
 * TOML as nsqlookupd reads it: see {@link ConfigFiles}) &lt; {@code -D} system properties /
 * {@code CONFIG_FORCE_*} environment variables &lt; flags.
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

  /**
   * Parses {@code args} as Go's flag package does, so nsqd's and nsqlookupd's command lines work
   * unchanged: {@code -flag=value}, {@code -flag value}, {@code --flag=value} and
   * {@code --flag value}; a boolean flag is set by {@code -flag} alone or {@code -flag=false} and
   * never takes the next argument; {@code --} ends the flags. Unlike Go, an argument that is not a
   * flag is refused rather than silently ending the flags. Never exits the JVM itself.
   */
  public Result parse(String[] args) {
    Map<String, Object> flags = new LinkedHashMap<>();
    String configFile = null;
    boolean showVersion = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.length() < 2 || arg.charAt(0) != '-') {
        return usageError("unexpected argument '" + arg + "'");
      }
      int minuses = arg.charAt(1) == '-' ? 2 : 1;
      if (arg.equals("--")) {
        if (i + 1 < args.length) {
          return usageError("unexpected argument '" + args[i + 1] + "'");
        }
        break;
      }
      String dashes = arg.substring(0, minuses);
      String name = arg.substring(minuses);
      if (name.isEmpty() || name.charAt(0) == '-' || name.charAt(0) == '=') {
        return usageError("bad flag syntax: " + arg);
      }
      String value = null;
      int eq = name.indexOf('=', 1);
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      String flag = dashes + name;
      if (name.equals("help") || name.equals("h")) {
        return new Exit(ExitCodes.OK, help());
      }
      String key = root + "." + name;
      boolean known = name.equals("config") || name.equals("version") || hasReferencePath(key);
      if (!known) {
        return usageError("unknown flag " + flag);
      }
      boolean bool = name.equals("version") || (!name.equals("config") && reference.getValue(key).valueType() == ConfigValueType.BOOLEAN);
      Object parsed;
      if (bool) {
        // Go: a boolean flag never consumes the next argument
        Boolean b = value == null ? Boolean.TRUE : goBool(value);
        if (b == null) {
          return usageError("invalid boolean value \"" + value + "\" for " + flag);
        }
        parsed = b;
      } else {
        if (value == null) {
          if (i + 1 >= args.length) {
            return usageError("flag needs an argument: " + flag);
          }
          value = args[++i];
        }
        parsed = value;
        if (!name.equals("config") && ConfigFiles.isDuration(reference, key)) {
          // Go's flag package parses a duration flag as it reads it: a bad one is a usage error (exit 2)
          try {
            Durations.get(ConfigFactory.parseMap(Map.of(key, value), "command line"), key);
          } catch (ConfigException e) {
            return usageError("invalid value \"" + value + "\" for flag " + flag + " (expected " + Durations.ACCEPTED + ")");
          }
        }
      }
      if (name.equals("version")) {
        showVersion = (Boolean) parsed;
      } else if (name.equals("config")) {
        configFile = value;
      } else if (reference.getValue(key).valueType() == ConfigValueType.LIST) {
        @SuppressWarnings("unchecked")
        List<String> list = (List<String>) flags.computeIfAbsent(key, k -> new ArrayList<String>());
        for (String part : value.split(",")) {
          if (!part.isBlank()) {
            list.add(part.trim());
          }
        }
      } else {
        flags.put(key, parsed);
      }
    }
    if (showVersion) {
      return new Exit(ExitCodes.OK, program + " v" + version);
    }
    try {
      Config file = ConfigFactory.empty();
      if (configFile != null) {
        try {
          file = new ConfigFiles(root, reference).load(Path.of(configFile));
        } catch (ConfigFiles.BadFile e) {
          return new Exit(ExitCodes.BAD_SETTING, program + ": " + e.getMessage());
        } catch (InvalidPathException e) {
          return new Exit(ExitCodes.BAD_SETTING, program + ": cannot read config file " + configFile + ": " + e.getMessage());
        }
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

  /** Go's strconv.ParseBool, which the flag package and nsqlookupd's config use; null when it is not a boolean. */
  static Boolean goBool(String s) {
    return switch (s) {
      case "1", "t", "T", "TRUE", "true", "True" -> Boolean.TRUE;
      case "0", "f", "F", "FALSE", "false", "False" -> Boolean.FALSE;
      default -> null;
    };
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
      if (succeeds(() -> Durations.get(reference, key))) {
        Durations.get(config, key);
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
    sb.append("Usage: java -jar ").append(program).append(".jar [-flag=value | -flag value | --flag=value | --flag value] ...\n\n");
    sb.append("  --config FILE   config file layered under the flags: HOCON (keys under '").append(root)
        .append("'), or TOML with the flag names\n");
    sb.append("                  written with underscores (tcp_address = \"...\"), as nsqlookupd reads it\n");
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
    sb.append("Durations take Go's syntax (1m30s, 5m0s, 1.5h, 300ms, 0) or HOCON's (300s, 5 minutes).\n");
    sb.append("Boolean flags are given alone (-verbose) or as -verbose=false.\n");
    return sb.toString();
  }

  /** The version from the jar manifest, or {@code fallback} when run from classes. */
  public static String versionOf(Class<?> cls, String fallback) {
    String v = cls.getPackage() == null ? null : cls.getPackage().getImplementationVersion();
    return Objects.requireNonNullElse(v, fallback);
  }
}
