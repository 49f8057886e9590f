package main

import (
	"math"
	"sort"
	"strconv"
	"time"
)

// percentile is the nearest-rank p-th percentile of sorted (ascending): the
// smallest sample such that at least p% of the samples are <= it. p = 0 gives
// the minimum, p = 100 the maximum, an empty slice zero. The same rule as
// bench/common/stats.cc.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	n := float64(len(sorted))
	// p * n first keeps integer products exact; the epsilon absorbs the rest.
	rank := int(math.Ceil(p*n/100 - 1e-9))
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}

// cdfPercentiles are the points of latency_cdf: 0, 1, ..., 99, 99.9, 100.
func cdfPercentiles() []float64 {
	points := make([]float64, 0, 102)
	for p := 0; p < 100; p++ {
		points = append(points, float64(p))
	}
	return append(points, 99.9, 100)
}

// latencySummary is what the JSON line reports of one latency phase.
type latencySummary struct {
	count int
	p50   time.Duration
	p99   time.Duration
	max   time.Duration
	cdf   [][2]float64 // [milliseconds, fraction of samples <= it]
}

// summarize sorts samples in place and summarizes them.
func summarize(samples []time.Duration) latencySummary {
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	s := latencySummary{
		count: len(samples),
		p50:   percentile(samples, 50),
		p99:   percentile(samples, 99),
		max:   percentile(samples, 100),
	}
	if len(samples) > 0 {
		for _, p := range cdfPercentiles() {
			// Rounded so that 99.9 gives 0.999, not 0.9990000000000001.
			fraction := math.Round(p*10) / 1000
			s.cdf = append(s.cdf, [2]float64{milliseconds(percentile(samples, p)), fraction})
		}
	}
	return s
}

func milliseconds(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// formatSignificant prints value with `digits` significant digits and no
// exponent (12345 -> "12345", 0.012345 -> "0.0123"), as gateway_bench's
// result lines do.
func formatSignificant(value float64, digits int) string {
	switch {
	case math.IsNaN(value):
		return "nan"
	case math.IsInf(value, 0):
		if value > 0 {
			return "inf"
		}
		return "-inf"
	case value == 0:
		return "0"
	}
	magnitude := math.Floor(math.Log10(math.Abs(value)))
	decimals := digits - 1 - int(magnitude)
	if decimals < 0 {
		decimals = 0
	}
	// 9.996 with 2 decimals rounds up to 10.00: one digit too many.
	scale := math.Pow(10, float64(decimals))
	if decimals > 0 && math.Abs(math.Round(value*scale)/scale) >= math.Pow(10, magnitude+1) {
		decimals--
	}
	text := strconv.FormatFloat(value, 'f', decimals, 64)
	if text == "-0" {
		text = "0"
	}
	return text
}
