"""Drives a PVE API (here: the standalone sandbox) with proxmoxer, unchanged.

Arguments: host port token_id token_secret ca_pem
Prints one JSON object: what each step saw, for the Java test to check.
"""
import json
import sys
import time

import requests

from proxmoxer import ProxmoxAPI
from proxmoxer.core import ResourceException

TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"


def wait(api, node, upid, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            status = api.nodes(node).tasks(upid).status.get()
        except ResourceException as e:
            if "no such task" not in str(e):
                raise
            status = {"status": "running"}
        if status["status"] == "stopped":
            return status["exitstatus"]
        time.sleep(0.05)
    raise RuntimeError("task %s did not finish" % upid)


def error_of(call):
    """What proxmoxer shows of a failure. Its 'content' is PVE's own text (the reason phrase);
    proxmoxer 1.2 reads 'errors' from 'data', which PVE leaves null, so it never has them."""
    try:
        call()
    except ResourceException as e:
        return {"status": e.status_code, "message": e.content}
    return None


def main():
    host, port, token_id, secret, ca_pem = sys.argv[1:6]
    user, token_name = token_id.split("!", 1)
    api = ProxmoxAPI(host, port=int(port), user=user, token_name=token_name,
                     token_value=secret, verify_ssl=ca_pem)
    seen = {"steps": []}
    node = "pve1"
    vmid = int(api.cluster.nextid.get())
    ct = api.nodes(node).lxc(vmid)

    def step(name, upid):
        seen["steps"].append([name, wait(api, node, upid)])

    step("create", api.nodes(node).lxc.post(vmid=vmid, ostemplate=TEMPLATE, hostname="interop",
                                            rootfs="local-lvm:8", memory=512,
                                            net0="name=eth0,bridge=vmbr0,ip=dhcp",
                                            features="nesting=1"))
    config = ct.config.get()
    ct.config.put(memory=1024, digest=config["digest"])
    seen["memory"] = ct.config.get()["memory"]
    seen["unprivileged"] = config.get("unprivileged")
    step("start", ct.status.start.post())
    seen["status"] = ct.status.current.get()["status"]
    step("snapshot", ct.snapshot.post(snapname="interop_snap"))
    step("vzdump", api.nodes(node).vzdump.post(vmid=vmid, storage="local", mode="snapshot",
                                               compress="zstd"))
    seen["backups"] = [v["volid"] for v in api.nodes(node).storage("local").content.get(content="backup")
                       if int(v.get("vmid", 0)) == vmid]
    step("stop", ct.status.stop.post())
    step("destroy", ct.delete(purge=1))
    seen["gone"] = all(r.get("vmid") != vmid for r in api.cluster.resources.get(type="vm"))

    seen["bad_vmid"] = error_of(lambda: api.nodes(node).lxc.post(vmid=42, ostemplate=TEMPLATE))
    # The per-field errors PVE sends with a 400, read with requests (what proxmoxer is built on).
    raw = requests.post("https://%s:%s/api2/json/nodes/%s/lxc" % (host, port, node),
                        headers={"Authorization": "PVEAPIToken=%s=%s" % (token_id, secret)},
                        data={"vmid": 42, "ostemplate": TEMPLATE}, verify=ca_pem)
    seen["bad_vmid_raw"] = {"status": raw.status_code, "reason": raw.reason,
                            "errors": raw.json().get("errors")}
    seen["keyctl_by_token"] = error_of(lambda: api.nodes(node).lxc.post(
        vmid=vmid, ostemplate=TEMPLATE, rootfs="local-lvm:8", features="nesting=1,keyctl=1"))
    wrong = ProxmoxAPI(host, port=int(port), user=user, token_name=token_name,
                       token_value="00000000-0000-0000-0000-000000000000", verify_ssl=ca_pem)
    seen["wrong_token"] = error_of(lambda: wrong.version.get())
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
