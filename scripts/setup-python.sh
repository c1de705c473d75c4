#!/usr/bin/env bash
# Installs aiohttp, FastAPI and uvicorn from the distribution's packages for
# the tests that load real Python services with them (the agent itself
# needs nothing but the standard library). Without apt-get or root, or
# without the package mirror, it says so and those tests skip.
set -u
pkgs="python3-aiohttp python3-fastapi python3-uvicorn"
/usr/bin/python3 -c "import aiohttp, fastapi, uvicorn" 2> /dev/null && exit 0
if ! command -v apt-get > /dev/null || [ "$(id -u)" != 0 ]; then
  echo "setup-python: cannot install $pkgs here: their tests will skip"; exit 0
fi
export DEBIAN_FRONTEND=noninteractive
timeout 300 apt-get install -y -qq $pkgs > /dev/null 2>&1 ||
  { timeout 300 apt-get update -qq > /dev/null 2>&1 && timeout 300 apt-get install -y -qq $pkgs > /dev/null 2>&1; } ||
  echo "setup-python: apt-get install $pkgs failed: their tests will skip"
