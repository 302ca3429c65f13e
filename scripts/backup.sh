#!/usr/bin/env bash
# Back up the portal: a pg_dump (custom format) of DATABASE_URL's database and a tar.gz of the media
# folder (evidence scans, report stamps), with SHA-256 checksums, into OUTDIR/zmd-backup-<time>/.
#   DATABASE_URL=postgres://zmd@127.0.0.1:5432/zmd bash scripts/backup.sh /srv/backups
# Media: DJANGO_MEDIA_ROOT, else the repository's media/. Restore with scripts/restore.sh.
# The database is dumped before the media are archived: a file is written before the row naming it
# is committed, so every file the dump refers to is in the archive (at worst a few unreferenced ones).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

die() {
    echo "备份失败：$*" >&2
    exit 1
}
# The URL without its password, for messages.
masked() { sed -E 's#//([^:/@]+):[^@]*@#//\1:***@#' <<<"$1"; }

[ "$#" -le 1 ] || die "用法：bash scripts/backup.sh [备份目录]（默认 ${REPO}/backups）"
OUTDIR="${1:-${REPO}/backups}"

[ -n "${DATABASE_URL:-}" ] || die "未设置 DATABASE_URL（应为 postgres://用户@主机:端口/数据库）"
# libpq understands postgres:// and postgresql://; dj-database-url also accepts these spellings.
DB_URL="$(sed -E 's#^(pgsql|postgis)://#postgresql://#' <<<"$DATABASE_URL")"
case "$DB_URL" in
postgres://* | postgresql://*) ;;
*) die "DATABASE_URL 不是 PostgreSQL 地址：$(masked "$DATABASE_URL")（SQLite 请直接复制 db.sqlite3 文件）" ;;
esac

MEDIA_ROOT="${DJANGO_MEDIA_ROOT:-${REPO}/media}"
MEDIA_STORAGE="${DJANGO_MEDIA_STORAGE:-django.core.files.storage.FileSystemStorage}"

for tool in pg_dump psql tar sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || die "找不到命令 ${tool}（PostgreSQL 客户端请安装 postgresql-client，版本不低于服务器）"
done

server_num="$(psql "$DB_URL" -AtX -v ON_ERROR_STOP=1 -c 'SHOW server_version_num')" ||
    die "无法连接数据库 $(masked "$DATABASE_URL")"
server_major=$((server_num / 10000))
client_version="$(pg_dump --version | sed -E 's/^[^0-9]*([0-9]+(\.[0-9]+)?).*/\1/')"
client_major="${client_version%%.*}"
if [ "$client_major" -lt "$server_major" ]; then
    die "pg_dump 版本 ${client_version} 低于数据库服务器版本 ${server_major}，请安装 postgresql-client-${server_major}"
fi
database="$(psql "$DB_URL" -AtX -v ON_ERROR_STOP=1 -c 'SELECT current_database()')"

# Backups hold residents' names and phone numbers: readable by their owner only.
umask 077
mkdir -p "$OUTDIR"
stamp="$(date +%Y%m%d-%H%M%S)"
final="${OUTDIR%/}/zmd-backup-${stamp}"
[ ! -e "$final" ] || die "${final} 已存在（一秒内只能做一次备份），请稍后重试"
# Built under a hidden name and renamed at the end: an interrupted backup never looks complete.
work="$(mktemp -d "${OUTDIR%/}/.zmd-backup-${stamp}.XXXXXX")"
empty=""
cleanup() { rm -rf "$work" ${empty:+"$empty"}; }
trap cleanup EXIT

echo "==> 导出数据库 ${database}（$(masked "$DATABASE_URL")）"
pg_dump --dbname="$DB_URL" --format=custom --compress=6 --no-owner --no-privileges \
    --file="${work}/database.dump" || die "pg_dump 出错"

echo "==> 打包媒体文件 ${MEDIA_ROOT}"
media_dir="$MEDIA_ROOT"
if [ "$MEDIA_STORAGE" != "django.core.files.storage.FileSystemStorage" ]; then
    echo "提示：媒体文件存放在 ${MEDIA_STORAGE}，不在本机磁盘上，请用该存储自身的备份功能备份；此处只打包空目录" >&2
    empty="$(mktemp -d)"
    media_dir="$empty"
elif [ ! -d "$MEDIA_ROOT" ]; then
    echo "提示：媒体目录 ${MEDIA_ROOT} 不存在，按空目录备份" >&2
    empty="$(mktemp -d)"
    media_dir="$empty"
fi
# Each file's checksum, so the restore checks every file it unpacks, not only the archive.
(cd "$media_dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) \
    >"${work}/media-files.sha256" || die "读取媒体文件出错（权限？）"
# Any file changed or removed while it is read fails the backup: better no backup than one whose
# archive and checksums disagree. Media files are written once under random names, so a retry works.
tar -C "$media_dir" --create --gzip --file="${work}/media.tar.gz" . || die "打包媒体文件出错"
media_files="$(wc -l <"${work}/media-files.sha256")"

{
    echo "created_at=$(date --iso-8601=seconds)"
    echo "database=${database}"
    echo "server_version_num=${server_num}"
    echo "pg_dump_version=${client_version}"
    echo "media_root=${MEDIA_ROOT}"
    echo "media_files=${media_files}"
    echo "git_commit=$(git -C "$REPO" rev-parse HEAD 2>/dev/null || echo unknown)"
} >"${work}/backup-info.txt"
(cd "$work" && sha256sum database.dump media.tar.gz media-files.sha256 backup-info.txt >SHA256SUMS)

mv "$work" "$final"
echo "备份完成：${final}（数据库 $(du -h "${final}/database.dump" | cut -f1)，媒体文件 ${media_files} 个）"
