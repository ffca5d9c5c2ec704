package io.pvedeploy.proxmox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one function that makes a shell string; its byte-for-byte proof is NodeShellQuotingIT. */
class ShellQuotingTest {

  @Test
  void quotesEveryArgumentInSingleQuotes() {
    assertThat(ShellQuoting.quote(List.of("pct", "exec", "101"), false)).isEqualTo("'pct' 'exec' '101'");
    assertThat(ShellQuoting.quote(List.of("echo", ""), false)).isEqualTo("'echo' ''");
    assertThat(ShellQuoting.quote(List.of("a b", "$(id)", "`id`", "x;y|z&", "*?~", "-rf"), false))
        .isEqualTo("'a b' '$(id)' '`id`' 'x;y|z&' '*?~' '-rf'");
    assertThat(ShellQuoting.quote(List.of("line1\nline2\ttab", "back\\slash", "\"dq\""), false))
        .isEqualTo("'line1\nline2\ttab' 'back\\slash' '\"dq\"'");
  }

  @Test
  void writesASingleQuoteAsCloseEscapeReopen() {
    assertThat(ShellQuoting.quoteArgument("it's", false)).isEqualTo("'it'\\''s'");
    assertThat(ShellQuoting.quoteArgument("'", false)).isEqualTo("''\\'''");
    assertThat(ShellQuoting.quoteArgument("''", false)).isEqualTo("''\\'''\\'''");
  }

  @Test
  void keepsNonAsciiVerbatimWhenTheProcessArgumentsAreUtf8() {
    assertThat(ShellQuoting.quoteArgument("é漢😀", false)).isEqualTo("'é漢😀'");
  }

  @Test
  void writesNonAsciiAsPrintfOctalInAsciiOnlyMode() {
    // é is C3 A9 in UTF-8: octal 303 251.
    assertThat(ShellQuoting.quoteArgument("café", true)).isEqualTo("'caf'\"$(printf '\\303\\251')\"''");
    String emoji = ShellQuoting.quoteArgument("😀'漢", true);
    assertThat(emoji).isEqualTo("''\"$(printf '\\360\\237\\230\\200')\"''\\'''\"$(printf '\\346\\274\\242')\"''");
    assertThat(emoji.chars().allMatch(c -> c < 0x80)).isTrue();
  }

  @Test
  void refusesNulNamingTheIndexNotTheValue() {
    assertThatThrownBy(() -> ShellQuoting.quote(List.of("printf", "s3cr\0et"), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("argument 1 contains a NUL")
        .hasMessageNotContaining("s3cr");
  }

  @Test
  void refusesLoneSurrogatesNullsAndEmptyArgv() {
    assertThatThrownBy(() -> ShellQuoting.quote(List.of("x", "a\uD800b"), true))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lone surrogate");
    assertThatThrownBy(() -> ShellQuoting.quote(List.of(), false))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ShellQuoting.quote(Arrays.asList("x", null), false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("argument 1 is null");
  }

  @Test
  void quotedWordsNeverLeaveAnUnquotedSpecialCharacter() {
    // Outside quotes only these may appear: the separating space, \' and the printf segments.
    java.util.Random random = new java.util.Random(7);
    String alphabet = "ab '\"$`\\;|&*?~\n\t(){}<>#!=%é漢";
    for (int n = 0; n < 2000; n++) {
      List<String> argv = new ArrayList<>();
      for (int a = 0; a < 1 + random.nextInt(4); a++) {
        StringBuilder arg = new StringBuilder();
        for (int i = random.nextInt(8); i > 0; i--) {
          arg.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        argv.add(arg.toString());
      }
      String line = ShellQuoting.quote(argv, false);
      StringBuilder outside = new StringBuilder();
      boolean quoted = false;
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if (quoted) {
          quoted = c != '\'';
        } else if (c == '\'') {
          quoted = true;
        } else if (c == '\\') {
          assertThat(line.charAt(i + 1)).as("only a quote is escaped outside quotes").isEqualTo('\'');
          i++;
        } else {
          outside.append(c);
        }
      }
      assertThat(quoted).as("quotes balance in %s", line).isFalse();
      assertThat(outside.toString()).matches(" *");
    }
  }
}
