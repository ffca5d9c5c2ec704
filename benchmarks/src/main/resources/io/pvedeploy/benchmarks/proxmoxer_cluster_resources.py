"""Times GET /cluster/resources through proxmoxer, unchanged, against a PVE (or the sandbox).

Arguments: host port token_id token_secret ca_pem warmup iterations
Prints one JSON line: {"samples_ms": [...], "items": N, "proxmoxer": "version"}.
"""
import json
import sys
import time

import proxmoxer
from proxmoxer import ProxmoxAPI


def main():
    host, port, token_id, secret, ca_pem, warmup, iterations = sys.argv[1:8]
    user, token_name = token_id.split("!", 1)
    api = ProxmoxAPI(host, port=int(port), user=user, token_name=token_name,
                     token_value=secret, verify_ssl=ca_pem, timeout=60)
    items = 0
    for _ in range(int(warmup)):
        items = len(api.cluster.resources.get())
    samples = []
    for _ in range(int(iterations)):
        start = time.perf_counter()
        items = len(api.cluster.resources.get())
        samples.append((time.perf_counter() - start) * 1000.0)
    print(json.dumps({"samples_ms": samples, "items": items,
                      "proxmoxer": getattr(proxmoxer, "__version__", "?")}))


if __name__ == "__main__":
    main()
