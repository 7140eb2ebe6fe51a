#!/usr/bin/env bash
# Builds the uWebSockets peer of the benchmark (uws_broadcast.cpp) from sources outside the repository: they are
# never committed. TP_UWS_SRC (default ~/.cache/techpulse/uws-src) must hold uWebSockets' src/ and, inside it,
# uSockets/src/ — for example:
#   git clone --depth 1 --recursive https://github.com/uNetworking/uWebSockets ~/.cache/techpulse/uws-src
# Prints the binary's path on success; exits 3 (and says why) when the sources are absent.
#   tests/load/peers/build_uws.sh OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${TP_UWS_SRC:-$HOME/.cache/techpulse/uws-src}
out=${1:?usage: build_uws.sh OUT_DIR}
if [[ ! -f $src/src/App.h || ! -f $src/uSockets/src/libusockets.h ]]; then
  echo "build_uws.sh: no uWebSockets sources in $src (src/App.h and uSockets/src/libusockets.h); set TP_UWS_SRC" >&2
  exit 3
fi
mkdir -p "$out/usockets"
bin=$out/uws_broadcast
if [[ ! -x $bin || $here/uws_broadcast.cpp -nt $bin ]]; then
  # uSockets with epoll, no TLS; uWebSockets without zlib (compression is off in the peer anyway).
  for c in "$src"/uSockets/src/*.c "$src"/uSockets/src/eventing/*.c; do
    cc -O3 -DNDEBUG -DLIBUS_NO_SSL -I"$src/uSockets/src" -c "$c" -o "$out/usockets/$(basename "$c" .c).o"
  done
  c++ -O3 -DNDEBUG -std=c++20 -DLIBUS_NO_SSL -DUWS_NO_ZLIB -I"$src/src" -I"$src/uSockets/src" \
    "$here/uws_broadcast.cpp" "$out"/usockets/*.o -o "$bin"
fi
echo "$bin"
