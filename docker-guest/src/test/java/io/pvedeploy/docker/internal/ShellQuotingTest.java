package io.pvedeploy.docker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one function that makes a shell string of an argv; proven through real shells by the contract ITs. */
class ShellQuotingTest {

  @Test
  void everyArgumentIsOneSingleQuotedWord() {
    assertThat(ShellQuoting.quote(List.of("echo", "a b", "$(id)", "`id`", "x;y", ""), false))
        .isEqualTo("'echo' 'a b' '$(id)' '`id`' 'x;y' ''");
  }

  @Test
  void singleQuotesAreClosedEscapedAndReopened() {
    assertThat(ShellQuoting.quote(List.of("it's"), false)).isEqualTo("'it'\\''s'");
    assertThat(ShellQuoting.quote(List.of("'"), false)).isEqualTo("''\\'''");
  }

  @Test
  void newlinesAndGlobsStayInsideTheQuotes() {
    assertThat(ShellQuoting.quote(List.of("a\nb", "*", "~", "-n"), false)).isEqualTo("'a\nb' '*' '~' '-n'");
  }

  @Test
  void nonAsciiIsRawOrOctalInAsciiMode() {
    assertThat(ShellQuoting.quote(List.of("é"), false)).isEqualTo("'é'");
    assertThat(ShellQuoting.quote(List.of("aé'b"), true)).isEqualTo("'a'\"$(printf '\\303\\251')\"''\\''b'");
    assertThat(ShellQuoting.quote(List.of("🚀"), true)).isEqualTo("''\"$(printf '\\360\\237\\232\\200')\"''");
  }

  @Test
  void nulAndLoneSurrogatesAreRefusedWithoutShowingTheValue() {
    assertThatThrownBy(() -> ShellQuoting.quote(List.of("ok", "sec\0ret"), false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("argument 1").hasMessageNotContaining("sec");
    assertThatThrownBy(() -> ShellQuoting.quote(List.of("\ud800"), false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("surrogate");
    assertThatThrownBy(() -> ShellQuoting.quote(List.of(), false)).isInstanceOf(IllegalArgumentException.class);
  }
}
