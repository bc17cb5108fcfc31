#!/usr/bin/env bash
# Debian packages the real tests run as local processes: PostgreSQL 15, etcd, HAProxy; debootstrap for the
# lab's Debian base image (lab:debianBase=debootstrap).
set -euo pipefail
source "$(dirname "$0")/../lib/apt.sh"
# Installed with service starts denied: the tests start their own on free ports, and services the host already
# ran are never touched.
apt_install_no_start postgresql-15 etcd-server etcd-client haproxy procps iproute2 debootstrap
