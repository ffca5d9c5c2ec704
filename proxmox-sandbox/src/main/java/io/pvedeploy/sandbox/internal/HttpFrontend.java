package io.pvedeploy.sandbox.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import java.net.InetSocketAddress;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTPS/1.1 on loopback with Netty, because PVE puts its error text in the status line's reason
 * phrase. Like pveproxy it keeps connections alive on success, closes them after an error
 * response, and drops idle keep-alive connections after a few seconds.
 */
final class HttpFrontend implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpFrontend.class);
  private static final int IDLE_SECONDS = 5;

  private final EventLoopGroup boss = new NioEventLoopGroup(1);
  private final EventLoopGroup workers = new NioEventLoopGroup(2);
  /** API calls may wait for a guest's config lock; they must not block the I/O threads. */
  private final EventExecutorGroup apiThreads = new DefaultEventExecutorGroup(8);
  private final Channel channel;

  HttpFrontend(SslContext ssl, int port, Api api) throws InterruptedException {
    ServerBootstrap b = new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast(ssl.newHandler(ch.alloc()))
                .addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                .addLast(new HttpServerCodec())
                .addLast(new HttpObjectAggregator(16 * 1024 * 1024))
                .addLast(apiThreads, new Handler(api));
          }
        });
    channel = b.bind("127.0.0.1", port).sync().channel();
  }

  int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    // I/O threads first, so no open connection hands work to a stopped API executor.
    channel.close().awaitUninterruptibly();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    apiThreads.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Api api;

    Handler(Api api) {
      this.api = api;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      String uri = req.uri();
      int q = uri.indexOf('?');
      Api.Request request = new Api.Request(
          req.method().name(),
          q < 0 ? uri : uri.substring(0, q),
          q < 0 ? "" : uri.substring(q + 1),
          req.headers().get(HttpHeaderNames.CONTENT_TYPE),
          ByteBufUtil.getBytes(req.content()),
          req.headers().get(HttpHeaderNames.COOKIE),
          req.headers().get(HttpHeaderNames.AUTHORIZATION),
          req.headers().get("CSRFPreventionToken"));
      Api.Response res = api.handle(request);
      boolean keepAlive = HttpUtil.isKeepAlive(req) && res.status() < 400;
      FullHttpResponse out = new DefaultFullHttpResponse(
          HttpVersion.HTTP_1_1,
          new HttpResponseStatus(res.status(), res.reason().isEmpty() ? "Unknown" : res.reason()),
          Unpooled.wrappedBuffer(res.body()));
      out.headers()
          .set(HttpHeaderNames.SERVER, "pve-api-daemon/3.0")
          .set(HttpHeaderNames.DATE, DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)))
          .set(HttpHeaderNames.CACHE_CONTROL, "max-age=0")
          .set(HttpHeaderNames.PRAGMA, "no-cache")
          .setInt(HttpHeaderNames.CONTENT_LENGTH, res.body().length);
      if (res.body().length > 0) {
        out.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json;charset=UTF-8");
      }
      out.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
      var future = ctx.writeAndFlush(out);
      if (!keepAlive) {
        future.addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
      } else {
        super.userEventTriggered(ctx, evt);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("connection error", cause);
      ctx.close();
    }
  }
}
