"""Builds Python protobuf's DescriptorPool from the files a server's reflection returned.

stdin: {"files": [base64 FileDescriptorProto, ...], "services": ["pkg.Service", ...]}
stdout: {"pkg.Service": [{"name", "input", "output", "client_streaming", "server_streaming"}, ...]}

Each file is added after the files it imports (a file whose import never came is an error), and
every listed service is then looked up with each of its methods: any file the pool rejects
(a wrong name, a missing or made-up import, an unresolved type or option) ends the script with
Python's error and a non-zero exit, which is what the test guards against.
"""
import base64
import json
import sys

from google.protobuf import descriptor_pb2, descriptor_pool


def add_in_import_order(pool, files):
    pending = {f.name: f for f in files}
    added = set()

    def add(name, importer):
        if name in added:
            return
        if name not in pending:
            raise SystemExit(f"{importer} imports {name}, which reflection did not return")
        proto = pending[name]
        for dependency in proto.dependency:
            add(dependency, name)
        pool.AddSerializedFile(proto.SerializeToString())
        pool.FindFileByName(name)  # builds the descriptor: unresolved names fail here
        added.add(name)

    for name in list(pending):
        add(name, "the request")


def describe(pool, service_name):
    service = pool.FindServiceByName(service_name)
    methods = []
    for method in service.methods:
        found = pool.FindMethodByName(method.full_name)
        methods.append({
            "name": found.name,
            "input": found.input_type.full_name,
            "output": found.output_type.full_name,
            "client_streaming": found.client_streaming,
            "server_streaming": found.server_streaming,
        })
    return methods


def main():
    request = json.load(sys.stdin)
    files = [descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(b)) for b in request["files"]]
    pool = descriptor_pool.DescriptorPool()
    add_in_import_order(pool, files)
    json.dump({name: describe(pool, name) for name in request["services"]}, sys.stdout)


main()
