#!/usr/bin/env python3
"""Distil the official Proxmox VE API schema into the facts pvedeploy uses.

Reads one flattened schema file (a list of {path, method, parameters, ...}
objects, as produced from pve-docs' api-viewer/apidata.js) and writes a
compact JSON resource that keeps only machine facts: paths, methods, names,
parameter names, types, enums, ranges, patterns, formats, defaults, and the
`allowtoken`/`protected` flags. Every description and other prose is dropped.

The project never reads the upstream schema at build, test or run time; this
script is run by a developer when the schema version changes, and its output
is committed:

    python3 tools/pve-schema/generate.py SCHEMA.json 9.1 > \
        proxmox-sandbox/src/main/resources/io/pvedeploy/sandbox/schema/pve-api.json
"""
import json
import sys

# Keys of a parameter (or a property-string sub-key) that are facts.
PARAM_FACTS = (
    "type", "optional", "enum", "pattern", "minimum", "maximum",
    "minLength", "maxLength", "default", "default_key", "alias",
    "keyAlias", "requires", "format",
)


def facts_of(schema):
    out = {}
    for key in PARAM_FACTS:
        if key not in schema:
            continue
        value = schema[key]
        if key == "format" and isinstance(value, dict):
            value = {name: facts_of(sub) for name, sub in sorted(value.items())}
        out[key] = value
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        out["items"] = facts_of(schema["items"])
    return out


def endpoint_facts(endpoint):
    params = (endpoint.get("parameters") or {}).get("properties") or {}
    out = {
        "path": endpoint["path"],
        "method": endpoint["method"],
        "name": endpoint.get("name"),
        "allowtoken": int(endpoint.get("allowtoken", 1) or 0),
        "protected": int(endpoint.get("protected", 0) or 0),
        "parameters": {name: facts_of(p) for name, p in sorted(params.items())},
    }
    returns = endpoint.get("returns") or {}
    if "type" in returns:
        out["returns"] = returns["type"]
    return out


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: generate.py SCHEMA.json VERSION > out.json")
    with open(argv[1], encoding="utf-8") as f:
        endpoints = json.load(f)
    facts = sorted((endpoint_facts(e) for e in endpoints),
                   key=lambda e: (e["path"], e["method"]))
    doc = {
        "source": "proxmox/pve-docs api-viewer/apidata.js, flattened",
        "pveVersion": argv[2],
        "endpoints": facts,
    }
    json.dump(doc, sys.stdout, separators=(",", ":"), sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
