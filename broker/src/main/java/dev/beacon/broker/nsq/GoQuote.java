package dev.beacon.broker.nsq;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Go's {@code %q} of a byte string (strconv.Quote), as nsqd puts names into its error texts. */
final class GoQuote {
  private GoQuote() {
  }

  /** {@code s} holds one byte per char (ISO-8859-1), as {@link V2Parser#param} returns it. */
  static String quote(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
    StringBuilder sb = new StringBuilder(bytes.length + 2).append('"');
    int i = 0;
    while (i < bytes.length) {
      int c = bytes[i] & 0xff;
      if (c < 0x80) {
        appendAscii(sb, c);
        i++;
        continue;
      }
      int n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      String decoded = n > 1 && i + n <= bytes.length ? decode(bytes, i, n) : null;
      if (decoded != null && isPrintable(decoded)) {
        sb.append(decoded);
        i += n;
      } else if (decoded != null) {
        int cp = decoded.codePointAt(0);
        sb.append(cp > 0xffff ? String.format("\\U%08x", cp) : String.format("\\u%04x", cp));
        i += n;
      } else {
        sb.append(String.format("\\x%02x", c));
        i++;
      }
    }
    return sb.append('"').toString();
  }

  private static void appendAscii(StringBuilder sb, int c) {
    switch (c) {
      case 7 -> sb.append("\\a");
      case 8 -> sb.append("\\b");
      case 12 -> sb.append("\\f");
      case 10 -> sb.append("\\n");
      case 13 -> sb.append("\\r");
      case 9 -> sb.append("\\t");
      case 11 -> sb.append("\\v");
      case '\\' -> sb.append("\\\\");
      case '"' -> sb.append("\\\"");
      default -> {
        if (c < 0x20 || c == 0x7f) {
          sb.append(String.format("\\x%02x", c));
        } else {
          sb.append((char) c);
        }
      }
    }
  }

  private static String decode(byte[] b, int off, int len) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, off, len)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static boolean isPrintable(String one) {
    int cp = one.codePointAt(0);
    int type = Character.getType(cp);
    return type != Character.CONTROL && type != Character.FORMAT && type != Character.UNASSIGNED
        && type != Character.PRIVATE_USE && type != Character.SURROGATE && type != Character.LINE_SEPARATOR
        && type != Character.PARAGRAPH_SEPARATOR && (type != Character.SPACE_SEPARATOR || cp == ' ');
  }
}
