#!/usr/bin/env bash
# Shared by the bootstrap scripts (source it): a venv built from one pinned requirements file
# and stamped with that file's sha256, so it is reused until the pins change.
#   venv_is_current VENV REQUIREMENTS [STAMP]  true when VENV has a python and the stamp matches
#   venv_install TAG VENV REQUIREMENTS  create VENV if needed, pip install, exit 1 on failure
#   venv_stamp VENV REQUIREMENTS [STAMP]        record the pins VENV now holds
# STAMP (default .requirements.sha256) names the stamp file: a second requirements file
# installed into the same venv keeps a stamp of its own.
# PYTHON (default python3) creates the venvs.

venv_is_current() {
  local want have
  want=$(sha256sum "$2" | cut -d' ' -f1)
  have=$(cat "$1/${3:-.requirements.sha256}" 2>/dev/null || true)
  [ -x "$1/bin/python" ] && [ "$want" = "$have" ]
}

venv_install() {
  local tag=$1 venv=$2 requirements=$3 log
  [ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
  log="$venv/pip-install.log"
  # This machine's pip config names local mirrors that may not exist; pip warns per package.
  if ! { "$venv/bin/python" -m pip install --quiet --upgrade pip \
         && "$venv/bin/python" -m pip install --quiet -r "$requirements"; } > "$log" 2>&1; then
    grep -v "^WARNING: Location" "$log" >&2
    echo "$tag: pip install failed; full log in $log" >&2
    exit 1
  fi
}

venv_stamp() {
  sha256sum "$2" | cut -d' ' -f1 > "$1/${3:-.requirements.sha256}"
}
