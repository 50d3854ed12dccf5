#!/usr/bin/env python3
"""Opens a sealed record of users.events (or users.commands) as a subscriber outside the service.

Reads one record value (the protobuf `userservice.UserEvent`, as `kcat -f '%s'` prints it) on
stdin, fetches its user's key from the service's gateway (GET /v1/userKeys?ids=...), and writes
the sealed event, opened, on stdout: a whole `userservice.UserEvent`, for
`protoc --decode=userservice.UserEvent --proto_path=proto proto/user_log.proto`.
A record that is not sealed (`user_erased`) is written as it is. Keys are not kept: an erased
user's key is gone from the service, and this script exits 3 for its records.

    kcat -b 127.0.0.1:9092 -C -t users.events -o -1 -c 1 -e -q -f '%s' -X isolation.level=read_committed \\
      | python3 scripts/outsider/open_sealed.py --gateway http://127.0.0.1:8080 \\
      | protoc --decode=userservice.UserEvent --proto_path=proto proto/user_log.proto

Needs Python 3 and `cryptography` (Debian: python3-cryptography) only.
"""
import argparse
import base64
import json
import sys
import urllib.parse
import urllib.request

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED_FIELD = 15  # UserEvent.sealed and Command.sealed


def varint(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


def fields(data):
    """The top-level fields of a protobuf message: (number, wire type, value) in order."""
    at = 0
    while at < len(data):
        key, at = varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = varint(data, at)
        elif wire == 1:
            value, at = data[at:at + 8], at + 8
        elif wire == 2:
            length, at = varint(data, at)
            value, at = data[at:at + length], at + length
        elif wire == 5:
            value, at = data[at:at + 4], at + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield number, wire, value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", default="http://127.0.0.1:8080", help="the service's REST gateway")
    args = parser.parse_args()
    record = sys.stdin.buffer.read()
    top = {number: value for number, wire, value in fields(record) if wire == 2}
    if SEALED_FIELD not in top:
        sys.stdout.buffer.write(record)
        return 0
    command_id = top.get(1, b"").decode()
    sealed = {number: value for number, wire, value in fields(top[SEALED_FIELD]) if wire == 2}
    user_id, nonce, ciphertext = sealed[1].decode(), sealed[2], sealed[3]
    url = f"{args.gateway}/v1/userKeys?{urllib.parse.urlencode({'ids': user_id})}"
    with urllib.request.urlopen(url, timeout=10) as response:
        answer = json.load(response)
    key = answer.get("keys", {}).get(user_id)
    if key is None:
        print(f"user {user_id} was erased: its records can no longer be opened", file=sys.stderr)
        return 3
    aad = b"usersvc-sealed-v1\0" + user_id.encode() + b"\0" + command_id.encode()
    sys.stdout.buffer.write(AESGCM(base64.b64decode(key)).decrypt(nonce, ciphertext, aad))
    return 0


if __name__ == "__main__":
    sys.exit(main())
