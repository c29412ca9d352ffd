# Sourced by the scripts/vendor_*.sh scripts (POSIX sh).
#
# fetch_package NAME VERSION INTEGRITY: `npm pack` the package from the npm
# registry into a temporary folder (removed on exit), check the tarball
# against the registry's integrity hash (`npm view NAME@VERSION
# dist.integrity`), unpack it, and leave the shell in that folder: the
# package's files are then in ./package.  Sets ROOT (the repository).
ROOT=$(cd "$(dirname "$0")/.." && pwd)

fetch_package() {
    script=$(basename "$0")
    command -v npm >/dev/null 2>&1 || { echo "$script: npm is needed (apt-get install npm)" >&2; exit 1; }
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
    cd "$WORK"
    npm pack --silent "$1@$2" >/dev/null
    tarball="$1-$2.tgz"
    actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
    if [ "$actual" != "$3" ]; then
        echo "$script: $tarball does not match the pinned integrity hash" >&2
        exit 1
    fi
    tar -xzf "$tarball"
}
