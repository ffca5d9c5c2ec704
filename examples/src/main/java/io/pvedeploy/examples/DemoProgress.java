package io.pvedeploy.examples;

import io.pvedeploy.deploy.ApplyEvent;
import io.pvedeploy.docker.ServiceState;
import io.pvedeploy.docker.TransferEvent;
import java.io.PrintStream;
import java.time.Duration;
import java.util.function.Consumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows an apply as it happens. On a terminal: one live bar per step (progressbar, on JLine),
 * a spinner with the step's latest message, bytes and speed while an image ships. Elsewhere (a CI
 * log, a pipe): one plain line per event that matters, no escape codes.
 */
final class DemoProgress implements Consumer<ApplyEvent> {
  private static final long MIB = 1024 * 1024;

  private final PrintStream out;
  private final boolean live;
  private ProgressBar bar;
  private String stepTitle;
  /** Bytes of the current image's layers that finished before the one in flight. */
  private long imageBytesDone;
  private long imageBytesPlanned;

  /**
   * @param live draw bars (a terminal) rather than lines
   */
  DemoProgress(PrintStream out, boolean live) {
    this.out = out;
    this.live = live;
  }

  /** Bars when both stdout and stderr are a terminal that can draw them. */
  static boolean terminalCanDrawBars() {
    String term = System.getenv("TERM");
    return System.console() != null && term != null && !term.equals("dumb");
  }

  @Override
  public void accept(ApplyEvent event) {
    if (event instanceof ApplyEvent.StepStarted s) {
      closeBar();
      String title = "[" + s.index() + "/" + s.total() + "] " + s.step().action() + " " + s.step().address();
      stepTitle = title;
      if (live) {
        // An image's bar starts when the transfer knows how many bytes it sends (Planned).
        bar = s.step().address().startsWith("image[") ? null : bar(title, -1, "", 1);
      } else {
        out.println(title);
      }
    } else if (event instanceof ApplyEvent.StepProgress p) {
      if (live && bar != null) {
        bar.setExtraMessage(" " + p.message());
      } else {
        out.println("      " + p.message());
      }
    } else if (event instanceof ApplyEvent.ImageProgress i) {
      image(i);
    } else if (event instanceof ApplyEvent.StepFinished f) {
      if (live && bar != null) {
        if (!bar.isIndefinite()) {
          bar.stepTo(bar.getMax());
        }
        bar.setExtraMessage(" done in " + seconds(f.took()));
        closeBar();
      } else {
        out.println("      done in " + seconds(f.took()));
      }
    } else if (event instanceof ApplyEvent.StepFailed f) {
      closeBar();
      out.println("      FAILED: " + f.failure().getMessage());
    } else if (event instanceof ApplyEvent.RollingBack r) {
      closeBar();
      out.println("      release " + r.failedRelease() + " is not healthy; bringing release " + r.previousRelease()
          + " back up");
    } else if (event instanceof ApplyEvent.Healthy h) {
      String message = h.services().size() + " services up and healthy";
      if (live && bar != null) {
        bar.setExtraMessage(" " + message);
      } else {
        out.println("      " + message);
      }
    }
  }

  private void image(ApplyEvent.ImageProgress i) {
    TransferEvent t = i.transfer();
    if (t instanceof TransferEvent.Planned p) {
      imageBytesDone = 0;
      imageBytesPlanned = p.bytesToSend();
      String what = p.layersToSend() + " of " + p.layers() + " layers, " + mib(p.bytesToSend());
      if (live) {
        String title = stepTitle == null ? i.image() : stepTitle;
        closeBar();
        bar = p.bytesToSend() > 0 ? bar(title, p.bytesToSend(), " " + what, MIB) : bar(title, -1, " " + what, 1);
      } else {
        out.println("      sending " + what);
      }
    } else if (t instanceof TransferEvent.LayerProgress lp) {
      if (live && bar != null && !bar.isIndefinite()) {
        bar.stepTo(imageBytesDone + lp.sent());
      }
    } else if (t instanceof TransferEvent.LayerFinished lf) {
      imageBytesDone += lf.bytesSent();
      if (live && bar != null && !bar.isIndefinite()) {
        bar.stepTo(imageBytesDone);
      } else if (!live) {
        // A log has no bar: one line per layer keeps a long transfer visibly moving.
        out.println("      a layer of " + mib(lf.bytesSent()) + " sent; " + mib(imageBytesDone) + " of "
            + mib(imageBytesPlanned) + " so far");
      }
    } else if (t instanceof TransferEvent.Verified v && !live) {
      out.println("      loaded and verified " + v.reference());
    }
  }

  private ProgressBar bar(String title, long max, String message, long unit) {
    ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(title).setInitialMax(max)
        .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(200).continuousUpdate()
        .setMaxRenderedLength(120);
    if (unit > 1) {
      b.setUnit(" MiB", unit).showSpeed();
    }
    ProgressBar made = b.build();
    made.setExtraMessage(message);
    return made;
  }

  /** Ends the display (the bar's last state stays on screen). */
  void closeBar() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }

  /** {@code backend   running, healthy}. */
  static String describe(ServiceState s) {
    String health = s.health() == ServiceState.Health.NONE ? "" : ", " + s.health().name().toLowerCase(java.util.Locale.ROOT);
    return String.format(java.util.Locale.ROOT, "%-9s %s%s", s.service(), s.running() ? "running" : s.status(), health);
  }

  static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  static String mib(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) MIB);
  }
}
