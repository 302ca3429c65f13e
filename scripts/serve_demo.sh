#!/usr/bin/env bash
# Try the portal on one machine: a virtualenv, the database, the 2022 targets, demo data and demo
# users, then the development server on http://127.0.0.1:${PORT:-8000}/.
#   PORT=8000 HOST=127.0.0.1 DEMO_PASSWORD=... PYTHON=python3 DATABASE_URL=... bash scripts/serve_demo.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"

source scripts/_venv.sh
VENV_PYTHON=.venv/bin/python

echo "==> 安装依赖（requirements.txt）"
"$VENV_PYTHON" -m pip install --quiet --disable-pip-version-check -r requirements.txt

echo "==> 迁移数据库"
"$VENV_PYTHON" manage.py migrate --noinput

echo "==> 创建缓存表（/healthz 检查它，已有时什么也不做）"
"$VENV_PYTHON" manage.py createcachetable

echo "==> 加载区县、2022年度计划和目标"
"$VENV_PYTHON" manage.py load_programme

echo "==> 生成演示数据"
"$VENV_PYTHON" manage.py seed_demo

echo "==> 创建演示用户"
"$VENV_PYTHON" manage.py setup_demo_users

echo "==> 生成演示信息月报（2022年1—5月）"
"$VENV_PYTHON" manage.py seed_demo_reports

echo "==> 生成演示计划、检查整改和回访记录"
"$VENV_PYTHON" manage.py seed_demo_paperwork

echo "==> 启动开发服务器：http://${HOST}:${PORT}/ （Ctrl+C 停止）"
exec "$VENV_PYTHON" manage.py runserver "${HOST}:${PORT}"
