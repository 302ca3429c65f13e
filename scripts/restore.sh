#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh: the database into DATABASE_URL's database and the
# media files into DJANGO_MEDIA_ROOT (else the repository's media/).
#   DATABASE_URL=postgres://zmd@127.0.0.1:5432/zmd bash scripts/restore.sh /srv/backups/zmd-backup-20220630-180000
# The database must exist (createdb) and hold no tables, and the media folder no files, unless
# --force is given: then the tables are replaced in the same transaction as the restore (a failed
# restore leaves the database as it was) and the old media files are moved aside, not deleted.
# Stop the portal (gunicorn) first; run `manage.py migrate` afterwards when the code is newer.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

die() {
    echo "恢复失败：$*" >&2
    exit 1
}
masked() { sed -E 's#//([^:/@]+):[^@]*@#//\1:***@#' <<<"$1"; }
usage="用法：bash scripts/restore.sh [--force] 备份目录"

force=0
backup=""
for arg in "$@"; do
    case "$arg" in
    --force) force=1 ;;
    -h | --help)
        echo "$usage"
        exit 0
        ;;
    -*) die "未知选项 ${arg}；${usage}" ;;
    *)
        [ -z "$backup" ] || die "只能指定一个备份目录；${usage}"
        backup="$arg"
        ;;
    esac
done
[ -n "$backup" ] || die "$usage"
[ -d "$backup" ] || die "备份目录 ${backup} 不存在"
backup="$(cd "$backup" && pwd)"

[ -n "${DATABASE_URL:-}" ] || die "未设置 DATABASE_URL（应为 postgres://用户@主机:端口/数据库）"
DB_URL="$(sed -E 's#^(pgsql|postgis)://#postgresql://#' <<<"$DATABASE_URL")"
case "$DB_URL" in
postgres://* | postgresql://*) ;;
*) die "DATABASE_URL 不是 PostgreSQL 地址：$(masked "$DATABASE_URL")" ;;
esac
MEDIA_ROOT="${DJANGO_MEDIA_ROOT:-${REPO}/media}"
MEDIA_ROOT="${MEDIA_ROOT%/}"
MEDIA_STORAGE="${DJANGO_MEDIA_STORAGE:-django.core.files.storage.FileSystemStorage}"

for tool in pg_restore psql tar sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || die "找不到命令 ${tool}（请安装 postgresql-client，版本不低于备份时的 pg_dump）"
done

echo "==> 校验备份 ${backup}"
for part in SHA256SUMS database.dump media.tar.gz media-files.sha256 backup-info.txt; do
    [ -f "${backup}/${part}" ] || die "备份不完整：缺少 ${part}"
done
(cd "$backup" && sha256sum --quiet --check SHA256SUMS) || die "备份文件的 SHA-256 校验不符，备份已损坏或被改动"

dumped_by="$(sed -n 's/^pg_dump_version=//p' "${backup}/backup-info.txt")"
client_version="$(pg_restore --version | sed -E 's/^[^0-9]*([0-9]+(\.[0-9]+)?).*/\1/')"
if [ -n "$dumped_by" ] && [ "${client_version%%.*}" -lt "${dumped_by%%.*}" ]; then
    die "pg_restore 版本 ${client_version} 低于备份时的 pg_dump 版本 ${dumped_by}，请安装 postgresql-client-${dumped_by%%.*}"
fi

psql_db() { psql "$DB_URL" -AtX -v ON_ERROR_STOP=1 "$@"; }
database="$(psql_db -c 'SELECT current_database()')" ||
    die "无法连接数据库 $(masked "$DATABASE_URL")；如数据库尚未建立，请先用 createdb 创建（空库）"

# Tables, views and sequences outside the system schemas.
RELATIONS="FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'"
tables="$(psql_db -c "SELECT count(*) ${RELATIONS}")"
media_files=0
if [ "$MEDIA_STORAGE" = "django.core.files.storage.FileSystemStorage" ] && [ -d "$MEDIA_ROOT" ]; then
    media_files="$(find "$MEDIA_ROOT" -type f | wc -l)"
fi
if [ "$force" -eq 0 ]; then
    [ "$tables" -eq 0 ] ||
        die "数据库 ${database} 不是空库（已有 ${tables} 个表、视图或序列）。确认要用备份替换它时，请加 --force"
    [ "$media_files" -eq 0 ] ||
        die "媒体目录 ${MEDIA_ROOT} 已有 ${media_files} 个文件。确认要用备份替换时，请加 --force（原有文件会移到旁边保留）"
fi

others="$(psql_db -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")"
if [ "$others" -gt 0 ]; then
    echo "提示：数据库 ${database} 还有 ${others} 个其他连接；恢复前请先停止门户（gunicorn），否则恢复会等待它们的锁" >&2
fi

echo "==> 恢复数据库 ${database}（$(masked "$DATABASE_URL")），单个事务"
{
    if [ "$tables" -gt 0 ]; then
        echo "-- 替换已有的表（--force）"
        cat <<SQL
SET client_min_messages = warning;
DO \$\$
DECLARE r record;
BEGIN
  FOR r IN SELECT n.nspname, c.relname, c.relkind ${RELATIONS} ORDER BY c.relkind = 'r' DESC LOOP
    EXECUTE format('DROP %s IF EXISTS %I.%I CASCADE',
      CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
        WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
      r.nspname, r.relname);
  END LOOP;
END
\$\$;
SQL
    fi
    pg_restore --no-owner --no-privileges --file=- "${backup}/database.dump"
} | psql "$DB_URL" -X -q -v ON_ERROR_STOP=1 --single-transaction -f - >/dev/null ||
    die "数据库恢复出错，已回滚，数据库 ${database} 保持恢复前的状态"
psql_db -q -c 'ANALYZE' || echo "提示：ANALYZE 未完成，可稍后运行 vacuumdb --analyze-only" >&2

if [ "$MEDIA_STORAGE" != "django.core.files.storage.FileSystemStorage" ]; then
    echo "提示：媒体文件存放在 ${MEDIA_STORAGE}，请用该存储自身的备份恢复；本备份中的媒体文件未恢复" >&2
    echo "恢复完成：数据库 ${database}（媒体文件未恢复）"
    exit 0
fi

echo "==> 恢复媒体文件到 ${MEDIA_ROOT}"
mkdir -p "$MEDIA_ROOT"
# Unpacked and checked beside the media folder (same disk), then moved in.
staging="$(mktemp -d "${MEDIA_ROOT}.restore-XXXXXX")"
trap 'rm -rf "$staging"' EXIT
tar -C "$staging" --extract --gzip --no-same-owner --file="${backup}/media.tar.gz" ||
    die "解包媒体文件出错；数据库已恢复，媒体目录未改动"
(cd "$staging" && sha256sum --quiet --check "${backup}/media-files.sha256") ||
    die "解包后的媒体文件校验不符；数据库已恢复，媒体目录未改动"
if [ "$media_files" -gt 0 ]; then
    aside="${MEDIA_ROOT}.before-restore-$(date +%Y%m%d-%H%M%S)"
    mkdir "$aside"
    find "$MEDIA_ROOT" -mindepth 1 -maxdepth 1 -exec mv -t "$aside" {} +
    echo "原有媒体文件 ${media_files} 个已移到 ${aside}"
fi
# Merged into the folders already there (empty ones such as stamps/).
cp -a "${staging}/." "${MEDIA_ROOT}/" ||
    die "复制媒体文件到 ${MEDIA_ROOT} 出错；数据库已恢复"
restored="$(wc -l <"${backup}/media-files.sha256")"
echo "恢复完成：数据库 ${database}，媒体文件 ${restored} 个（备份 $(sed -n 's/^created_at=//p' "${backup}/backup-info.txt")）"
