# Sourced by serve_demo.sh and test.sh: create .venv with Python 3.11+ when it is missing.
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "需要 Python 3.11 或更高版本（当前 PYTHON=$PYTHON）；可用 PYTHON=/path/to/python3.11 指定" >&2
        exit 1
    fi
    echo "==> 创建虚拟环境 .venv"
    "$PYTHON" -m venv .venv
fi
