#!/usr/bin/env python3
"""Checks Vigil's OpenAPI document (Sources/API/Web/openapi.yaml) against a running `vigil run`.

A lighter stand-in for schemathesis (which drives thousands of generated requests: too slow for CI's budget): every
path and method of the document is requested with real parameters (a camera the daemon runs, an event id it
indexed) and with bad ones (an unknown camera or event, an out-of-range limit); each answer's status must be one
the document lists for that operation, and a JSON body must validate against the documented schema (jsonschema,
OpenAPI 3.0's `nullable` mapped to JSON Schema). Every documented operation must be exercised at least once.
Streaming operations (x-streaming) are checked by their status and content type only.

usage: check_openapi.py BASE_URL CAMERA   (exit status 0 when the server matches the document)
"""
import copy, json, os, sys, urllib.error, urllib.request

import jsonschema
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def to_json_schema(node, components):
    """OpenAPI 3.0 schema → JSON Schema (draft 2020-12): `nullable`, `$ref` to components resolved inline."""
    if isinstance(node, list):
        return [to_json_schema(n, components) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].split("/")[-1]
        return to_json_schema(components[name], components)
    out = {k: to_json_schema(v, components) for k, v in node.items() if k not in ("nullable", "format", "x-streaming")}
    if node.get("nullable"):
        t = out.get("type")
        out["type"] = [t, "null"] if isinstance(t, str) else t
    return out


def request(url, method, headers=None, stream=False):
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        r = urllib.request.urlopen(req, timeout=10)
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()
    with r:
        body = r.read(2048) if stream else r.read()
        return r.status, r.headers.get("Content-Type", ""), body


def main():
    base, camera = sys.argv[1].rstrip("/"), sys.argv[2]
    with open(os.path.join(ROOT, "Sources/API/Web/openapi.yaml")) as f:
        doc = yaml.safe_load(f)
    components = doc["components"]["schemas"]
    responses = doc["components"]["responses"]
    status, _, body = request(base + "/api/events?limit=1", "GET")
    events = json.loads(body)["events"]
    event_id = events[0]["id"] if events else 1
    good = {"name": camera, "id": str(event_id)}
    bad = {"name": "no-such-camera", "id": "987654321"}
    failures, exercised = [], set()
    cases = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            params = {"good": good, "bad": bad}
            for kind, values in params.items():
                if "{" not in path and kind == "bad":
                    continue
                cases.append((path, method, op, path.format(**values), kind))
            if path == "/api/events" and method == "get":
                cases.append((path, method, op, "/api/events?limit=0", "bad"))
                cases.append((path, method, op, "/api/events?limit=2&min_severity=warning", "good"))
    for path, method, op, url, kind in cases:
        streaming = op.get("x-streaming", False)
        code, ctype, body = request(base + url, method.upper(), stream=streaming)
        documented = op["responses"]
        spec = documented.get(str(code))
        label = f"{method.upper()} {url} → {code}"
        if spec is None:
            failures.append(f"{label}: status not in the document ({', '.join(documented)})")
            continue
        if "$ref" in spec:
            spec = responses[spec["$ref"].split("/")[-1]]
        exercised.add((path, method))
        content = spec.get("content", {})
        if streaming and code == 200:
            continue
        if "application/json" in content:
            if not ctype.startswith("application/json"):
                failures.append(f"{label}: content type {ctype}, documented application/json")
                continue
            schema = to_json_schema(copy.deepcopy(content["application/json"].get("schema", {})), components)
            try:
                jsonschema.validate(json.loads(body), schema)
            except jsonschema.ValidationError as e:
                failures.append(f"{label}: body does not match the schema: {e.message}")
        elif content:
            want = next(iter(content))
            if not ctype.startswith(want.split(";")[0]):
                failures.append(f"{label}: content type {ctype}, documented {want}")
        print("ok  ", label)
    for path, ops in doc["paths"].items():
        for method in ops:
            if (path, method) not in exercised:
                failures.append(f"{method.upper()} {path}: never answered with a documented status")
    for f in failures:
        print("FAIL", f)
    print(f"openapi: {len(cases)} requests, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
