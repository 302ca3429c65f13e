"""python -m bench --scale city|province|national [--db URL] [--repeat N] [--smoke]"""

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .scales import GENERATOR_VERSION, SCALES, smoke

RESULTS = Path(__file__).resolve().parent / "results"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="老旧小区改造平台基准测试：各项指标与其底线之比"
    )
    parser.add_argument("--scale", choices=sorted(SCALES), default="city")
    parser.add_argument(
        "--db",
        help="数据库 URL（如 postgres://postgres@127.0.0.1:5432/bench_city）；默认取 DATABASE_URL",
    )
    parser.add_argument("--repeat", type=int, default=5, help="每项测量重复次数（不含预热）")
    parser.add_argument(
        "--heavy-repeat",
        type=int,
        default=None,
        help="导入测量的重复次数（默认同 --repeat，最多 3）",
    )
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--smoke", action="store_true", help="冒烟：小文件、短负载、各测一次")
    parser.add_argument("--no-load", action="store_true", help="不做负载测试")
    parser.add_argument(
        "--only",
        default="",
        help="只测这些（逗号分隔）：overview,pages,workbook,project_import,household_import,load,browser_import（浏览器导入只在点名或冒烟时测）",
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="不测峰值内存（tracemalloc 很慢，大规模时可省）"
    )
    parser.add_argument("--no-results", action="store_true", help="不写 bench/results/*.json")
    parser.add_argument(
        "--regenerate", action="store_true", help="删除并重建基准数据库（仅限带基准标记的数据库）"
    )
    return parser.parse_args(argv)


PROTECTED = frozenset({"test", "postgres", "template0", "template1"})


def prepare_database(url: str, *, scale: str, seed: int, regenerate: bool) -> None:
    """Create the PostgreSQL database named by ``url`` when it does not exist (as createdb would,
    through the server's maintenance database). A database that holds only an older version of
    this very programme, or any benchmark programme when ``regenerate`` is asked for, is dropped
    and created again; a database without the benchmark's marker is never dropped."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if name in PROTECTED:
        raise SystemExit(f"不在数据库“{name}”中运行基准测试：请用专门的数据库，例如 bench_city")
    maintenance = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    maintenance.autocommit = True
    try:
        with maintenance.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cursor.fetchone() is not None
            if exists and _stale(url, scale=scale, seed=seed, regenerate=regenerate):
                print(f"删除旧的基准数据库 {name}，重新生成")
                cursor.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
                exists = False
            if not exists:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"已创建数据库 {name}")
    finally:
        maintenance.close()


def _stale(url: str, *, scale: str, seed: int, regenerate: bool) -> bool:
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_marker') IS NOT NULL")
            row = cursor.fetchone()
            if not row or not row[0]:
                return False
            cursor.execute("SELECT scale, seed, version FROM bench_marker")
            marks = cursor.fetchall()
    finally:
        conn.close()
    if regenerate:
        return bool(marks)
    return bool(marks) and all(
        (s, sd) == (scale, seed) and version < GENERATOR_VERSION for s, sd, version in marks
    )


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.db:
        os.environ["DATABASE_URL"] = args.db
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        prepare_database(url, scale=args.scale, seed=args.seed, regenerate=args.regenerate)
    import django

    django.setup()
    from .run import run

    scale = SCALES[args.scale]
    repeat = 1 if args.smoke else args.repeat
    heavy = args.heavy_repeat if args.heavy_repeat is not None else min(repeat, 3)
    run(
        scale=smoke(scale) if args.smoke else scale,
        seed=args.seed,
        repeat=repeat,
        heavy_repeat=heavy,
        only=[x for x in args.only.split(",") if x],
        load=not args.no_load,
        memory=not args.no_memory,
        results=None if args.no_results or args.smoke else RESULTS,
        smoke=args.smoke,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
