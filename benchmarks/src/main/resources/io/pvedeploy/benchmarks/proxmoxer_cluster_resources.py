"""Times GET /cluster/resources through proxmoxer, unchanged, against a PVE (or the sandbox).

Arguments: host port token_id token_secret ca_pem warmup iterations
Two measurements, each `iterations` calls after `warmup` calls:
  call_ms:   the whole call over HTTPS to the server;
  decode_ms: proxmoxer's whole call path (URL building, requests session, its JSON
             serializer) with the network replaced by a transport adapter that answers the
             bytes the server sent, so only the client's own work is timed.
Prints one JSON line: {"call_ms": [...], "decode_ms": [...], "items": N, "bytes": N,
"proxmoxer": "version"}.
"""
import json
import sys
import time

import proxmoxer
import requests
from proxmoxer import ProxmoxAPI


class CannedAnswer(requests.adapters.BaseAdapter):
    """A requests transport that answers every request with the same recorded body."""

    def __init__(self, body):
        super().__init__()
        self.body = body

    def send(self, request, **kwargs):
        response = requests.Response()
        response.status_code = 200
        response.reason = "OK"
        response.headers["Content-Type"] = "application/json;charset=UTF-8"
        response._content = self.body
        response.encoding = "utf-8"
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def timed(call, warmup, iterations):
    items = 0
    for _ in range(warmup):
        items = len(call())
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        items = len(call())
        samples.append((time.perf_counter() - start) * 1000.0)
    return samples, items


def main():
    host, port, token_id, secret, ca_pem, warmup, iterations = sys.argv[1:8]
    warmup, iterations = int(warmup), int(iterations)
    user, token_name = token_id.split("!", 1)

    def client():
        return ProxmoxAPI(host, port=int(port), user=user, token_name=token_name,
                          token_value=secret, verify_ssl=ca_pem, timeout=60)

    api = client()
    call_ms, items = timed(lambda: api.cluster.resources.get(), warmup, iterations)

    body = requests.get("https://%s:%s/api2/json/cluster/resources" % (host, port),
                        headers={"Authorization": "PVEAPIToken=%s=%s" % (token_id, secret)},
                        verify=ca_pem).content
    offline = client()
    offline._store["session"].mount("https://", CannedAnswer(body))
    decode_ms, _ = timed(lambda: offline.cluster.resources.get(), warmup, iterations)

    print(json.dumps({"call_ms": call_ms, "decode_ms": decode_ms, "items": items,
                      "bytes": len(body), "proxmoxer": getattr(proxmoxer, "__version__", "?")}))


if __name__ == "__main__":
    main()
