"""What the sandbox node's pct, qm and vzdump share: the API client, PVE's CLI argument rules
(Getopt::Long with '-' or '--', permuted, '--' ends options), its errors and exit codes.

The commands talk to the sandbox's HTTPS API, trusting only the sandbox's certificate, with the
credentials in credentials.json (mode 0600) next to this file. Reads and sandbox-only calls use
the root@pam API token; changes log in as root@pam with a ticket, as PVE's CLI runs as root@pam
(a token may not set container features such as keyctl).
"""

import http.client
import json
import os
import ssl
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.realpath(__file__))


class Die(Exception):
    """Ends the command: the message goes to stderr; the code is the exit status.

    PVE's CLI is Perl: a die exits 255, or with errno when one is set (2, ENOENT, when a guest's
    config file does not exist)."""

    def __init__(self, message, code=255):
        super().__init__(message)
        self.message = message if message.endswith("\n") else message + "\n"
        self.code = code


class ApiError(Exception):
    def __init__(self, status, message, errors=None):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors or {}


def run(main):
    """Runs main(argv) and exits as PVE's CLI does."""
    try:
        code = main(sys.argv[1:]) or 0
    except Die as e:
        sys.stdout.flush()
        sys.stderr.write(e.message)
        code = e.code
    except BrokenPipeError:
        code = 141
    sys.stdout.flush()
    sys.exit(code)


# ---- arguments ----

class Command:
    """One CLI command: its positional arguments, the options it knows (None: pass any to the API),
    which of them are booleans, and whether it ends with extra-args (argv after '--')."""

    def __init__(self, exe, name, positional=(), options=None, booleans=(), extra_args=False):
        self.exe, self.name = exe, name
        self.positional, self.options = list(positional), options
        self.booleans, self.extra_args = set(booleans), extra_args

    def usage(self):
        args = "".join(" <%s>" % p for p in self.positional)
        if self.extra_args:
            args += " [<extra-args>]"
        return "%s %s%s [OPTIONS]\n" % (self.exe, self.name, args)

    def error(self, message, errors=None):
        text = "400 " + message + "\n"
        for key in sorted(errors or {}):
            text += "%s: %s\n" % (key, errors[key])
        return Die(text + self.usage())

    def parse(self, argv):
        """Returns (positional values as a dict, options as a dict, extra args)."""
        words, opts, i, ended = [], {}, 0, False
        while i < len(argv):
            a = argv[i]
            i += 1
            if ended or not a.startswith("-") or a == "-":
                words.append(a)
                continue
            if a == "--":
                ended = True
                continue
            name, eq, value = a.lstrip("-").partition("=")
            if self.options is not None and name not in self.options:
                sys.stderr.write("Unknown option: %s\n" % name)
                raise self.error("unable to parse option")
            if not eq:
                nxt = argv[i] if i < len(argv) else None
                optional = self.options is None or name in self.booleans  # Getopt's ':s'
                if nxt is not None and nxt != "--" and not (optional and nxt.startswith("-")):
                    value = nxt
                    i += 1
                elif optional:
                    value = ""
                else:
                    sys.stderr.write("Option %s requires an argument\n" % name)
                    raise self.error("unable to parse option")
            if name in self.booleans or (self.options is None and value == ""):
                value = boolean(self, name, value)
            if name in opts:
                opts[name] = (opts[name] if isinstance(opts[name], list) else [opts[name]]) + [value]
            else:
                opts[name] = value
        if len(words) < len(self.positional):
            raise self.error("not enough arguments")
        if len(words) > len(self.positional) and not self.extra_args:
            raise self.error("too many arguments")
        n = len(self.positional)
        values = dict(zip(self.positional, words[:n]))
        if "vmid" in values:
            values["vmid"] = vmid(self, values["vmid"])
        return values, opts, words[n:]


def boolean(cmd, name, value):
    v = value.lower()
    if v in ("", "1", "on", "yes", "true"):
        return "1"
    if v in ("0", "off", "no", "false"):
        return "0"
    raise cmd.error("Parameter verification failed.", {name: "type check ('boolean') failed - got '%s'" % value})


def vmid(cmd, value):
    if not value.lstrip("+-").isdigit():
        raise cmd.error("Parameter verification failed.", {"vmid": "type check ('integer') failed - got '%s'" % value})
    n = int(value)
    if n < 100:
        raise cmd.error("Parameter verification failed.", {"vmid": "value must have a minimum value of 100"})
    if n > 999999999:
        raise cmd.error("Parameter verification failed.", {"vmid": "value must have a maximum value of 999999999"})
    return str(n)


def dispatch(exe, commands, argv, groups=()):
    """PVE's CLIHandler: finds the command (a group such as 'qm guest' takes a second word)."""
    name = argv[0] if argv else None
    if name in groups:
        if len(argv) < 2:
            abort(exe, commands, "incomplete command '%s %s'" % (exe, name))
        name, argv = name + " " + argv[1], argv[1:]
    if name in ("help", "--help", "-h"):
        sys.stdout.write(usage(exe, commands))
        return 0
    if name is None:
        abort(exe, commands, "no command specified")
    entry = commands.get(name)
    if entry is None:
        abort(exe, commands, "unknown command '%s %s'" % (exe, name))
    cmd, handler = entry
    return handler(cmd, *cmd.parse(argv[1:]))


def usage(exe, commands):
    lines = ["USAGE: %s <COMMAND> [ARGS] [OPTIONS]\n" % exe]
    for name in sorted(commands):
        lines.append("       " + commands[name][0].usage())
    lines.append("       %s help [<extra-args>] [OPTIONS]\n" % exe)
    return "".join(lines)


def abort(exe, commands, reason):
    raise Die("ERROR: %s\n%s" % (reason, usage(exe, commands)))


# ---- the API ----

class Api:
    def __init__(self):
        with open(os.path.join(HERE, "credentials.json"), encoding="utf-8") as f:
            self.conf = json.load(f)
        url = urllib.parse.urlsplit(self.conf["url"])
        self.base = url.path
        self.node = self.conf["node"]
        context = ssl.create_default_context(cafile=self.conf["ca"])
        self.http = http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=600)
        self.ticket = None

    def login(self):
        """A root@pam ticket and CSRF token, as PVE's CLI acts as root@pam."""
        if self.ticket is None:
            res = self.call("POST", "/access/ticket", {"username": self.conf["user"], "password": self.conf["password"]}, auth=False)
            self.ticket = (res["ticket"], res["CSRFPreventionToken"])
        return self.ticket

    def call(self, method, path, params=None, as_root=False, auth=True, body_json=False):
        headers = {"Accept": "application/json"}
        if as_root:
            ticket, csrf = self.login()
            headers["Cookie"] = "PVEAuthCookie=" + urllib.parse.quote(ticket, safe="")
            headers["CSRFPreventionToken"] = csrf
        elif auth:
            headers["Authorization"] = "PVEAPIToken=%s=%s" % (self.conf["tokenId"], self.conf["tokenSecret"])
        target, body = self.base + path, None
        if params and method in ("GET", "DELETE"):
            target += "?" + urllib.parse.urlencode(params, doseq=True)
        elif params is not None and body_json:
            body = json.dumps(params).encode("utf-8")
            headers["Content-Type"] = "application/json"
        elif params is not None:
            body = urllib.parse.urlencode(params, doseq=True).encode("utf-8")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):  # pveproxy closes idle and failed connections; reconnect once
            try:
                self.http.request(method, target, body=body, headers=headers)
                resp = self.http.getresponse()
                raw = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.http.close()
                if attempt == 2:
                    raise Die("connection to the sandbox API at %s lost" % self.conf["url"])
            except OSError as e:
                raise Die("unable to connect to the sandbox API at %s: %s" % (self.conf["url"], e))
        try:
            answer = json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            answer = {}
        if resp.status != 200:
            if resp.will_close:
                self.http.close()
            message = answer.get("message") or resp.reason
            raise ApiError(resp.status, message.rstrip("\n"), answer.get("errors"))
        return answer.get("data")

    def follow(self, upid):
        """Prints a task's log as PVE's CLI runs a worker in the foreground; its exit code."""
        path = "/nodes/%s/tasks/%s" % (self.node, urllib.parse.quote(upid, safe=""))
        printed, unseen = 0, 0
        while True:
            try:
                status = self.call("GET", path + "/status")
            except ApiError as e:
                unseen += 1
                if e.status == 400 and unseen < 50:  # not visible yet
                    time.sleep(0.1)
                    continue
                raise
            # read after the status: once it says stopped, this read has the whole log
            for line in self.call("GET", path + "/log", {"start": printed, "limit": 100000}) or []:
                if line["n"] == 1 and line["t"] == "no content":
                    continue
                printed = line["n"]
                if not line["t"].startswith(("TASK OK", "TASK ERROR: ", "TASK WARNINGS: ")):
                    sys.stdout.write(line["t"] + "\n")
            sys.stdout.flush()
            if status.get("status") == "stopped":
                exitstatus = status.get("exitstatus", "unexpected status")
                if exitstatus == "OK":
                    return 0
                if exitstatus.startswith("WARNINGS: "):
                    sys.stderr.write("Task finished with %s warning(s)!\n" % exitstatus[len("WARNINGS: "):])
                    return 0
                raise Die(exitstatus)
            time.sleep(0.1)


def die_from(e, cmd=None):
    """An API error as PVE's CLI shows the same failure raised in-process."""
    if isinstance(e, ApiError):
        if e.status == 400 and cmd is not None:
            return cmd.error(e.message, e.errors)
        if e.message.startswith("Configuration file ") and e.message.endswith(" does not exist"):
            return Die(e.message, 2)
        return Die(e.message if e.status == 500 else "%d %s" % (e.status, e.message))
    return e


def api_call(cmd, api, method, path, params=None, as_root=False, body_json=False):
    try:
        return api.call(method, path, params, as_root=as_root, body_json=body_json)
    except ApiError as e:
        raise die_from(e, cmd)


def scalar(v):
    """A JSON value as Perl prints it: integers without '.0', no booleans."""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def encode_text(text):
    """PVE::ParseUtils::encode_text: escapes control and non-ASCII bytes, ':' and '%'."""
    out = []
    for b in text.encode("utf-8"):
        out.append(chr(b) if 0x20 <= b <= 0x7e and b not in (0x25, 0x3a) else "%%%02X" % b)
    return "".join(out)


def print_config(config, skip=("digest",)):
    """pct/qm config: sorted 'key: value' lines."""
    for key in sorted(config):
        if key in skip:
            continue
        value = config[key]
        if key == "description":
            value = encode_text(value)
        sys.stdout.write("%s: %s\n" % (key, scalar(value)))


def pretty_json(value):
    """Perl's to_json(..., {pretty => 1, canonical => 1}): 3-space indent, ' : ', sorted keys."""
    return json.dumps(value, indent=3, sort_keys=True, separators=(",", " : "), ensure_ascii=False) + "\n"


def print_agent_result(data):
    """qm's print_agent_result."""
    result = data.get("result", data) if isinstance(data, dict) else data
    if result is None or result == {}:
        return
    if isinstance(result, (dict, list)):
        sys.stdout.write(pretty_json(result))
    elif str(result).strip():
        sys.stdout.write(str(result).rstrip("\n") + "\n")


def task_command(api, cmd, method, path, params, as_root=True):
    """A command whose API call starts a worker: follows it, exits 255 when it fails."""
    upid = api_call(cmd, api, method, path, params, as_root=as_root)
    try:
        return api.follow(upid)
    except ApiError as e:
        raise die_from(e)
