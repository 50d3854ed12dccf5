#!/usr/bin/env bash
# Prints the folder holding Apache Kafka's jars, fetching them from Maven Central the first time.
# Once per pom version: the pom's hash names the cache entry. Shared by the one-node and the
# cluster start. Progress goes to stderr; stdout is the folder only.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${KAFKA_CACHE_DIR:-$HOME/.cache/usersvc-kafka}"
hash="$(sha256sum "$here/pom.xml" | cut -c1-16)"
lib="$cache/lib-$hash"
if [[ ! -d "$lib" ]]; then
  echo "kafka: fetching Apache Kafka from Maven Central into $lib (first run only)..." >&2
  mvn -q -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib.partial" >&2
  mv "$lib.partial" "$lib"
fi
echo "$lib"
