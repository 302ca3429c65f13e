#!/usr/bin/env bash
# The whole check: lint, format, types, migrations and the test suite. Arguments go to pytest.
# Uses DATABASE_URL when set (PostgreSQL), SQLite otherwise.
#   bash scripts/test.sh            bash scripts/test.sh -x -k seed_demo
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/_venv.sh
BIN=.venv/bin

# Install only when the requirement files changed since the last successful install.
stamp=.venv/.requirements-dev.sha256
wanted="$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "==> 安装依赖（requirements-dev.txt）"
    "$BIN/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
    echo "$wanted" > "$stamp"
fi

echo "==> 数据库：${DATABASE_URL:-SQLite（未设置 DATABASE_URL）}" | sed -E 's#//([^:/@]+):[^@]*@#//\1:***@#'

failed=()
step() {
    local name="$1"
    shift
    echo
    echo "==> ${name}: $*"
    if "$@"; then
        echo "--> ${name}: 通过"
    else
        echo "--> ${name}: 失败" >&2
        failed+=("$name")
    fi
}

step "ruff check" "$BIN/ruff" check .
step "ruff format" "$BIN/ruff" format --check .
step "mypy" "$BIN/mypy" zmd_renovation projects reporting paperwork
step "migrations" "$BIN/python" manage.py makemigrations --check --dry-run
step "pytest" "$BIN/pytest" "$@"

echo
if [ "${#failed[@]}" -gt 0 ]; then
    echo "失败的步骤：${failed[*]}" >&2
    exit 1
fi
echo "全部通过"
