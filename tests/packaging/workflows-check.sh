#!/usr/bin/env bash
# The GitHub Actions workflows are well-formed: yamllint (syntax, duplicate keys, with
# line length relaxed) and, with PyYAML, the shape GitHub needs: a trigger, and jobs that
# each have runs-on and steps whose entries use or run something.
#
#   workflows-check.sh WORKFLOWS_DIR
set -euo pipefail
DIR=${1:?usage: workflows-check.sh WORKFLOWS_DIR}
log() { echo "[workflows] $*"; }
fail() { log "FAIL: $*"; exit 1; }
command -v yamllint >/dev/null || fail "yamllint is not installed (scripts/install-deps.sh)"

shopt -s nullglob
files=("$DIR"/*.yml "$DIR"/*.yaml)
((${#files[@]} > 0)) || fail "no workflow files in $DIR"

yamllint -s -d '{extends: default, rules: {line-length: {max: 140}, document-start: disable, truthy: {check-keys: false}}}' "${files[@]}" \
  || fail "yamllint found problems (above)"
log "PASS: yamllint accepts ${#files[@]} workflow file(s)"

python3 - "${files[@]}" <<'PY' || fail "a workflow lacks what GitHub Actions needs (above)"
import sys, yaml
bad = 0
for path in sys.argv[1:]:
    doc = yaml.safe_load(open(path))
    # YAML 1.1 reads the key "on" as True.
    trigger = doc.get("on", doc.get(True))
    problems = []
    if not trigger:
        problems.append("no 'on:' trigger")
    jobs = doc.get("jobs") or {}
    if not jobs:
        problems.append("no jobs")
    for name, job in jobs.items():
        if "runs-on" not in job:
            problems.append(f"job {name}: no runs-on")
        steps = job.get("steps") or []
        if not steps:
            problems.append(f"job {name}: no steps")
        for i, step in enumerate(steps):
            if not ("uses" in step or "run" in step):
                problems.append(f"job {name} step {i}: neither uses nor run")
    for p in problems:
        print(f"{path}: {p}")
    bad += len(problems)
    print(f"{path}: jobs {', '.join(jobs)}")
sys.exit(1 if bad else 0)
PY
log "PASS: every workflow has a trigger, and every job runs-on and steps"
