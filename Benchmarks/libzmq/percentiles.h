/* Tail latency for the libzmq side of the VTX benchmarks: every round trip is timed (two clock_gettime calls,
 * as VTX's side does), kept in an array, and the percentiles are read from the sorted array by nearest rank
 * (the value at 1-based rank ceil(p/100 * N)), exact. VTX reads its own from an HdrHistogram with 3 significant
 * digits (within 0.1% of the exact value). Both report one-way latency: half the round trip, in microseconds. */
#ifndef VTXBENCH_PERCENTILES_H
#define VTXBENCH_PERCENTILES_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct round_trips {
    uint64_t *nanoseconds; /* one entry per timed round trip */
    long count;
    long capacity;
};

static inline void round_trips_init(struct round_trips *trips, long capacity) {
    trips->nanoseconds = malloc(sizeof(uint64_t) * (size_t)(capacity > 0 ? capacity : 1));
    if (!trips->nanoseconds) {
        fprintf(stderr, "out of memory for %ld round-trip times\n", capacity);
        exit(2);
    }
    trips->count = 0;
    trips->capacity = capacity;
}

static inline void round_trips_record(struct round_trips *trips, uint64_t nanoseconds) {
    if (trips->count < trips->capacity) trips->nanoseconds[trips->count++] = nanoseconds;
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The one-way latency in microseconds at percentile `p` (0 < p <= 100) of the sorted round trips. */
static inline double round_trips_percentile(const struct round_trips *trips, double p) {
    if (trips->count == 0) return 0;
    long rank = (long)ceil(p / 100.0 * (double)trips->count);
    if (rank < 1) rank = 1;
    if (rank > trips->count) rank = trips->count;
    return (double)trips->nanoseconds[rank - 1] / 2000.0;
}

/* Sorts the round trips and writes the five percentiles, formatted as "p50=A p90=B p99=C p99.9=D max=E"
 * (one-way microseconds, three decimals), into `out`. */
static inline void round_trips_summary(struct round_trips *trips, char *out, size_t length) {
    qsort(trips->nanoseconds, (size_t)trips->count, sizeof(uint64_t), compare_u64);
    snprintf(out, length, "p50=%.3f p90=%.3f p99=%.3f p99.9=%.3f max=%.3f", round_trips_percentile(trips, 50),
             round_trips_percentile(trips, 90), round_trips_percentile(trips, 99),
             round_trips_percentile(trips, 99.9), round_trips_percentile(trips, 100));
}

static inline void round_trips_free(struct round_trips *trips) {
    free(trips->nanoseconds);
    trips->nanoseconds = NULL;
}

#endif
