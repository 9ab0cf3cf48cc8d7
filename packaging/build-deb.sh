#!/usr/bin/env bash
# Builds the Debian package and checks what it installs. Not part of the default
# test run: installing cargo-deb takes about 1.5 minutes and the release build
# about 6 on 2 cores. Usage (from anywhere): packaging/build-deb.sh [extra cargo-deb flags]
# Output: target/debian/ringlypro_<version>_<arch>.deb (under $CARGO_TARGET_DIR when set),
# followed by `dpkg-deb -c` of it.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-deb >/dev/null 2>&1; then
    echo "installing cargo-deb (once, about 1.5 minutes)…" >&2
    # Its own build directory, not the project's target dir.
    env -u CARGO_TARGET_DIR cargo install cargo-deb --version '^3' --locked
fi

cargo deb "$@"
target="${CARGO_TARGET_DIR:-target}"
deb=$(ls -t "$target"/debian/ringlypro_*.deb | head -n 1)
echo "built $deb"
dpkg-deb -I "$deb"
listing=$(dpkg-deb -c "$deb")
echo "$listing"

missing=0
for f in ./usr/bin/ringlypro \
         ./lib/systemd/system/ringlypro.service \
         ./lib/systemd/system/ringlypro-router.service \
         ./lib/systemd/system/ringlypro-backup.service \
         ./lib/systemd/system/ringlypro-backup.timer \
         ./etc/ringlypro/ringlypro.toml \
         ./etc/ringlypro/router.env \
         ./usr/share/doc/ringlypro/README.md; do
    if ! grep -qE " ${f}\$" <<<"$listing"; then
        echo "MISSING from the package: $f" >&2
        missing=1
    fi
done
control=$(dpkg-deb -e "$deb" "$(mktemp -d)/DEBIAN" && echo ok)
for s in postinst prerm postrm conffiles; do
    dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep -q "^\./$s\$" || { echo "MISSING control file: $s" >&2; missing=1; }
done
[ "$missing" = 0 ] && echo "package contents: ok ($control)"
exit "$missing"
