package io.pvedeploy.proxmox;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Reads a long JSON array of objects on two threads: {@code /cluster/resources} of a large
 * cluster (1.4 MB for 5,000 guests, ~1.4 ms of scanning on one core).
 *
 * <p>The split is a guess checked for free. Near the middle, the first {@code },{} is taken for
 * the boundary between two elements, and a second scanner reads the array on from there on the
 * common pool while this thread reads from the start. This thread's scan is the plain sequential
 * one, so it knows the true structure: if it stops exactly at the guessed comma after an element,
 * the guess was a boundary and the two halves join; if it runs past it (the bytes were inside a
 * string or a nested array), the other half is abandoned and this thread reads on alone. Either
 * way the result is the sequential read's, element for element, and so are the errors: a
 * malformed second half throws only once the guess is confirmed.
 *
 * <p>If the pool has not started the second half by the time this thread needs it, this thread
 * reads it itself: a busy or single-threaded pool costs nothing but the parallelism.
 */
final class JsonScanArrays {
  /** Below this many bytes left, one thread reads: a hand-off costs tens of microseconds. */
  static final int SPLIT_MIN_BYTES = 256 * 1024;

  private static final boolean SEVERAL_CORES = Runtime.getRuntime().availableProcessors() > 1;

  private JsonScanArrays() {}

  /** Reads one element; {@code order} is this thread's, for the array's objects of one shape. */
  @FunctionalInterface
  interface ElementReader<T> {
    T read(JsonScanner scanner, JsonScanOrder order) throws JsonScanException;
  }

  /** Reads the array that comes next, its elements in order, splitting it when it is long. */
  static <T> List<T> read(JsonScanner scanner, Supplier<JsonScanOrder> orders, ElementReader<T> reader)
      throws JsonScanException {
    return read(scanner, orders, reader, SEVERAL_CORES ? SPLIT_MIN_BYTES : Integer.MAX_VALUE, 0.5);
  }

  /** As {@link #read(JsonScanner, Supplier, ElementReader)}, with the threshold and the guess's place (tests). */
  static <T> List<T> read(JsonScanner scanner, Supplier<JsonScanOrder> orders, ElementReader<T> reader,
      int minBytes, double splitAt) throws JsonScanException {
    scanner.beginArray();
    List<T> out = new ArrayList<>();
    JsonScanOrder order = orders.get();
    int comma = scanner.remaining() < minBytes ? -1
        : scanner.guessObjectBoundary(scanner.position() + (int) (scanner.remaining() * splitAt));
    if (comma > 0) {
      SecondHalf<T> second = new SecondHalf<>(scanner.continuationAt(comma), orders.get(), reader);
      ForkJoinPool.commonPool().execute(second);
      try {
        while (scanner.position() < comma && scanner.hasNext()) {
          out.add(reader.read(scanner, order));
        }
        if (scanner.position() == comma) {
          out.addAll(second.result());
          scanner.resumeFrom(second.scanner);
        }
      } finally {
        second.abandon(); // a wrong guess, or a failure here: the other half's work is not wanted
      }
    }
    while (scanner.hasNext()) {
      out.add(reader.read(scanner, order));
    }
    scanner.endArray();
    return out;
  }

  /** The array's elements from the guessed boundary to its end, read by whoever claims them first. */
  private static final class SecondHalf<T> implements Runnable {
    final JsonScanner scanner;
    private final JsonScanOrder order;
    private final ElementReader<T> reader;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean abandoned;
    private List<T> elements;
    private Throwable failure;

    SecondHalf(JsonScanner scanner, JsonScanOrder order, ElementReader<T> reader) {
      this.scanner = scanner;
      this.order = order;
      this.reader = reader;
    }

    @Override
    public void run() {
      if (claimed.compareAndSet(false, true)) {
        readAll();
      }
    }

    private void readAll() {
      List<T> out = new ArrayList<>();
      try {
        while (!abandoned && scanner.hasNext()) {
          out.add(reader.read(scanner, order));
        }
        elements = out;
      } catch (JsonScanException | RuntimeException | Error e) {
        failure = e; // thrown by result() only if the split was a real boundary
      } finally {
        done.countDown();
      }
    }

    /** Keeps the pool from starting this half, and stops it reading on if it has started. */
    void abandon() {
      abandoned = true;
      claimed.set(true);
    }

    /** The elements, read here if no pool thread has taken them yet; this half's failure, if any. */
    List<T> result() throws JsonScanException {
      if (claimed.compareAndSet(false, true)) {
        readAll();
      } else {
        boolean interrupted = false;
        while (true) {
          try {
            done.await(); // the pool thread is reading the other half: about as long as this one took
            break;
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      if (failure instanceof JsonScanException e) {
        throw e;
      }
      if (failure instanceof RuntimeException e) {
        throw e;
      }
      if (failure instanceof Error e) {
        throw e;
      }
      return elements;
    }
  }
}
