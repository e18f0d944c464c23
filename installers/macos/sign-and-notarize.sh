#!/usr/bin/env bash
# Signing and notarization of the macOS build. Every identity comes from the environment
# (CI secrets); when one is missing the step is skipped with a message and the build goes
# on unsigned, so forks and local builds still produce a .dmg.
#
#   sign-and-notarize.sh import-certificate     MACOS_CERTIFICATE_P12 (base64 .p12) and
#                                               MACOS_CERTIFICATE_PASSWORD -> a build keychain
#   sign-and-notarize.sh sign-app Loft.app      MACOS_SIGNING_IDENTITY ("Developer ID
#                                               Application: Name (TEAMID)")
#   sign-and-notarize.sh notarize Loft.dmg      MACOS_SIGNING_IDENTITY, APPLE_ID,
#                                               APPLE_TEAM_ID, APPLE_APP_PASSWORD
set -euo pipefail

skip() {
  echo "sign-and-notarize: $1 skipped: $2" >&2
  exit 0
}

case ${1:-} in
import-certificate)
  [[ -n ${MACOS_CERTIFICATE_P12:-} && -n ${MACOS_CERTIFICATE_PASSWORD:-} ]] \
    || skip "certificate import" "MACOS_CERTIFICATE_P12 / MACOS_CERTIFICATE_PASSWORD are not set"
  keychain=${RUNNER_TEMP:-/tmp}/loft-signing.keychain-db
  keychain_password=$(uuidgen)
  p12=$(mktemp)
  trap 'rm -f "$p12"' EXIT
  base64 --decode <<<"$MACOS_CERTIFICATE_P12" >"$p12"
  security create-keychain -p "$keychain_password" "$keychain"
  security set-keychain-settings -lut 21600 "$keychain"
  security unlock-keychain -p "$keychain_password" "$keychain"
  security import "$p12" -P "$MACOS_CERTIFICATE_PASSWORD" -A -t cert -f pkcs12 -k "$keychain"
  security set-key-partition-list -S apple-tool:,apple: -k "$keychain_password" "$keychain" >/dev/null
  # Put the build keychain first in the search list, keeping the others (bash 3.2: no mapfile).
  existing=()
  while IFS= read -r line; do
    line=${line#"${line%%[![:space:]]*}"}
    existing+=("${line//\"/}")
  done < <(security list-keychains -d user)
  security list-keychains -d user -s "$keychain" "${existing[@]}"
  echo "sign-and-notarize: certificate imported into $keychain"
  ;;
sign-app)
  app=${2:?usage: sign-and-notarize.sh sign-app Loft.app}
  [[ -n ${MACOS_SIGNING_IDENTITY:-} ]] \
    || skip "signing of $app" "MACOS_SIGNING_IDENTITY is not set; the app stays unsigned (Gatekeeper will warn)"
  # Hardened runtime and a secure timestamp: both are required for notarization.
  codesign --force --deep --options runtime --timestamp --sign "$MACOS_SIGNING_IDENTITY" "$app"
  codesign --verify --deep --strict --verbose=2 "$app"
  ;;
notarize)
  dmg=${2:?usage: sign-and-notarize.sh notarize Loft.dmg}
  [[ -n ${MACOS_SIGNING_IDENTITY:-} && -n ${APPLE_ID:-} && -n ${APPLE_TEAM_ID:-} && -n ${APPLE_APP_PASSWORD:-} ]] \
    || skip "notarization of $dmg" "MACOS_SIGNING_IDENTITY, APPLE_ID, APPLE_TEAM_ID or APPLE_APP_PASSWORD is not set"
  codesign --force --timestamp --sign "$MACOS_SIGNING_IDENTITY" "$dmg"
  xcrun notarytool submit "$dmg" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
    --password "$APPLE_APP_PASSWORD" --wait --timeout 30m
  xcrun stapler staple "$dmg"
  ;;
*)
  echo "usage: sign-and-notarize.sh import-certificate | sign-app APP | notarize DMG" >&2
  exit 2
  ;;
esac
