#!/bin/sh
# Runs before `npm start` and `npm test`: installs the dependencies when they are missing or older than
# package-lock.json, so that a fresh clone needs nothing but these two commands. Node 24 itself comes from the
# `node` devDependency (npm scripts put node_modules/.bin first on PATH), whatever Node runs npm.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing dependencies (first run, or package-lock.json changed)..." >&2
  npm install --no-audit --no-fund --loglevel=error
fi
