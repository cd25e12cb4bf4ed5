#!/bin/sh
set -e
# Extra packages requested by the job definition are installed at container start.
# PIP_NO_CACHE_DIR (set in the image) keeps these runtime installs from filling the container's disk.
if [ -n "$EXTRA_PIP_PACKAGES" ]; then
    pip install $EXTRA_PIP_PACKAGES
fi
exec "$@"
