#!/bin/sh
# Writes the global pip configuration used by every later pip call in the image.
# $1: index URL. ci/constraints.txt pins transitive dependencies org-wide.
set -eu
cat > /etc/pip.conf <<EOF
[global]
index-url = $1
constraint = /srv/pricing/ci/constraints.txt
timeout = 60
EOF
