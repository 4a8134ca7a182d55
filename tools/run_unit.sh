#!/bin/sh
# Runs every host unit test binary and adds up their "N passed, M failed" lines.
passed=0; failed=0; broken=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -v ': [0-9]* passed, [0-9]* failed$' | sed 's/^/  /'
	line=$(printf '%s\n' "$out" | grep ': [0-9]* passed, [0-9]* failed$' | tail -1)
	if [ -z "$line" ]; then
		echo "$t: crashed or printed no tally (exit $rc)"; broken=$((broken + 1)); continue
	fi
	echo "$line"
	p=$(echo "$line" | sed 's/.*: \([0-9]*\) passed.*/\1/')
	f=$(echo "$line" | sed 's/.* \([0-9]*\) failed$/\1/')
	passed=$((passed + p)); failed=$((failed + f))
	[ "$rc" = 0 ] || [ "$f" != 0 ] || broken=$((broken + 1))
done
echo "unit: $passed passed, $((failed + broken)) failed"
[ "$failed" = 0 ] && [ "$broken" = 0 ]
