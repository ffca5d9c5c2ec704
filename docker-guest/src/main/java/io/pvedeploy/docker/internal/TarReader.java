package io.pvedeploy.docker.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal streaming reader of the tar archives {@code docker save} writes (Go's
 * {@code archive/tar}: ustar, with PAX extended headers for long names or big sizes; GNU long
 * names are read too). Entries are visited in order; each entry's content is a bounded stream
 * that must be read or skipped before the next {@link #next()}. Nothing is buffered beyond one
 * 512-byte block.
 */
public final class TarReader {
  private static final int BLOCK = 512;

  private final InputStream in;
  private EntryStream current;
  private long position;

  public TarReader(InputStream in) {
    this.in = in;
  }

  /** One archive member. */
  public record Entry(String name, char type, long size, String linkName) {
    public boolean isFile() {
      return type == '0' || type == '\0' || type == '7';
    }
  }

  /** The next entry, or null at the end of the archive. */
  public Entry next() throws IOException {
    String paxPath = null;
    String paxLink = null;
    long paxSize = -1;
    String gnuName = null;
    String gnuLink = null;
    while (true) {
      finishCurrent();
      byte[] header = new byte[BLOCK];
      if (!readBlock(header)) {
        return null; // end of stream without the two zero blocks: accepted
      }
      if (isZero(header)) {
        return null;
      }
      checkChecksum(header);
      char type = (char) header[156];
      long size = number(header, 124, 12);
      String name = string(header, 0, 100);
      String prefix = isUstar(header) ? string(header, 345, 155) : "";
      if (!prefix.isEmpty()) {
        name = prefix + "/" + name;
      }
      String link = string(header, 157, 100);
      switch (type) {
        case 'x' -> {
          String pax = new String(readAll(size), StandardCharsets.UTF_8);
          for (String[] kv : paxRecords(pax)) {
            switch (kv[0]) {
              case "path" -> paxPath = kv[1];
              case "linkpath" -> paxLink = kv[1];
              case "size" -> paxSize = Long.parseLong(kv[1]);
              default -> { }
            }
          }
          continue;
        }
        case 'g' -> {
          readAll(size); // global header: nothing we use
          continue;
        }
        case 'L' -> {
          gnuName = cString(readAll(size));
          continue;
        }
        case 'K' -> {
          gnuLink = cString(readAll(size));
          continue;
        }
        default -> { }
      }
      if (gnuName != null) {
        name = gnuName;
      }
      if (paxPath != null) {
        name = paxPath;
      }
      if (gnuLink != null) {
        link = gnuLink;
      }
      if (paxLink != null) {
        link = paxLink;
      }
      if (paxSize >= 0) {
        size = paxSize;
      }
      // Links, devices, directories and fifos carry no content; any other kind carries its size.
      long contentSize = "123456".indexOf(type) >= 0 ? 0 : size;
      current = new EntryStream(contentSize);
      while (name.startsWith("./")) {
        name = name.substring(2);
      }
      return new Entry(name, type, size, link);
    }
  }

  /** The content of the entry last returned by {@link #next()}; closing it skips the rest. */
  public InputStream content() {
    if (current == null) {
      throw new IllegalStateException("no current entry");
    }
    return current;
  }

  private void finishCurrent() throws IOException {
    if (current != null) {
      current.skipRest();
      long padding = (BLOCK - (current.size % BLOCK)) % BLOCK;
      skipFully(padding);
      current = null;
    }
  }

  private byte[] readAll(long size) throws IOException {
    if (size > 1 << 20) {
      throw new IOException("tar metadata member of " + size + " bytes at offset " + position + " is implausibly large");
    }
    byte[] data = new byte[(int) size];
    readFully(data, 0, data.length);
    skipFully((BLOCK - (size % BLOCK)) % BLOCK);
    return data;
  }

  private boolean readBlock(byte[] block) throws IOException {
    int n = 0;
    while (n < BLOCK) {
      int r = in.read(block, n, BLOCK - n);
      if (r < 0) {
        if (n == 0) {
          return false;
        }
        throw new EOFException("tar stream ends inside a header at offset " + position);
      }
      n += r;
      position += r;
    }
    return true;
  }

  private void readFully(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int r = in.read(b, off, len);
      if (r < 0) {
        throw new EOFException("tar stream ends early at offset " + position);
      }
      off += r;
      len -= r;
      position += r;
    }
  }

  private void skipFully(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(64 * 1024, Math.max(n, 1))];
    while (n > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, n));
      if (r < 0) {
        throw new EOFException("tar stream ends early at offset " + position);
      }
      n -= r;
      position += r;
    }
  }

  private final class EntryStream extends InputStream {
    final long size;
    long remaining;

    EntryStream(long size) {
      this.size = size;
      this.remaining = size;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int r = in.read(b, off, (int) Math.min(len, remaining));
      if (r < 0) {
        throw new EOFException("tar stream ends inside a member at offset " + position);
      }
      remaining -= r;
      position += r;
      return r;
    }

    void skipRest() throws IOException {
      skipFully(remaining);
      remaining = 0;
    }

    @Override
    public void close() {
      // the reader skips what is left at the next entry
    }
  }

  private static boolean isZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean isUstar(byte[] header) {
    return header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
        && header[261] == 'r';
  }

  private void checkChecksum(byte[] header) throws IOException {
    long expected = number(header, 148, 8);
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xff);
    }
    if (sum != expected) {
      throw new IOException("not a tar archive: bad header checksum at offset " + (position - BLOCK));
    }
  }

  /** An octal field, or a base-256 one (high bit of the first byte set) for big values. */
  static long number(byte[] header, int offset, int length) throws IOException {
    if ((header[offset] & 0x80) != 0) {
      long value = header[offset] & 0x7f;
      for (int i = offset + 1; i < offset + length; i++) {
        value = (value << 8) | (header[i] & 0xff);
      }
      return value;
    }
    long value = 0;
    boolean digits = false;
    for (int i = offset; i < offset + length; i++) {
      byte b = header[i];
      if (b == 0 || (b == ' ' && digits)) {
        break;
      }
      if (b == ' ') {
        continue;
      }
      if (b < '0' || b > '7') {
        throw new IOException("not a tar archive: bad octal number in a header");
      }
      value = value * 8 + (b - '0');
      digits = true;
    }
    return value;
  }

  private static String string(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static String cString(byte[] data) {
    int end = 0;
    while (end < data.length && data[end] != 0) {
      end++;
    }
    return new String(data, 0, end, StandardCharsets.UTF_8);
  }

  /** PAX records: {@code "<len> <key>=<value>\n"}, the length counting the whole record. */
  private static List<String[]> paxRecords(String pax) throws IOException {
    List<String[]> out = new ArrayList<>();
    byte[] bytes = pax.getBytes(StandardCharsets.UTF_8);
    int i = 0;
    while (i < bytes.length) {
      int space = i;
      while (space < bytes.length && bytes[space] != ' ') {
        space++;
      }
      if (space >= bytes.length) {
        break;
      }
      int len;
      try {
        len = Integer.parseInt(new String(bytes, i, space - i, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new IOException("bad PAX record length", e);
      }
      if (len <= 0 || i + len > bytes.length) {
        throw new IOException("bad PAX record length " + len);
      }
      String record = new String(bytes, space + 1, i + len - space - 2, StandardCharsets.UTF_8);
      int eq = record.indexOf('=');
      if (eq > 0) {
        out.add(new String[] {record.substring(0, eq), record.substring(eq + 1)});
      }
      i += len;
    }
    return out;
  }
}
