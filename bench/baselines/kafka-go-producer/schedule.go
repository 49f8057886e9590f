package main

import (
	"math"
	"time"
)

// schedule is the open loop of a latency phase: message i is due at
// start + i/rate whatever happened to earlier messages, and its latency is
// taken from that due time, so a stalled writer cannot hide the queue it
// causes (no coordinated omission). bench/common/rate_schedule.cc in Go.
type schedule struct {
	start     time.Time
	perSecond float64 // > 0
}

// due is when message i (0-based) is due.
func (s schedule) due(i int64) time.Time {
	return s.start.Add(time.Duration(float64(i) / s.perSecond * float64(time.Second)))
}

// countWithin is how many messages are due in [start, start+span).
func (s schedule) countWithin(span time.Duration) int64 {
	if span <= 0 {
		return 0
	}
	end := s.start.Add(span)
	count := int64(math.Ceil(span.Seconds() * s.perSecond))
	// The floating estimate can be one off either way; due() is the truth.
	for count > 0 && !s.due(count-1).Before(end) {
		count--
	}
	for s.due(count).Before(end) {
		count++
	}
	return count
}

// firstDueAtOrAfter is the first index due at or after start+offset: the first
// measured message when offset is the warm-up.
func (s schedule) firstDueAtOrAfter(offset time.Duration) int64 {
	return s.countWithin(offset)
}
