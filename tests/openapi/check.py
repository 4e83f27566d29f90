#!/usr/bin/env python3
"""docs/openapi.yaml against the server: the document parses, every $ref in
it resolves, every component it defines is used, and each route documents
every status the server can answer it with. The statuses come from the
server's sources (host/serve/*.c: send_error, send_buffer and the work's
status), so a status added there fails this check until it is documented.
Exits 77 (skipped) without PyYAML."""
import pathlib
import re
import sys

try:
    import yaml
except ImportError:
    print("PyYAML missing: skipped")
    sys.exit(77)

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
doc = yaml.safe_load((root / "docs/openapi.yaml").read_text())
problems = []


def walk(node, where):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v, where
            else:
                yield from walk(v, where + "/" + str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, where + "/" + str(i))


used = set()
for ref, where in walk(doc, "#"):
    target = doc
    for part in ref.lstrip("#/").split("/"):
        if not isinstance(target, dict) or part not in target:
            problems.append(f"{where}: $ref {ref} does not resolve")
            break
        target = target[part]
    used.add(ref)
for kind, items in doc.get("components", {}).items():
    if kind == "securitySchemes":
        continue
    for name in items:
        ref = f"#/components/{kind}/{name}"
        # NotFound answers every path the document does not list, so no path
        # can refer to it; the description names it instead.
        if ref not in used and name != "NotFound":
            problems.append(f"{ref} is defined but never used")

# Statuses the server's own code answers; which routes can get each.
source = "".join(p.read_text() for p in sorted((root / "host/serve").glob("*.c")))
code = set(int(s) for s in re.findall(
    r"(?:send_error\(r, |send_buffer\(r, |status = |return |fail\(w, )(\d{3})\b", source))
code |= {400}   # what the input asked for, through serve_http_status
posts = ["/v1/conv1d", "/v1/conv2d", "/v1/conv3d", "/v1/dist"]
gets = ["/v1/devices", "/healthz", "/metrics"]
# libmicrohttpd's own answers reach every route; 408 and 499 are only logged.
everywhere = {400, 405, 414, 431, 505}
only_post = {411, 413, 415, 500}
want = {}
for path in posts:
    want[path] = (code - {404, 408, 499}) | everywhere
for path in gets:
    want[path] = (code - {404, 408, 499} - only_post) | everywhere
    if path == "/healthz":
        want[path] -= {401}   # /healthz takes no token
for path, statuses in want.items():
    ops = doc["paths"].get(path)
    if not ops:
        problems.append(f"{path} is not documented")
        continue
    for method, op in ops.items():
        documented = set(int(s) for s in op.get("responses", {}) if str(s).isdigit())
        for s in sorted(statuses - documented):
            problems.append(f"{method.upper()} {path}: status {s} is not documented")
for s in sorted(code - {200, 404, 408, 499}):
    if not any(str(s) in op.get("responses", {}) or s in op.get("responses", {})
               for ops in doc["paths"].values() for op in ops.values()):
        problems.append(f"status {s} is sent but documented nowhere")

for p in problems:
    print(p)
print(f"{len(problems)} problem(s) in docs/openapi.yaml" if problems else "docs/openapi.yaml: ok")
sys.exit(1 if problems else 0)
