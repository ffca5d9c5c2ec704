"""The pvedeploy demo's backend: notes in PostgreSQL, a visit counter in Redis.

GET /health   200 when both PostgreSQL and Redis answer, else 503
GET /         the counter (incremented) and the notes
GET /notes    the notes
POST /notes   adds a note (the request body, UTF-8 text) and returns it

The database password is read once, as root, from DB_PASSWORD_FILE (a compose secret, mode
0400); then the process drops to the user 'app'. It is never logged, returned or put in env.
"""
import json
import os
import pwd
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2
import redis

DB = dict(
    host=os.environ.get("DB_HOST", "db"),
    port=int(os.environ.get("DB_PORT", "5432")),
    user=os.environ.get("DB_USER", "app"),
    dbname=os.environ.get("DB_NAME", "app"),
    connect_timeout=3,
)
REDIS = redis.Redis(host=os.environ.get("REDIS_HOST", "redis"), port=6379,
                    socket_timeout=3, socket_connect_timeout=3)
VERSION = os.environ.get("DEMO_VERSION", "1")


def read_password():
    path = os.environ.get("DB_PASSWORD_FILE", "/run/secrets/db_password")
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except OSError as e:
        sys.exit(f"backend: cannot read the database password from {path} ({e.strerror});"
                 " give the service the secret db_password")


def drop_privileges(user="app"):
    if os.getuid() != 0:
        return
    entry = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)


PASSWORD = read_password()
drop_privileges()


def db():
    conn = psycopg2.connect(password=PASSWORD, **DB)
    conn.autocommit = True
    return conn


def query(sql, args=()):
    conn = db()
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS notes ("
                        " id serial PRIMARY KEY, text text NOT NULL,"
                        " created timestamptz NOT NULL DEFAULT now())")
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def notes():
    return [{"id": i, "text": t, "created": c.isoformat()}
            for i, t, c in query("SELECT id, text, created FROM notes ORDER BY id")]


def check(what, probe):
    try:
        probe()
        return "ok"
    except Exception as e:  # report the kind of failure, never connection details
        return f"failing: {type(e).__name__}"


class Handler(BaseHTTPRequestHandler):
    server_version = "pvedeploy-demo-backend/" + VERSION

    def send_json(self, status, body):
        data = (json.dumps(body, indent=2) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def fail(self, e):
        self.send_json(503, {"error": type(e).__name__})

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/health":
            status = {"postgres": check("postgres", lambda: query("SELECT 1")),
                      "redis": check("redis", REDIS.ping)}
            ok = all(v == "ok" for v in status.values())
            self.send_json(200 if ok else 503, dict(status=("ok" if ok else "failing"), **status))
        elif path == "/":
            try:
                self.send_json(200, {"backend": VERSION, "visits": REDIS.incr("visits"), "notes": notes()})
            except Exception as e:
                self.fail(e)
        elif path == "/notes":
            try:
                self.send_json(200, notes())
            except Exception as e:
                self.fail(e)
        else:
            self.send_json(404, {"error": "not found"})

    def do_POST(self):
        if self.path.split("?", 1)[0] != "/notes":
            self.send_json(404, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        text = self.rfile.read(min(length, 64 * 1024)).decode("utf-8", "replace").strip()
        if not text:
            self.send_json(400, {"error": "the note is the request body; it was empty"})
            return
        try:
            (row,) = query("INSERT INTO notes (text) VALUES (%s) RETURNING id, text, created", (text,))
            self.send_json(201, {"id": row[0], "text": row[1], "created": row[2].isoformat()})
        except Exception as e:
            self.fail(e)

    def log_message(self, fmt, *args):
        if not self.path.startswith("/health"):
            sys.stderr.write("backend: %s %s\n" % (self.address_string(), fmt % args))


if __name__ == "__main__":
    print(f"backend {VERSION}: listening on :8000 (PostgreSQL at {DB['host']}, Redis at "
          f"{REDIS.connection_pool.connection_kwargs['host']})", flush=True)
    ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
