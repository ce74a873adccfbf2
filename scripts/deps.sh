# Sourced by scripts/test and scripts/bench: installs what the tests and benchmarks need when
# it is missing. tmux drives the real binary in a terminal; moto's server is the AWS peer;
# kubectl (Debian's kubernetes-client) is what the fleet benchmark compares opsdeck with;
# valgrind counts the instructions benchmark's instructions.

need_apt=()
command -v tmux >/dev/null 2>&1 || need_apt+=(tmux)
command -v kubectl >/dev/null 2>&1 || need_apt+=(kubernetes-client)
command -v valgrind >/dev/null 2>&1 || need_apt+=(valgrind)
if ((${#need_apt[@]})); then
  echo "$(basename "$0"): installing ${need_apt[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}"
fi

if ! command -v moto_server >/dev/null 2>&1; then
  echo "$(basename "$0"): installing moto[server] (the AWS peer)"
  python3 -m pip install --quiet 'moto[server]'
  command -v moto_server >/dev/null 2>&1 || export PATH="$(python3 -m site --user-base)/bin:$PATH"
fi
