# Per-pair ratios, latency percentiles and charts for Benchmarks/run.sh (see docs/PERFORMANCE.md).
#
# Sourced by run.sh after it has defined OUT, RAW, RUNS and `values`. It defines:
#
#   pair_ratios A_PREFIX B_PREFIX KEY   the ratios A_i / B_i of the i-th raw lines starting with each prefix (run i
#                                       of the alternating pairs), one per line
#   ratio_summary                       "median q1 q3 min max flag" of the ratios on standard input (see WIDE below)
#   ratio_row LABEL A_PREFIX B_PREFIX KEY   one row of a per-pair ratio table, printed and kept for the chart
#   percentile_row LABEL PREFIX         one row of a percentile table: the median over the runs of each of
#                                       p50, p90, p99, p99.9 and max, printed and kept for the charts
#   draw_charts                         the PNG charts, with gnuplot, into $OUT (ratios.png, latency-*.png)
#
# A row is flagged WIDE, too wide to call, when the interquartile range of its per-pair ratios (nearest-rank
# quartiles of the sorted ratios) is more than RATIO_WIDE (default 0.10) of the median ratio: the middle half of
# the pairs then disagree by more than about ±5%, about the difference the targets ask for.

RATIO_WIDE=${VTX_BENCH_RATIO_WIDE:-0.10}
CHART_DIR="$OUT/charts"
mkdir -p "$CHART_DIR"

pair_ratios() {
    local a_prefix=$1 b_prefix=$2 key=$3
    paste -d ' ' <(values "$a_prefix" "$key") <(values "$b_prefix" "$key") \
        | awk 'NF == 2 && $1 != "nan" && $2 != "nan" && $2 + 0 > 0 { printf "%.6f\n", $1 / $2 }'
}

ratio_summary() {
    sort -g | awk -v wide="$RATIO_WIDE" '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan nan nan nan nan n/a"; exit }
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        q1 = v[int(NR * 0.25 + 0.999999)]; if (q1 == "") q1 = v[1]
        q3 = v[int(NR * 0.75 + 0.999999)]
        flag = (m > 0 && (q3 - q1) / m > wide) ? "WIDE" : "ok"
        print m, q1, q3, v[1], v[NR], flag }'
}

ratio_header() {
    printf '%-34s %-8s %-15s %-15s %-6s %s\n' "$1" "median" "IQR" "min-max" "pairs" "spread"
}

# LABEL A_PREFIX B_PREFIX KEY [CHART_GROUP]: prints the row; with CHART_GROUP (tcp, ipc, inproc) also appends
# "group label median min max" to the ratio chart's data.
ratio_row() {
    local label=$1 a_prefix=$2 b_prefix=$3 key=$4 group=${5:-} median q1 q3 low high flag pairs
    pairs=$(pair_ratios "$a_prefix" "$b_prefix" "$key" | wc -l)
    read -r median q1 q3 low high flag < <(pair_ratios "$a_prefix" "$b_prefix" "$key" | ratio_summary)
    if [ "$median" = nan ]; then
        printf '%-34s %-8s %-15s %-15s %-6s %s\n' "$label" "n/a" "-" "-" "0" "-"
        return
    fi
    printf '%-34s %-8s %-15s %-15s %-6s %s\n' "$label" "$(printf '%.2fx' "$median")" \
        "$(printf '%.2f-%.2f' "$q1" "$q3")" "$(printf '%.2f-%.2f' "$low" "$high")" "$pairs" "$flag"
    [ -n "$group" ] && echo "$group \"$label\" $median $low $high" >>"$CHART_DIR/ratios.dat"
    true
}

percentile_header() {
    printf '%-34s %-9s %-9s %-9s %-9s %s\n' "$1" "p50" "p90" "p99" "p99.9" "max"
}

# LABEL PREFIX [CHART_FILE]: prints the median of each percentile over the raw lines starting with PREFIX; with
# CHART_FILE also appends "label p50 p90 p99 p99.9 max" to $CHART_DIR/CHART_FILE.
percentile_row() {
    local label=$1 prefix=$2 file=${3:-} name cells=() median
    for name in p50 p90 p99 p99.9 max; do
        read -r median _ < <(values "$prefix" "$name" | stats)
        cells+=("$median")
    done
    printf '%-34s %-9s %-9s %-9s %-9s %s\n' "$label" "${cells[@]}"
    [ -n "$file" ] && echo "\"$label\" ${cells[*]}" >>"$CHART_DIR/$file"
    true
}

# Draws the charts from what ratio_row and percentile_row kept: one bar chart of the median per-pair ratios
# (whiskers: min-max) for every transport, and one percentile chart per transport (one-way latency against
# the percentile, on a scale of nines: p50 at 0.3, p90 at 1, p99 at 2, p99.9 at 3, max at 4).
draw_charts() {
    if ! command -v gnuplot >/dev/null 2>&1; then
        echo "warning: gnuplot is missing; no charts" >&2
        return 0
    fi
    local file transport
    if [ -s "$CHART_DIR/ratios.dat" ]; then
        gnuplot <<GNUPLOT
set terminal pngcairo size 1100,520 font "DejaVu Sans,10"
set output "$OUT/ratios.png"
set title "VTX ÷ libzmq, median of the per-pair ratios (whiskers: min-max); throughput: higher is better, latency: lower"
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.6 border -1
set boxwidth 0.9
set yrange [0:*]
set grid ytics
set ylabel "ratio"
set xtics rotate by -30 scale 0
set key off
set rmargin 10
set bmargin 7
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "black"
plot "$CHART_DIR/ratios.dat" using 3:4:5:xticlabels(sprintf("%s %s", stringcolumn(1), stringcolumn(2))) lc rgb "#3b75af"
GNUPLOT
        echo "chart: $OUT/ratios.png"
    fi
    for file in "$CHART_DIR"/latency-*.dat; do
        [ -s "$file" ] || continue
        transport=$(basename "$file" .dat)
        transport=${transport#latency-}
        # One block per series (a title line, then "nines value" for each percentile), for `index`.
        awk '{ n = NF; label = $1; for (i = 2; i <= n - 5; i++) label = label " " $i
            printf "%s\n0.301 %s\n1 %s\n2 %s\n3 %s\n4 %s\n\n\n", label, $(n-4), $(n-3), $(n-2), $(n-1), $n }' \
            "$file" >"$CHART_DIR/curves-$transport.dat"
        series=$(wc -l <"$file")
        gnuplot <<GNUPLOT
set terminal pngcairo size 900,560 font "DejaVu Sans,10"
set output "$OUT/latency-$transport.png"
set title "$transport: one-way latency by percentile, VTX beside libzmq (median of the runs)"
set logscale y
set grid xtics ytics mytics
set ylabel "one-way latency (µs, log scale)"
set xlabel "percentile"
set xtics ("p50" 0.301, "p90" 1, "p99" 2, "p99.9" 3, "max" 4)
set xrange [0.1:4.2]
set key top left
set datafile missing "nan"
# Colour by size (lt), VTX solid and libzmq dashed (dt).
plot for [i=0:$((series - 1))] "$CHART_DIR/curves-$transport.dat" index i using 1:2 with linespoints \\
    lw 2 lt i/2+1 dt i%2+1 pt 7 title columnheader(1)
GNUPLOT
        echo "chart: $OUT/latency-$transport.png"
    done
}
