# shellcheck shell=bash
# Helpers shared by scripts/run.sh and scripts/test.sh. Source it; it does nothing by itself.

say() { printf '\033[1m[%s]\033[0m %s\n' "${SCRIPT_NAME:-script}" "$*"; }
warn() { printf '\033[33m[%s] warning:\033[0m %s\n' "${SCRIPT_NAME:-script}" "$*" >&2; }
die() { printf '\033[31m[%s] error:\033[0m %s\n' "${SCRIPT_NAME:-script}" "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Prints the path of a command, also looking in the sbin folders a non-root PATH often lacks.
find_command() {
  local name=$1 dir
  if command -v "$name" 2>/dev/null; then return 0; fi
  for dir in /usr/sbin /sbin /usr/local/sbin; do
    if [ -x "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
  done
  return 1
}

# apt_install PACKAGE...: installs Debian packages as root; runs 'apt-get update' only when the first
# attempt fails (a fresh machine's package lists may be empty or stale). Returns non-zero when it cannot.
apt_install() {
  is_root || return 1
  command -v apt-get >/dev/null 2>&1 || return 1
  say "installing $* (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1; then return 0; fi
  say "apt-get install failed; running apt-get update and trying again"
  apt-get update >/dev/null 2>&1 || true
  apt-get install -y --no-install-recommends "$@" >/dev/null
}

# True when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
