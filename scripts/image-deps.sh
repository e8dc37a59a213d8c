#!/usr/bin/env bash
# image-deps: what the image test (imagetest/, docs/image.md) needs on a fresh Debian machine,
# installed only where missing, so a second run takes well under a second:
#   - Debian packages: docker.io (dockerd, containerd, runc, docker-init), busybox-static (the
#     builder stand-in's shell), ca-certificates and tzdata (what the runtime stand-in holds);
#   - bin/buildkitd and bin/buildctl, built from the github.com/moby/buildkit module at the
#     version go.mod pins, with that module's own go.mod (its exclude directives forbid
#     `go install pkg@version`).
# Not root, or not Debian: prints one line and installs nothing; the test then skips.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}

if [ "$(uname -s)" != Linux ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	echo "image-deps: not root on Debian: nothing installed, the image test will skip"
	exit 0
fi

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
missing=()
for pair in dockerd:docker.io containerd:docker.io runc:runc docker-init:docker.io; do
	command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
[ -x /bin/busybox ] || missing+=(busybox-static)
[ -f /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
[ -d /usr/share/zoneinfo ] || missing+=(tzdata)
if [ ${#missing[@]} -gt 0 ]; then
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	echo "image-deps: apt-get install ${missing[*]}"
	apt-get update -qq
	# No daemon is started here (no systemd on these machines; the test starts its own).
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

version=$($GO list -m -f '{{.Version}}' github.com/moby/buildkit)
stamp=bin/.buildkit-version
if [ ! -x bin/buildkitd ] || [ ! -x bin/buildctl ] || [ "$(cat "$stamp" 2>/dev/null)" != "$version" ]; then
	echo "image-deps: building buildkitd and buildctl $version (a few minutes, once)"
	$GO mod download github.com/moby/buildkit
	dir=$($GO list -m -f '{{.Dir}}' github.com/moby/buildkit)
	out=$PWD/bin
	mkdir -p "$out"
	(cd "$dir" && CGO_ENABLED=0 $GO build -mod=mod -trimpath -o "$out/" ./cmd/buildkitd ./cmd/buildctl)
	echo "$version" >"$stamp"
fi
