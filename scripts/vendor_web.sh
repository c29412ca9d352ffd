#!/bin/sh
# Vendor the graph view's JavaScript library into webapp/static/vendor/.
#
# Cytoscape.js comes from the npm registry at a pinned version, checked
# against the registry's integrity hash, and is copied with its licence, so
# the served pages load nothing from a CDN (issue 5: "no request leaves the
# server").  Run from anywhere; re-running with the same version changes
# nothing.  To upgrade: change VERSION and INTEGRITY (`npm view
# cytoscape@X dist.integrity`), run, and commit the vendor folder.
set -eu

VERSION=3.35.0
INTEGRITY=sha512-sMvBIXiGMnhkCaWz2R06FwF/27MNlS+Tqvi17foO9UhnUg3XGZccKjxsvEqQFAQYMSSZmN5SxYzUYlQ0DOJJ3g==

. "$(dirname "$0")/npm_package.sh"
DEST="$ROOT/webapp/static/vendor/cytoscape"
fetch_package cytoscape "$VERSION" "$INTEGRITY"

mkdir -p "$DEST"
cp package/dist/cytoscape.min.js "$DEST/cytoscape.min.js"
cp package/LICENSE "$DEST/LICENSE"
cat > "$DEST/README.md" <<NOTE
# Cytoscape.js $VERSION

\`cytoscape.min.js\` and \`LICENSE\` (MIT) from the npm package
\`cytoscape@$VERSION\` ($INTEGRITY), copied by \`scripts/vendor_web.sh\`.
Used by the graph view (\`webapp/static/graph.js\`). Do not edit by hand.
NOTE
echo "vendored cytoscape $VERSION into ${DEST#"$ROOT"/}"
