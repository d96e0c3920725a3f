#!/bin/bash
# Shared by the entrypoints of streamform's locally built images.

# env_to_properties PREFIX STYLE EXCLUDED... : prints `key=value` lines for every PREFIX* variable:
# drop the prefix, lower-case the name, `_` -> `.`, and for doubled/tripled underscores
#   STYLE=apache     (apache/kafka image):       `___` -> `-`, `__` -> `_`
#   STYLE=confluent  (confluentinc/cp-* images): `___` -> `_`, `__` -> `-`
# Values are kept as given.
env_to_properties() {
  local prefix=$1 style=$2; shift 2
  local excluded=" $* "
  local name key three two
  if [ "$style" = apache ]; then three=-; two=_; else three=_; two=-; fi
  while IFS= read -r name; do
    [[ $excluded == *" $name "* ]] && continue
    key=${name#"$prefix"}
    key=${key//___/@THREE@}
    key=${key//__/@TWO@}
    key=${key//_/.}
    key=${key//@THREE@/$three}
    key=${key//@TWO@/$two}
    printf '%s=%s\n' "${key,,}" "${!name}"
  done < <(compgen -e | grep "^${prefix}" | sort)
}

die() { echo "streamform image: $*" >&2; exit 64; }
