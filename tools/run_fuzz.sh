#!/bin/sh
# Runs each fuzz target for $1 seconds from its seed corpus (test/fuzz/corpus/<target>).
secs=$1; shift
for f in "$@"; do
	name=$(basename "$f")
	seeds=test/fuzz/corpus/$name
	work=build/fuzz-corpus/$name
	mkdir -p "$work"
	[ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null
	echo "fuzz: $name for ${secs}s"
	"$f" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	     -print_final_stats=0 "$work" >build/fuzz-$name.log 2>&1 || {
		tail -60 build/fuzz-$name.log; echo "fuzz: $name FAILED"; exit 1; }
	grep -E '^(#[0-9]+.*DONE|Done)' build/fuzz-$name.log | tail -1
done
