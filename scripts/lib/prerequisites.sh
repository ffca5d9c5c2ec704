# Shared by scripts/*.sh: install missing Debian packages, or say exactly what to install.

# apt-get update runs at most once per script run.
_apt_updated=0

_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "pvedeploy needs these Debian packages: $*" >&2
    echo "Install them as root: apt-get install -y $*" >&2
    exit 1
  fi
  if [ "$_apt_updated" -eq 0 ]; then
    apt-get update -q >&2
    _apt_updated=1
  fi
  echo "Installing: $*" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2
}

require_java_and_maven() {
  local missing=()
  command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  if [ "${#missing[@]}" -gt 0 ]; then
    _install "${missing[@]}"
  fi
  local version
  version=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')
  if [ "${version%%.*}" -lt 17 ] 2>/dev/null; then
    echo "pvedeploy needs Java 17 or newer; this java is $version. Install openjdk-17-jdk-headless." >&2
    exit 1
  fi
}

# Installs each named Debian package that is not installed yet.
require_debian_packages() {
  local missing=()
  local package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    _install "${missing[@]}"
  fi
}

# Starts Debian's dockerd by hand (there is no systemd here) unless a daemon already answers.
require_dockerd() {
  require_debian_packages docker.io docker-compose
  if docker info >/dev/null 2>&1; then
    return
  fi
  local log=/var/log/pvedeploy-dockerd.log
  echo "Starting dockerd (log: $log)" >&2
  nohup dockerd >"$log" 2>&1 &
  local i
  for i in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
      return
    fi
    sleep 0.5
  done
  echo "dockerd did not come up within 30 s; its log says:" >&2
  tail -20 "$log" >&2
  exit 1
}
