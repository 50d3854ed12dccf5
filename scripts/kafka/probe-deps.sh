#!/usr/bin/env bash
# Prints a folder from which the broker probe (wait-for-broker.js, for one broker or a cluster) can
# require kafkajs: the repo itself once `npm ci` has run, or else the same kafkajs version
# installed once into the Kafka cache. CI starts the broker before anything else and only then
# runs the README's `npm ci && npm test`; without this it would need a whole `npm ci` (two
# minutes, most of it compiling better-sqlite3) just for the probe.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if node -e 'require.resolve("kafkajs", { paths: [process.argv[1]] })' "$root" 2>/dev/null; then
  echo "$root"
  exit 0
fi
version="$(node -p 'require(process.argv[1]).dependencies.kafkajs' "$root/package.json")"
dir="${KAFKA_CACHE_DIR:-$HOME/.cache/usersvc-kafka}/probe-kafkajs-$version"
if [[ ! -d "$dir/node_modules/kafkajs" ]]; then
  echo "kafka: installing kafkajs $version for the broker probe into $dir" >&2
  rm -rf "$dir.partial"
  npm install --prefix "$dir.partial" --no-audit --no-fund --no-package-lock "kafkajs@$version" >&2
  mv "$dir.partial" "$dir"
fi
echo "$dir"
