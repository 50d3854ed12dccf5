#!/usr/bin/env bash
# Unpack a Debian package into a cache outside the repository and print the folder it went to, so
# a test can run a standard tool (promtool, Python's protobuf) on a machine that does not have it
# installed, without root: `apt-get download` + `dpkg-deb -x`, no maintainer scripts, no system change.
#   usage: scripts/tools/debian-tool.sh <package>   ->   prints e.g. ~/.cache/usersvc-tools/prometheus_2.42.0+ds-5+deb12u1
# Progress goes to stderr; a package apt cannot fetch ends the script with apt's own error.
set -euo pipefail
package="${1:?usage: debian-tool.sh <debian package>}"
cache="${USERSVC_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/usersvc-tools}"
mkdir -p "$cache"

candidate() { apt-cache policy "$package" 2>/dev/null | awk '/Candidate:/ { print $2 }'; }
version="$(candidate)"
if [[ -z "$version" || "$version" == "(none)" ]]; then
  # A machine whose package lists were never fetched: fetch them when we may (root), once.
  if [[ $(id -u) -eq 0 ]]; then
    echo "debian-tool: apt-get update (no package list names $package yet)" >&2
    apt-get update -qq >&2
    version="$(candidate)"
  fi
fi
if [[ -z "$version" || "$version" == "(none)" ]]; then
  echo "debian-tool: apt knows no package '$package' (run apt-get update as root?)" >&2
  exit 1
fi

target="$cache/${package}_${version//:/%}"
if [[ ! -f "$target/.complete" ]]; then
  echo "debian-tool: fetching Debian's $package $version into $target (first run only)..." >&2
  work="$(mktemp -d "$cache/.fetch.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  # apt-get download writes into the current directory; as root it warns that _apt cannot
  # write there (it downloads unsandboxed, which is what we want here).
  (cd "$work" && apt-get download -q "$package=$version" 2>&1 | grep -v 'unsandboxed' >&2 || true)
  deb="$(ls "$work"/*.deb 2>/dev/null | head -1)"
  [[ -n "$deb" ]] || { echo "debian-tool: apt-get download $package=$version produced no .deb" >&2; exit 1; }
  mkdir -p "$work/root"
  dpkg-deb -x "$deb" "$work/root"
  touch "$work/root/.complete"
  rm -rf "$target"
  mv "$work/root" "$target"
fi
echo "$target"
