#!/usr/bin/env bash
# Build the Microsoft Teams app package (dist/secbot-teams.zip) from config/teams/.
#
#   scripts/teams-package.sh [APP_ID [HOST]]
#
# APP_ID  the Azure Bot's Microsoft App ID (a GUID); or env TEAMS_APP_ID
# HOST    secbot's public host name, e.g. secbot.example.org (no scheme, no path); or env SECBOT_HOST
#
# Optional environment:
#   TEAMS_WEBSITE_URL / TEAMS_PRIVACY_URL / TEAMS_TERMS_URL
#                      https pages shown on the app's details card (default: https://HOST/)
#   TEAMS_APP_VERSION  the package version (semver); raise it whenever you upload a changed package
#   TEAMS_PACKAGE_OUT  where to write the zip (default: dist/secbot-teams.zip)
#   TEAMS_SCHEMA       path to a local copy of MicrosoftTeams.schema.json (v1.19) to validate against
#   PYTHON             the Python to use (default: .venv/bin/python if present, else python3)
#
# See docs/teams.md.
set -euo pipefail

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
esac
if [ "$#" -gt 2 ]; then
    usage >&2
    exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/config/teams"

app_id="${1:-${TEAMS_APP_ID:-}}"
host="${2:-${SECBOT_HOST:-}}"
out="${TEAMS_PACKAGE_OUT:-$root/dist/secbot-teams.zip}"

if [ -z "$app_id" ] || [ -z "$host" ]; then
    echo "teams-package: give the app id and the host (arguments, or TEAMS_APP_ID and SECBOT_HOST)." >&2
    usage >&2
    exit 2
fi

# Accept "https://host/" as well as "host".
host="${host#https://}"
host="${host#http://}"
host="${host%%/*}"

if ! [[ "$app_id" =~ ^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$ ]]; then
    echo "teams-package: app id '$app_id' is not a GUID (the Azure Bot's Microsoft App ID looks like 00000000-0000-0000-0000-000000000000)." >&2
    exit 2
fi
if ! [[ "$host" =~ ^[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$ ]]; then
    echo "teams-package: host '$host' is not a host name." >&2
    exit 2
fi
# SECBOT_HOST is also secbot's listen address (default 0.0.0.0): refuse the values that only make
# sense there, so a leftover environment variable does not end up in the package.
case "${host%%:*}" in
    0.0.0.0 | localhost | 127.* | ::*)
        echo "teams-package: host '$host' is a listen address, not secbot's public name; pass the public host as the second argument." >&2
        exit 2
        ;;
esac

website="${TEAMS_WEBSITE_URL:-https://$host/}"
privacy="${TEAMS_PRIVACY_URL:-$website}"
terms="${TEAMS_TERMS_URL:-$website}"

if [ -n "${PYTHON:-}" ]; then
    py="$PYTHON"
elif [ -x "$root/.venv/bin/python" ]; then
    py="$root/.venv/bin/python"
else
    py="python3"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$src/color.png" "$src/outline.png" "$work/"

TEAMS_APP_ID="$app_id" SECBOT_HOST="$host" \
    TEAMS_WEBSITE_URL="$website" TEAMS_PRIVACY_URL="$privacy" TEAMS_TERMS_URL="$terms" \
    TEAMS_APP_VERSION="${TEAMS_APP_VERSION:-}" TEAMS_SCHEMA="${TEAMS_SCHEMA:-}" \
    "$py" - "$src/manifest.json" "$work/manifest.json" <<'PY'
import json
import os
import re
import sys

source, target = sys.argv[1], sys.argv[2]
values = {
    name: os.environ[name]
    for name in ("TEAMS_APP_ID", "SECBOT_HOST", "TEAMS_WEBSITE_URL", "TEAMS_PRIVACY_URL", "TEAMS_TERMS_URL")
}
for name in ("TEAMS_WEBSITE_URL", "TEAMS_PRIVACY_URL", "TEAMS_TERMS_URL"):
    if not re.fullmatch(r"https://[^\s\"\\]+", values[name]):
        sys.exit(f"teams-package: {name} must be an https:// address, not {values[name]!r}")

placeholder = re.compile(r"\$\{\{([A-Z0-9_]+)\}\}")


def fill(node):
    if isinstance(node, str):
        return placeholder.sub(lambda m: values[m.group(1)] if m.group(1) in values else m.group(0), node)
    if isinstance(node, list):
        return [fill(item) for item in node]
    if isinstance(node, dict):
        return {key: fill(item) for key, item in node.items()}
    return node


with open(source, encoding="utf-8") as f:
    manifest = fill(json.load(f))
if os.environ["TEAMS_APP_VERSION"]:
    manifest["version"] = os.environ["TEAMS_APP_VERSION"]

text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
left = sorted(set(placeholder.findall(text)))
if left:
    sys.exit(f"teams-package: no value for {', '.join(left)}")

# The limits Teams enforces on the bot's command menu (schema v1.19).
for command_list in manifest["bots"][0].get("commandLists", []):
    if len(command_list["commands"]) > 10:
        sys.exit(f"teams-package: more than 10 commands for {command_list['scopes']}")
    for command in command_list["commands"]:
        if len(command["title"]) > 32 or len(command["description"]) > 128:
            sys.exit(f"teams-package: command {command['title']!r}: title over 32 or description over 128 characters")

schema_path = os.environ["TEAMS_SCHEMA"]
if schema_path:
    import jsonschema  # only needed when asked to validate

    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(manifest), key=lambda e: list(e.path))
    if errors:
        for error in errors:
            print(f"teams-package: {'/'.join(map(str, error.path)) or '(root)'}: {error.message}", file=sys.stderr)
        sys.exit(1)

with open(target, "w", encoding="utf-8") as f:
    f.write(text)
PY

mkdir -p "$(dirname "$out")"
case "$out" in
    /*) ;;
    *) out="$PWD/$out" ;;
esac
rm -f "$out"
if command -v zip >/dev/null 2>&1; then
    (cd "$work" && zip -q -X "$out" manifest.json color.png outline.png)
else
    (cd "$work" && "$py" -m zipfile -c "$out" manifest.json color.png outline.png)
fi

echo "teams-package: wrote $out (app id $app_id, host $host)"
if [ -z "${TEAMS_WEBSITE_URL:-}" ]; then
    echo "teams-package: the app's website, privacy and terms links point at https://$host/; set TEAMS_WEBSITE_URL (and TEAMS_PRIVACY_URL, TEAMS_TERMS_URL) to your organisation's pages." >&2
fi
