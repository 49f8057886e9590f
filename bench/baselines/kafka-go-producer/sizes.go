package main

import (
	"fmt"
	"strconv"
	"strings"
)

const (
	kib = 1024
	mib = 1024 * kib
)

// parseSize parses "<positive integer><unit>" with unit B, KB or MB
// (case-insensitive, binary: 1 KB = 1024 B), as bench/common/size_label does.
func parseSize(text string) (int64, error) {
	s := strings.ToUpper(strings.TrimSpace(text))
	unit := int64(1)
	switch {
	case strings.HasSuffix(s, "KB"):
		unit, s = kib, strings.TrimSuffix(s, "KB")
	case strings.HasSuffix(s, "MB"):
		unit, s = mib, strings.TrimSuffix(s, "MB")
	case strings.HasSuffix(s, "B"):
		s = strings.TrimSuffix(s, "B")
	default:
		return 0, fmt.Errorf("size %q needs a unit: B, KB or MB (e.g. 100KB)", text)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/unit {
		return 0, fmt.Errorf("size %q is not a positive integer with a unit", text)
	}
	return n * unit, nil
}

// sizeLabel is the label of the largest unit that divides bytes exactly:
// 10240 -> "10KB", 1048576 -> "1MB", 1500 -> "1500B".
func sizeLabel(bytes int64) string {
	switch {
	case bytes > 0 && bytes%mib == 0:
		return fmt.Sprintf("%dMB", bytes/mib)
	case bytes > 0 && bytes%kib == 0:
		return fmt.Sprintf("%dKB", bytes/kib)
	}
	return fmt.Sprintf("%dB", bytes)
}

// sizeEntry is one SIZE=VALUE item of a per-size flag.
type sizeEntry struct {
	size  int64
	value string
}

// parseSizeMap parses "10KB=a,100KB=b" into its entries, in order. Empty text
// gives no entries; a size given twice is an error.
func parseSizeMap(text string) ([]sizeEntry, error) {
	var entries []sizeEntry
	seen := map[int64]bool{}
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	for _, item := range strings.Split(text, ",") {
		label, value, ok := strings.Cut(item, "=")
		if !ok || strings.TrimSpace(value) == "" {
			return nil, fmt.Errorf("%q is not SIZE=VALUE", item)
		}
		size, err := parseSize(label)
		if err != nil {
			return nil, err
		}
		if seen[size] {
			return nil, fmt.Errorf("size %s given twice", sizeLabel(size))
		}
		seen[size] = true
		entries = append(entries, sizeEntry{size: size, value: strings.TrimSpace(value)})
	}
	return entries, nil
}

// parseSizeInts parses "10KB=256,1MB=64" into positive integers per size.
func parseSizeInts(text string) (map[int64]int, error) {
	entries, err := parseSizeMap(text)
	if err != nil {
		return nil, err
	}
	values := map[int64]int{}
	for _, e := range entries {
		n, err := strconv.Atoi(e.value)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%s=%s: not a positive integer", sizeLabel(e.size), e.value)
		}
		values[e.size] = n
	}
	return values, nil
}

// parseSizeRates parses "10KB=15000,1MB=150.5" into positive rates per size.
func parseSizeRates(text string) (map[int64]float64, error) {
	entries, err := parseSizeMap(text)
	if err != nil {
		return nil, err
	}
	values := map[int64]float64{}
	for _, e := range entries {
		r, err := strconv.ParseFloat(e.value, 64)
		if err != nil || !(r > 0) || r > 1e9 {
			return nil, fmt.Errorf("%s=%s: not a positive rate", sizeLabel(e.size), e.value)
		}
		values[e.size] = r
	}
	return values, nil
}

// defaultLanes is gateway_bench's rule for its gateway side: 64 MB worth of
// messages in flight, within [32, 256] (256 at 10 KB and 100 KB, 64 at 1 MB).
func defaultLanes(size int64) int {
	lanes := (64 * mib) / size
	if lanes < 32 {
		return 32
	}
	if lanes > 256 {
		return 256
	}
	return int(lanes)
}
