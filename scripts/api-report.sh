#!/usr/bin/env bash
# The API report of both entry points, `streamform` and `streamform/platform` (api/*.api.md), made
# by API Extractor from the compiled declarations in dist/ (api/api-extractor.*.json).
#
#   bash scripts/api-report.sh            check: fails when the public API differs from the
#                                         committed report, or a public signature uses a type its
#                                         entry point does not export
#   bash scripts/api-report.sh --update   regenerate the reports (also --local); review and commit
#                                         api/*.api.md with the change that caused them
set -euo pipefail
cd "$(dirname "$0")/.."

mode=check
case "${1:-}" in
  '') ;;
  --update | --local) mode=update ;;
  *)
    echo "api-report: unknown option '$1'; use no option to check, or --update to regenerate api/*.api.md" >&2
    exit 2
    ;;
esac

node_modules/.bin/tsc -b
# `streamform/platform` imports the root as 'streamform', like a user; API Extractor reports such
# an import as another package's only when it resolves through a node_modules folder, so the
# configs map 'streamform' to this link to the checkout.
mkdir -p dist/api/node_modules
ln -sfn ../../.. dist/api/node_modules/streamform

configs=(api/api-extractor.streamform.json api/api-extractor.streamform-platform.json)
failed=()
if [ "$mode" = update ]; then
  for config in "${configs[@]}"; do
    node_modules/.bin/api-extractor run --local --config "$config" || failed+=("$config")
  done
fi
# The check, also after an update: a local run writes the report even when a public signature
# uses a type its entry point does not export; the check refuses it.
if [ "${#failed[@]}" -eq 0 ]; then
  for config in "${configs[@]}"; do
    node_modules/.bin/api-extractor run --config "$config" || failed+=("$config")
  done
fi

if [ "${#failed[@]}" -gt 0 ]; then
  if [ "$mode" = check ]; then
    echo "api-report: the public API differs from api/*.api.md, or API Extractor reported a problem (${failed[*]});" >&2
    echo "  fix the problem above, or, if the change is intended, run 'bash scripts/api-report.sh --update' and commit api/*.api.md" >&2
  else
    echo "api-report: API Extractor failed for ${failed[*]}; see the messages above" >&2
  fi
  exit 1
fi
echo "api-report: ${mode} done (api/streamform.api.md, api/streamform-platform.api.md)"
