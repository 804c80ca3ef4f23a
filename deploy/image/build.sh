#!/usr/bin/env bash
# Builds the sockcostd image (deploy/image/Containerfile) from BUILD's
# sockcost and sockcostd on the locally made Debian base (base.sh), as TAG.
# Usage: build.sh BUILD TAG   (make image; IMAGE_BASE_CACHE: the base tarball)
set -euo pipefail

build=${1:?usage: build.sh BUILD TAG}
tag=${2:?usage: build.sh BUILD TAG}
here=$(cd "$(dirname "$0")" && pwd)
base_tag=localhost/sockcost-base:bookworm

for tool in podman debootstrap; do
	command -v "$tool" >/dev/null ||
		{ echo "build.sh: $tool is not installed (make deps)" >&2; exit 1; }
done
"$here/base.sh" "$base_tag" "${IMAGE_BASE_CACHE:-/var/cache/sockcost/base-bookworm.tar}"

# The context holds only the two binaries.
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "$build/sockcost" "$build/sockcostd" "$ctx/"

# podman 4.3 asks for its own default limits (1048576 fds and more
# processes than it runs under itself): without CAP_SYS_RESOURCE setrlimit
# refuses them. The RUN steps get this shell's hard fd limit and a few
# thousand processes instead.
nofile=$(ulimit -Hn)
[ "$nofile" != unlimited ] || nofile=-1
version=$("$build/sockcostd" --version | awk '{ print $2 }')
revision=$(git -C "$here" rev-parse HEAD 2>/dev/null || echo unknown)

# runc: crun refuses hosts with a hybrid cgroup layout. Host network: apt
# reaches the mirror as the host does.
podman build --runtime runc --network host \
	--ulimit "nofile=$nofile:$nofile" --ulimit nproc=4096:4096 \
	--build-arg "BASE=$base_tag" \
	--label "org.opencontainers.image.title=sockcostd" \
	--label "org.opencontainers.image.version=$version" \
	--label "org.opencontainers.image.revision=$revision" \
	-f "$here/Containerfile" -t "$tag" "$ctx"
