package io.pvedeploy.secrets.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;

/**
 * age's STREAM payload (after the header and its 16-byte nonce), sealed or opened on several
 * threads. jagged seals one chunk after the other, and on JDK 17 ChaCha20-Poly1305 is pure Java,
 * so a large file's time is almost all one core's cipher work; age's chunks are independent (each
 * has its own nonce: the 11-byte big-endian chunk counter, then 1 for the last chunk, else 0), so
 * they can be sealed anywhere as long as they are written in order.
 *
 * <p>The input is read in batches of {@link #TASK_CHUNKS} chunks per thread. While the pool seals
 * batch {@code n}, the caller reads batch {@code n + 1}, then joins in; only then does it know
 * whether batch {@code n}'s last chunk is the file's last. The pool starts on batch {@code n + 1}
 * while the caller seals that chunk and writes batch {@code n}. Two batches are in flight, so
 * memory stays at four batch arrays whatever the file's size.
 */
final class ParallelPayload {
  static final int PLAIN_CHUNK = AgeCodec.CHUNK;
  static final int TAG = 16;
  static final int SEALED_CHUNK = PLAIN_CHUNK + TAG;
  /** Chunks per thread and batch: 1 MiB of cipher work amortises a batch's hand-offs many times. */
  static final int TASK_CHUNKS = 16;

  /**
   * Threads sealing at once: the caller's and {@code WORKERS - 1} pool threads, one a core (the
   * caller's I/O is a few per cent of its time, so one more thread would only be switched in and
   * out), and at most four: four JDK 17 ciphers outrun the file I/O, and each thread adds 4 MiB of
   * batch arrays to every call. With one core there is nothing to gain, and {@link AgeCodec} keeps
   * to jagged's channels.
   */
  static final int WORKERS = Math.min(4, Runtime.getRuntime().availableProcessors());

  /** Daemon threads, made on first use: a JVM that never streams a large file never starts one. */
  private static final class Pool {
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final ThreadFactory DAEMONS = r -> {
      Thread t = new Thread(r, "pvedeploy-age-" + COUNT.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    static final ExecutorService EXECUTOR = Executors.newFixedThreadPool(Math.max(1, WORKERS - 1), DAEMONS);
  }

  private final boolean sealing;
  private final Key payloadKey;
  private final int inChunk;
  private final int outChunk;
  private final Batch current;
  private Batch next;

  private ParallelPayload(boolean sealing, Key payloadKey) {
    this.sealing = sealing;
    this.payloadKey = payloadKey;
    this.inChunk = sealing ? PLAIN_CHUNK : SEALED_CHUNK;
    this.outChunk = sealing ? SEALED_CHUNK : PLAIN_CHUNK;
    // at least the head AgeCodec reads ahead (five sealed chunks), which must fit the first batch
    int chunks = Math.max(8, WORKERS * TASK_CHUNKS);
    this.current = new Batch(chunks * inChunk, chunks * outChunk);
    this.next = new Batch(chunks * inChunk, chunks * outChunk);
  }

  /**
   * Seals {@code head} and then the rest of {@code in} into {@code out}, which already has the
   * header. {@code head} must not be empty; the caller zeroes it.
   *
   * @return the plaintext bytes sealed
   */
  static long seal(Key payloadKey, byte[] head, int headLength, ReadableByteChannel in, WritableByteChannel out)
      throws IOException, GeneralSecurityException {
    return new ParallelPayload(true, payloadKey).run(head, 0, headLength, in, out);
  }

  /**
   * Opens the payload that starts with {@code head} and continues in {@code in} into {@code out},
   * each batch written only once every chunk in it has been authenticated.
   *
   * @return the plaintext bytes written
   * @throws GeneralSecurityException if a chunk fails authentication (damaged, reordered or
   *     truncated) or the payload ends where age does not allow it to
   */
  static long open(Key payloadKey, byte[] head, int headOffset, int headLength, ReadableByteChannel in,
      WritableByteChannel out) throws IOException, GeneralSecurityException {
    return new ParallelPayload(false, payloadKey).run(head, headOffset, headLength, in, out);
  }

  /** One batch: its input, its output and the tasks working on it. */
  private static final class Batch {
    final byte[] in;
    final byte[] out;
    final List<Future<?>> tasks = new ArrayList<>();
    int length;
    int chunks;
    /** The next chunk a thread may take. */
    final AtomicInteger claimed = new AtomicInteger();
    long firstCounter;

    Batch(int inCapacity, int outCapacity) {
      this.in = new byte[inCapacity];
      this.out = new byte[outCapacity];
    }

    boolean full() {
      return length == in.length;
    }
  }

  private long run(byte[] head, int headOffset, int headLength, ReadableByteChannel in, WritableByteChannel out)
      throws IOException, GeneralSecurityException {
    Batch a = current;
    Batch b = next;
    long total = 0;
    try {
      System.arraycopy(head, headOffset, a.in, 0, headLength);
      a.length = headLength + fill(in, a.in, headLength);
      a.firstCounter = 0;
      if (a.length == 0) {
        throw new GeneralSecurityException("the age payload is empty: the file is truncated after its header");
      }
      start(a);
      while (true) {
        boolean last;
        if (a.full()) {
          b.length = fill(in, b.in, 0);
          b.firstCounter = a.firstCounter + a.chunks;
          last = b.length == 0;
        } else {
          last = true;
        }
        help(a);
        await(a);
        if (!last) {
          start(b);
        }
        // the pool is on the next batch already: this chunk, like the write, is off its path
        crypt(a, a.chunks - 1, last, Cipher.getInstance("ChaCha20-Poly1305"), new byte[12]);
        total += write(a, out);
        if (last) {
          return total;
        }
        Batch done = a;
        a = b;
        b = done;
      }
    } finally {
      // a failed run may leave tasks writing into the arrays we are about to zero
      quiesce(current);
      quiesce(next);
      Arrays.fill(sealing ? current.in : current.out, (byte) 0);
      Arrays.fill(sealing ? next.in : next.out, (byte) 0);
    }
  }

  /**
   * Sets the pool's threads claiming the batch's chunks, one at a time, all but the last: which
   * flag that one gets is known only once the next batch has been read.
   */
  private void start(Batch batch) {
    batch.chunks = (batch.length + inChunk - 1) / inChunk;
    batch.claimed.set(0);
    batch.tasks.clear();
    for (int i = 1; i < WORKERS && i < batch.chunks; i++) {
      batch.tasks.add(Pool.EXECUTOR.submit(() -> {
        help(batch);
        return null;
      }));
    }
  }

  /**
   * Claims and seals (or opens) chunks of {@code batch} until none but the last is left. Claiming
   * one chunk at a time balances the threads by themselves: the caller, which also reads and
   * writes, simply claims fewer.
   */
  private void help(Batch batch) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("ChaCha20-Poly1305");
    byte[] nonce = new byte[12];
    for (int i = batch.claimed.getAndIncrement(); i < batch.chunks - 1; i = batch.claimed.getAndIncrement()) {
      crypt(batch, i, false, cipher, nonce);
    }
  }

  /** Seals or opens chunk {@code i} of {@code batch}; {@code last} if it is the payload's last. */
  private void crypt(Batch batch, int i, boolean last, Cipher cipher, byte[] nonce) throws GeneralSecurityException {
    int inOffset = i * inChunk;
    int inLength = Math.min(inChunk, batch.length - inOffset);
    long counter = batch.firstCounter + i;
    if (!sealing && last && (inLength < TAG || (inLength == TAG && counter != 0))) {
      // age: only an empty file's single chunk may be empty; a shorter one cannot even hold a tag
      throw new GeneralSecurityException("the age payload ends in an incomplete chunk (chunk " + counter + ")");
    }
    for (int k = 10, shift = 0; k >= 0; k--, shift += 8) {
      nonce[k] = shift < 64 ? (byte) (counter >>> shift) : 0;
    }
    nonce[11] = (byte) (last ? 1 : 0);
    cipher.init(sealing ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, payloadKey, new IvParameterSpec(nonce));
    try {
      cipher.doFinal(batch.in, inOffset, inLength, batch.out, i * outChunk);
    } catch (AEADBadTagException e) {
      AEADBadTagException named = new AEADBadTagException("age payload chunk " + counter
          + (last ? " (as the last)" : "") + " failed authentication: the file is damaged, reordered or truncated");
      named.initCause(e);
      throw named;
    }
  }

  private static void await(Batch batch) throws IOException, GeneralSecurityException {
    try {
      for (Future<?> task : batch.tasks) {
        task.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted = new InterruptedIOException("interrupted while sealing age chunks");
      interrupted.initCause(e);
      throw interrupted;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof GeneralSecurityException g) {
        throw g;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException("an age chunk task failed", cause);
    }
  }

  /** Waits out every task of {@code batch}, whatever it ends in ({@link #await} reports failures). */
  private static void quiesce(Batch batch) {
    boolean interrupted = false;
    for (Future<?> task : batch.tasks) {
      while (true) {
        try {
          task.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException | CancellationException e) {
          break;
        }
      }
    }
    batch.tasks.clear();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private int write(Batch batch, WritableByteChannel out) throws IOException {
    int tail = batch.length - (batch.chunks - 1) * inChunk;
    int n = (batch.chunks - 1) * outChunk + tail + (sealing ? TAG : -TAG);
    ByteBuffer buffer = ByteBuffer.wrap(batch.out, 0, n);
    while (buffer.hasRemaining()) {
      out.write(buffer);
    }
    return sealing ? batch.length : n;
  }

  /** Reads into {@code array} from {@code offset} until it is full or {@code in} ends. */
  static int fill(ReadableByteChannel in, byte[] array, int offset) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(array, offset, array.length - offset);
    while (buffer.hasRemaining() && in.read(buffer) >= 0) {
      // a channel may return short reads, or none
    }
    return buffer.position() - offset;
  }
}
