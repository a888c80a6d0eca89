package dev.beacon.common;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a {@code --config} file: HOCON (Beacon's own, {@code lookupd { tcp-address = ... }}) or
 * TOML as nsqd and nsqlookupd take it (top-level keys that are the flag names with underscores,
 * {@code tcp_address = "0.0.0.0:4160"}). A key that names no setting is an error naming the key and
 * the file: a misspelt key never leaves a daemon silently on its default.
 *
 * <p>The format comes from the extension ({@code .toml}; {@code .conf}, {@code .hocon},
 * {@code .json}, {@code .properties}) or else from the content: a file that parses as TOML and has
 * no top-level {@code <root>} key is TOML ({@code nsqlookupd.cfg}), anything else is HOCON.
 */
final class ConfigFiles {

  /** A config file that cannot be used; the message is one line naming the file. */
  static final class BadFile extends Exception {
    BadFile(String message) {
      super(message, null, false, false);
    }
  }

  private final String root;
  private final Config reference;

  ConfigFiles(String root, Config reference) {
    this.root = root;
    this.reference = reference;
  }

  Config load(Path file) throws BadFile {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new BadFile("cannot read config file " + file + ": " + e.getMessage());
    }
    String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".toml")) {
      JsonNode toml;
      try {
        toml = parseToml(file, text);
      } catch (BadFile e) {
        throw new BadFile("cannot parse config file " + file + " as TOML: " + e.getMessage());
      }
      return fromToml(file, toml);
    }
    if (name.endsWith(".conf") || name.endsWith(".hocon") || name.endsWith(".json") || name.endsWith(".properties")) {
      return fromHocon(file);
    }
    JsonNode toml;
    try {
      toml = parseToml(file, text);
    } catch (BadFile tomlError) {
      Config hocon;
      try {
        hocon = parseHocon(file);
      } catch (BadFile hoconError) {
        throw new BadFile("cannot parse config file " + file + " as TOML (" + tomlError.getMessage()
            + ") or as HOCON (" + hoconError.getMessage() + ")");
      }
      return checkHocon(file, hocon);
    }
    return toml.has(root) ? fromHocon(file) : fromToml(file, toml);
  }

  // ---- HOCON ----

  private Config fromHocon(Path file) throws BadFile {
    return checkHocon(file, parseHocon(file));
  }

  private static Config parseHocon(Path file) throws BadFile {
    try {
      // parseFile picks the syntax from the extension (HOCON when it has none) and resolves includes next to the file
      return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (ConfigException e) {
      throw new BadFile(oneLine(e.getMessage()));
    }
  }

  private Config checkHocon(Path file, Config config) throws BadFile {
    List<String> unknown = new ArrayList<>();
    collectUnknown(config.root(), new ArrayList<>(), unknown);
    if (!unknown.isEmpty()) {
      throw new BadFile(unknownMessage(unknown, file, null));
    }
    return config;
  }

  /** Every path in the file that reference.conf does not have (a value under an unknown object is reported once, by its object). */
  private void collectUnknown(ConfigObject object, List<String> prefix, List<String> unknown) {
    for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
      List<String> path = new ArrayList<>(prefix);
      path.add(e.getKey());
      String key = ConfigUtil.joinPath(path);
      boolean ours = path.get(0).equals(root);
      if (!ours || !referenceHas(key)) {
        unknown.add(key);
      } else if (e.getValue() instanceof ConfigObject child) {
        if (referenceIsObject(key)) {
          collectUnknown(child, path, unknown);
        } else {
          // checkValid lets an object stand where reference.conf has a string: its keys name no setting
          for (String k : child.keySet()) {
            List<String> sub = new ArrayList<>(path);
            sub.add(k);
            unknown.add(ConfigUtil.joinPath(sub));
          }
        }
      }
      // a plain value where reference.conf has an object is checkValid's type error
    }
  }

  private boolean referenceHas(String key) {
    try {
      return reference.hasPathOrNull(key);
    } catch (ConfigException e) {
      return false;
    }
  }

  private boolean referenceIsObject(String key) {
    return reference.getValue(key).valueType() == ConfigValueType.OBJECT;
  }

  // ---- TOML ----

  private static JsonNode parseToml(Path file, String text) throws BadFile {
    try {
      return new TomlMapper().readTree(text);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new BadFile(oneLine(e.getOriginalMessage()) + where);
    }
  }

  /**
   * Maps a TOML document onto settings as nsqlookupd's option resolution does: key {@code a_b} is
   * the flag {@code --a-b}; a duration is a Go duration string or an integer of milliseconds; a
   * list is a TOML array or a comma-separated string. Tables map to nested settings
   * ({@code [auth] token = ...} is {@code --auth.token}).
   */
  private Config fromToml(Path file, JsonNode doc) throws BadFile {
    Map<String, Object> settings = new LinkedHashMap<>();
    List<String> unknown = new ArrayList<>();
    List<String> suggestions = new ArrayList<>();
    tomlTable(file, doc, "", settings, unknown, suggestions);
    if (!unknown.isEmpty()) {
      throw new BadFile(unknownMessage(unknown, file, suggestions.isEmpty() ? null : suggestions));
    }
    return ConfigFactory.parseMap(settings, file.toString());
  }

  private void tomlTable(Path file, JsonNode table, String prefix, Map<String, Object> settings,
      List<String> unknown, List<String> suggestions) throws BadFile {
    for (Iterator<Map.Entry<String, JsonNode>> it = table.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String tomlKey = prefix + e.getKey();
      String setting = tomlKey.replace('_', '-');
      String key = root + "." + setting;
      JsonNode value = e.getValue();
      // go-options maps only underscores to the flags' dashes, so a dashed TOML key names no setting
      if (tomlKey.contains("-") || !referenceHas(key)) {
        unknown.add(tomlKey);
        if (tomlKey.contains("-") && referenceHas(root + "." + tomlKey)) {
          suggestions.add(tomlKey.replace('-', '_'));
        }
        continue;
      }
      if (value.isObject() && referenceIsObject(key)) {
        tomlTable(file, value, tomlKey + ".", settings, unknown, suggestions);
        continue;
      }
      settings.put(key, tomlValue(file, tomlKey, key, value));
    }
  }

  private Object tomlValue(Path file, String tomlKey, String key, JsonNode value) throws BadFile {
    ConfigValue ref = reference.getValue(key);
    if (isDuration(key)) {
      if (value.isTextual()) {
        // go-options hands a string to time.ParseDuration, so "300" (no unit) is refused as nsqlookupd refuses it
        try {
          Durations.parseGo(value.textValue());
        } catch (IllegalArgumentException e) {
          throw new BadFile("bad value for " + tomlKey + " in config file " + file + ": " + e.getMessage()
              + " (a Go duration such as \"1m30s\", or an integer of milliseconds)");
        }
        return value.textValue();
      }
      if (value.isIntegralNumber() && value.canConvertToLong()) {
        return value.longValue() + "ms"; // go-options: an integer duration is milliseconds
      }
      throw new BadFile("bad value for " + tomlKey + " in config file " + file
          + ": expected a Go duration string such as \"1m30s\" or an integer of milliseconds");
    }
    switch (ref.valueType()) {
      case BOOLEAN -> {
        if (value.isBoolean()) {
          return value.booleanValue();
        }
        if (value.isTextual()) {
          Boolean b = CommandLine.goBool(value.textValue());
          if (b != null) {
            return b;
          }
        }
        throw new BadFile("bad value for " + tomlKey + " in config file " + file + ": expected true or false");
      }
      case LIST -> {
        List<Object> list = new ArrayList<>();
        if (value.isArray()) {
          for (JsonNode item : value) {
            list.add(scalar(file, tomlKey, item));
          }
        } else if (value.isTextual()) {
          for (String part : value.textValue().split(",")) {
            if (!part.isBlank()) {
              list.add(part.trim());
            }
          }
        } else {
          throw new BadFile("bad value for " + tomlKey + " in config file " + file + ": expected an array or a comma-separated string");
        }
        return list;
      }
      default -> {
        return scalar(file, tomlKey, value);
      }
    }
  }

  private static Object scalar(Path file, String tomlKey, JsonNode value) throws BadFile {
    if (value.isTextual()) {
      return value.textValue();
    }
    if (value.isBoolean()) {
      return value.booleanValue();
    }
    if (value.isIntegralNumber() && value.canConvertToLong()) {
      return value.longValue();
    }
    if (value.isNumber()) {
      return value.doubleValue();
    }
    throw new BadFile("bad value for " + tomlKey + " in config file " + file + ": expected a string, a number or a boolean");
  }

  /** A reference value that reads as a duration: the settings whose values go through {@link Durations}. */
  boolean isDuration(String key) {
    return isDuration(reference, key);
  }

  static boolean isDuration(Config reference, String key) {
    ConfigValue v = reference.getValue(key);
    if (v.valueType() != ConfigValueType.STRING) {
      return false;
    }
    try {
      Durations.get(reference, key);
      return true;
    } catch (ConfigException e) {
      return false;
    }
  }

  private static String unknownMessage(List<String> keys, Path file, List<String> suggestions) {
    String what = keys.size() == 1 ? "unknown key '" + keys.get(0) + "'" : "unknown keys '" + String.join("', '", keys) + "'";
    String hint = suggestions == null ? "" : " (TOML keys are the flag names with underscores: " + String.join(", ", suggestions) + ")";
    return what + " in config file " + file + hint;
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
  }
}
