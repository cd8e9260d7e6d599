#!/usr/bin/env bash
# Installs what berth needs on a fresh Debian machine (as root): the Debian packages the tests and
# benchmarks use, then the npm dependencies. Idempotent; used by the quick start and CI.
set -euo pipefail
cd "$(dirname "$0")/.."

# iproute2: tests inspect kernel state with `ip -j` (berth itself speaks netlink directly);
# iptables/nftables: masquerade rules; containernetworking-plugins: the reference plugins for interop
# tests and benchmarks (/usr/lib/cni); iputils-ping and python3 (raw ICMP) for the traffic tests;
# busybox-static: the minimal image for `berth run` (quick start, tests); runc, crun: the runtime bench;
# etcd-server: /usr/bin/etcd (3.4), the overlay's etcd store in tests (started by the tests themselves on
# loopback with a throwaway data dir; the package's systemd unit is not used); iperf3: the overlay bench's
# TCP throughput (run by the bench inside throwaway netns; its optional daemon is not enabled); curl: the
# berthd tests ask its unix-socket API and etcd's health endpoint. containerd (1.6, with its CRI
# plugin): the kubelet-path test runs a private one (own root, socket and CNI dirs) against berth's
# plugins; the package's systemd unit is not used. time: GNU time, the bench's peak RSS of a plugin exec
# (wait4's maxrss, for ours and the reference's alike). util-linux: unshare and nsenter, which create and
# enter a container's user namespace (single-threaded, as the kernel requires; Essential, listed anyway).
# docker-registry: /usr/bin/docker-registry (distribution 2.8), the registry the image pull/push tests
# start themselves on loopback with a throwaway storage dir (the package's systemd unit is not used);
# apache2-utils: htpasswd -B, the bcrypt password file of the registry's Basic-auth set-up.
PACKAGES=(iproute2 iptables nftables containernetworking-plugins iputils-ping procps python3 busybox-static runc crun etcd-server iperf3 curl containerd time util-linux docker-registry apache2-utils)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
