#!/usr/bin/env bash
# Makes the image's base, a stand-in for debian:bookworm-slim, without a
# registry: debootstrap --variant=minbase from this machine's Debian mirror,
# trimmed as the slim image is (no docs, man pages or locales), cached as a
# tarball outside the repository and imported into podman as TAG.
# Usage: base.sh TAG [CACHE_TAR]
set -euo pipefail

tag=${1:?usage: base.sh TAG [CACHE_TAR]}
cache=${2:-/var/cache/sockcost/base-bookworm.tar}
suite=bookworm

# "URI SUITE" for each Debian suite the machine's apt sources name, in both
# the one-line (.list) and the deb822 (.sources) formats.
apt_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
			print $i, $(i + 1) }' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = "" } {
			types = uris = suites = ""
			n = split($0, lines, "\n")
			for (l = 1; l <= n; l++) {
				if (lines[l] ~ /^Types:/) types = lines[l]
				if (lines[l] ~ /^URIs:/) uris = substr(lines[l], 6)
				if (lines[l] ~ /^Suites:/) suites = substr(lines[l], 8)
			}
			if (types !~ /[ \t]deb([ \t]|$)/) next
			nu = split(uris, u, " "); ns = split(suites, s, " ")
			for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i], s[j]
		}' "$f"
	done
}

# The base's own sources.list: the suites the real slim image has.
debian_sources() {
	apt_sources | awk -v s="$suite" '$2 == s || $2 == s "-updates" || $2 == s "-security" {
		if (!seen[$2]++) print "deb", $1, $2, "main" }'
}

make_tarball() {
	local mirror root
	mirror=${DEBIAN_MIRROR:-$(debian_sources | awk -v s="$suite" '$3 == s { print $2; exit }')}
	if [ -z "$mirror" ]; then
		echo "base.sh: no '$suite' suite in /etc/apt/sources.list*; set DEBIAN_MIRROR" >&2
		return 1
	fi
	root=$(mktemp -d /var/tmp/sockcost-base.XXXXXX)
	trap 'rm -rf "$root"' RETURN
	echo "debootstrap --variant=minbase $suite from $mirror (minutes, once)"
	debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.log" 2>&1 || {
		tail -20 "$root.log" >&2; rm -f "$root.log"; return 1; }
	rm -f "$root.log"
	debian_sources >"$root/etc/apt/sources.list"
	# What debian:bookworm-slim leaves out, for the packages installed later too.
	cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<-'EOF'
		path-exclude /usr/share/doc/*
		path-include /usr/share/doc/*/copyright
		path-exclude /usr/share/man/*
		path-exclude /usr/share/info/*
		path-exclude /usr/share/locale/*
		path-include /usr/share/locale/locale.alias
	EOF
	find "$root/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete
	rm -rf "$root"/usr/share/{man,info}/* "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
	find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
	mkdir -p "$(dirname "$cache")"
	tar --numeric-owner -C "$root" -cf "$cache.tmp" . && mv "$cache.tmp" "$cache"
}

[ -s "$cache" ] || make_tarball
# Import once: a re-import is a new image id, which would void podman's cache
# of the layers built on it. A tarball newer than the image replaces it.
if podman image exists "$tag"; then
	created=$(podman image inspect --format '{{.Created.Unix}}' "$tag")
	[ "$(stat -c %Y "$cache")" -gt "$created" ] || exit 0
fi
podman import --quiet "$cache" "$tag" >/dev/null
echo "imported $cache as $tag"
