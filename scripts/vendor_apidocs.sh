#!/bin/sh
# Vendor the OpenAPI renderer of /api/docs into webapp/static/vendor/.
#
# Swagger UI comes from the npm registry (`swagger-ui-dist`) at a pinned
# version, checked against the registry's integrity hash, and is copied with
# its licence, so the API page loads nothing from a CDN (issue 18, item 9).
# Why Swagger UI and not Redoc: Redoc's standalone bundle injects <style>
# elements (styled-components), which the pages' Content-Security-Policy
# (`style-src 'self'`) refuses; Swagger UI's styles are one static CSS file
# and React sets the rest through the DOM, which the policy allows.
# Run from anywhere; re-running with the same version changes nothing.  To
# upgrade: change VERSION and INTEGRITY (`npm view swagger-ui-dist@X
# dist.integrity`), run, and commit the vendor folder.
set -eu

VERSION=5.35.0
INTEGRITY=sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==

. "$(dirname "$0")/npm_package.sh"
DEST="$ROOT/webapp/static/vendor/swagger-ui"
fetch_package swagger-ui-dist "$VERSION" "$INTEGRITY"

mkdir -p "$DEST"
cp package/swagger-ui-bundle.js "$DEST/swagger-ui-bundle.js"
cp package/swagger-ui.css "$DEST/swagger-ui.css"
cp package/LICENSE "$DEST/LICENSE"
[ -f package/NOTICE ] && cp package/NOTICE "$DEST/NOTICE"
# The bundle ends with a source-map comment naming a file we do not ship;
# browsers' developer tools would ask the server for it.
sed -i '/^\/\/# sourceMappingURL=/d' "$DEST/swagger-ui-bundle.js"
sed -i '/^\/\*# sourceMappingURL=/d' "$DEST/swagger-ui.css"
cat > "$DEST/README.md" <<NOTE
# Swagger UI $VERSION

\`swagger-ui-bundle.js\`, \`swagger-ui.css\`, \`LICENSE\` (Apache-2.0) and
\`NOTICE\` from the npm package \`swagger-ui-dist@$VERSION\`
($INTEGRITY), copied by \`scripts/vendor_apidocs.sh\` (source-map comments
removed). Renders the OpenAPI document at \`/api/docs\`
(\`webapp/static/apidocs.js\` starts it). Do not edit by hand.
NOTE
echo "vendored swagger-ui-dist $VERSION into ${DEST#"$ROOT"/}"
