# Sourced by scripts/test and scripts/main: makes sure Debian packages are installed.
#
#   require_debian_packages PACKAGE...
#
# Installs what is missing when running as root (apt-get, non-interactive);
# otherwise prints the exact command to run and exits 1. On a system without
# dpkg it only says what is needed and lets CMake report what it cannot find.

require_debian_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "note: dpkg-query not found (not Debian?); attnkit needs: $*" >&2
        return 0
    fi
    local missing=() package
    for package in "$@"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)" != "install ok installed" ]]; then
            missing+=("$package")
        fi
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        return 0
    fi
    if [[ "$(id -u)" -eq 0 ]]; then
        echo "Installing missing Debian packages: ${missing[*]}" >&2
        apt-get update </dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
    else
        echo "Missing Debian packages: ${missing[*]}" >&2
        echo "Install them with:" >&2
        echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
}
