#!/bin/sh
# Vendor the SPARQL editor's JavaScript into webapp/static/vendor/ (issue 6).
#
# CodeMirror 5 (MIT) and its SPARQL mode come from the npm registry at a
# pinned version, checked against the registry's integrity hash, and are
# copied with their licence, so the editor page loads nothing from a CDN
# and no request leaves the server.  CodeMirror 5 sets styles through the
# CSSOM, never through inline <style> or style attributes, so it runs under
# our Content-Security-Policy unchanged.  Run from anywhere; re-running with
# the same version changes nothing.  To upgrade: change VERSION and
# INTEGRITY (`npm view codemirror@X dist.integrity`), run, commit the folder.
set -eu

VERSION=5.65.21
INTEGRITY=sha512-6teYk0bA0nR3QP0ihGMoxuKzpl5W80FpnHpBJpgy66NK3cZv5b/d/HY8PnRvfSsCG1MTfr92u2WUl+wT0E40mQ==
FILES="lib/codemirror.js lib/codemirror.css mode/sparql/sparql.js addon/edit/matchbrackets.js
addon/hint/show-hint.js addon/hint/show-hint.css"

. "$(dirname "$0")/npm_package.sh"
DEST="$ROOT/webapp/static/vendor/codemirror"
fetch_package codemirror "$VERSION" "$INTEGRITY"

rm -rf "$DEST"
mkdir -p "$DEST"
cp package/LICENSE "$DEST/LICENSE"
for file in $FILES; do
    cp "package/$file" "$DEST/$(basename "$file")"
done
cat > "$DEST/README.md" <<NOTE
# CodeMirror $VERSION

From the npm package \`codemirror@$VERSION\` ($INTEGRITY), MIT licence in
\`LICENSE\`, copied by \`scripts/vendor_js.sh\`: $(echo $FILES | sed 's/ /, /g').
Used by the SPARQL editor (\`webapp/static/sparql.js\`). Do not edit by hand.
NOTE
echo "vendored codemirror $VERSION into ${DEST#"$ROOT"/}"
