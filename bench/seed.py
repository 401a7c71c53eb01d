#!/usr/bin/env python3
"""Seeds a runcws emulator with N running vms over one keep-alive
connection, then moves its clock on so that they are all created and
booted. Prints the id of the first instance.

Usage: seed.py BASE_URL(ending in /api) COUNT USER PASSWORD
Loopback only: the benchmark's own servers.
"""
import base64
import http.client
import json
import sys
from urllib.parse import urlsplit

ADMIN = ("admin", "test-secret-admin")
VM = {"imageUri": "image/hpcloud/nova/ami-00000075", "metadata": {}}


def main():
    base, count, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    url = urlsplit(base)
    if url.hostname not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("seed.py: refusing a non-loopback server")
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    first = None
    body = json.dumps(VM)
    for _ in range(count):
        answer = call(conn, "POST", url.path + "/resource/vm/hpcloud/nova/standard.small",
                      (user, password), body)
        first = first or answer["parameters"]["instanceId"]
    call(conn, "POST", "/_emulator/clock/advance", ADMIN, json.dumps({"by": "1h"}))
    print(first or "")


def call(conn, method, path, credentials, body=None):
    token = base64.b64encode(":".join(credentials).encode()).decode()
    headers = {"Authorization": "Basic " + token, "Content-Type": "application/json"}
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        sys.exit(f"seed.py: {method} {path}: {response.status} {data[:200]!r}")
    return json.loads(data)


if __name__ == "__main__":
    main()
