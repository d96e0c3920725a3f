// Prints Kafka's topic-level config definitions (LogConfig's ConfigDef, the one the broker checks
// CreateTopics and AlterConfigs against) as JSON: name, type, default, and the validator's allowed
// values or range. Run by scripts/gen-kafka-topic-configs.sh with the Kafka jars of VERSIONS.kafka.
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.storage.internals.log.LogConfig;

public class DumpTopicConfigs {
  private static Object field(Object o, String name) throws Exception {
    Class<?> c = o.getClass();
    while (c != null) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
      } catch (NoSuchFieldException e) {
        c = c.getSuperclass();
      }
    }
    return null;
  }

  private static String str(Object s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toString().toCharArray()) {
      if (ch == '"' || ch == '\\') b.append('\\').append(ch);
      else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
      else b.append(ch);
    }
    return b.append('"').toString();
  }

  private static String strings(Object list) {
    List<String> out = new ArrayList<>();
    for (Object o : (List<?>) list) out.add(str(o));
    return "[" + String.join(", ", out) + "]";
  }

  /** The validator as JSON: kind plus its values or bounds. */
  private static String validator(ConfigDef.Validator v) throws Exception {
    if (v == null) return "null";
    String text = str(v.toString());
    if (v instanceof ConfigDef.Range) {
      Object min = field(v, "min"), max = field(v, "max");
      return "{\"kind\": \"range\", \"min\": " + (min == null ? "null" : min) + ", \"max\": " + (max == null ? "null" : max) + ", \"text\": " + text + "}";
    }
    if (v instanceof ConfigDef.ValidString) {
      return "{\"kind\": \"oneOf\", \"values\": " + strings(field(v, "validStrings")) + ", \"text\": " + text + "}";
    }
    if (v instanceof ConfigDef.CaseInsensitiveValidString) {
      return "{\"kind\": \"oneOfIgnoreCase\", \"values\": " + strings(new ArrayList<>((java.util.Collection<?>) field(v, "validStrings"))) + ", \"text\": " + text + "}";
    }
    if (v instanceof ConfigDef.ValidList) {
      Object inner = field(v, "validString");
      Object empty = field(v, "isEmptyAllowed");
      return "{\"kind\": \"listOf\", \"values\": " + strings(field(inner, "validStrings")) + ", \"emptyAllowed\": " + (empty == null ? "true" : empty) + ", \"text\": " + text + "}";
    }
    return "{\"kind\": \"other\", \"text\": " + text + "}";
  }

  public static void main(String[] args) throws Exception {
    Map<String, ConfigDef.ConfigKey> keys = LogConfig.configKeys();
    List<String> rows = new ArrayList<>();
    for (String name : LogConfig.nonInternalConfigNames()) {
      ConfigDef.ConfigKey k = keys.get(name);
      Object def = k.defaultValue == ConfigDef.NO_DEFAULT_VALUE ? null : k.defaultValue;
      String defText = def == null ? "null" : str(def instanceof List ? String.join(",", ((List<?>) def).stream().map(Object::toString).toList()) : def);
      rows.add("{\"name\": " + str(name) + ", \"type\": " + str(k.type.name()) + ", \"default\": " + defText + ", \"validator\": " + validator(k.validator) + "}");
    }
    System.out.println("[\n" + String.join(",\n", rows) + "\n]");
  }
}
