package io.pvedeploy.docker.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bounded pipe between a command's stdout (written by a shell's pump thread) and a reader on
 * another thread. Unlike {@code PipedInputStream} it does not fail when the writing thread ends
 * before the writer is closed, and a reader that gives up ({@link #abandon()}) makes further
 * writes fail at once instead of blocking the command forever.
 */
public final class ChunkPipe {
  private static final byte[] END = new byte[0];

  private final BlockingQueue<byte[]> chunks;
  private volatile boolean abandoned;

  /** A pipe holding at most {@code capacity} chunks in flight (each one write's worth). */
  public ChunkPipe(int capacity) {
    this.chunks = new ArrayBlockingQueue<>(capacity);
  }

  /** Where the command writes; {@link OutputStream#close()} marks the end. */
  public OutputStream sink() {
    return new OutputStream() {
      private boolean closed;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return;
        }
        offer(Arrays.copyOfRange(b, off, off + len));
      }

      @Override
      public synchronized void close() throws IOException {
        if (!closed) {
          closed = true;
          if (!abandoned) {
            offer(END);
          }
        }
      }
    };
  }

  private void offer(byte[] chunk) throws IOException {
    try {
      while (!chunks.offer(chunk, 200, TimeUnit.MILLISECONDS)) {
        if (abandoned) {
          throw new IOException("the reader stopped reading");
        }
      }
      if (abandoned) {
        throw new IOException("the reader stopped reading");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing to the pipe");
    }
  }

  /** The reader's end; at the end of the data it returns -1. */
  public InputStream source() {
    return new InputStream() {
      private byte[] chunk;
      private int pos;
      private boolean ended;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        while (chunk == null || pos >= chunk.length) {
          if (ended) {
            return -1;
          }
          try {
            chunk = chunks.take();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading from the pipe");
          }
          pos = 0;
          if (chunk == END) {
            ended = true;
            chunk = null;
            return -1;
          }
        }
        int n = Math.min(len, chunk.length - pos);
        System.arraycopy(chunk, pos, b, off, n);
        pos += n;
        return n;
      }
    };
  }

  /** The reader gives up: queued data is dropped and every later write fails. */
  public void abandon() {
    abandoned = true;
    chunks.clear();
  }
}
