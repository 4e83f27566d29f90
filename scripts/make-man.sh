#!/bin/sh
# Writes the clconv(1) man page from the command's own help texts, so the
# page cannot drift from what `clconv --help` and `clconv COMMAND --help`
# say. Run by the build (CMake) after the command is linked.
#
# Usage: scripts/make-man.sh PATH/TO/clconv OUT.1
set -eu

CLCONV=$1
OUT=$2
TMP="$OUT.tmp"
trap 'rm -f "$TMP"' EXIT

# Help text to troff: backslashes escaped, lines that would read as requests
# (a leading dot or quote) protected, kept verbatim in a no-fill block.
verbatim() {
    printf '.nf\n'
    sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
    printf '.fi\n'
}

version=$("$CLCONV" --version | sed 's/^clconv //')
# The commands are the indented names under "Commands:" in the top help.
commands=$("$CLCONV" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on { on = 0 }')

{
    printf '.TH CLCONV 1 "" "clconv %s" "User Commands"\n' "$version"
    printf '.SH NAME\nclconv \\- convolution and distribution sums on OpenCL devices\n'
    printf '.SH SYNOPSIS\n.B clconv\n.I COMMAND\n[\\fIARGUMENTS\\fR...]\n'
    printf '.SH DESCRIPTION\n'
    "$CLCONV" --help | verbatim
    printf '.SH COMMANDS\n'
    for c in $commands; do
        printf '.SS clconv %s\n' "$c"
        "$CLCONV" "$c" --help | verbatim
    done
    # shellcheck disable=SC2016 # the variable is named, not expanded
    printf '.SH FILES\n.TP\n.I $XDG_CACHE_HOME/clconv\n'
    printf 'Compiled program binaries and tuned cost models, keyed by device and driver.\n'
    printf '.SH SEE ALSO\n.BR clinfo (1),\n.BR clpeak (1)\n'
} >"$TMP"
mv "$TMP" "$OUT"
trap - EXIT
