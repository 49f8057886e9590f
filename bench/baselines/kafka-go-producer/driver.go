package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// sender writes one record and returns once Kafka acknowledged it (or failed).
type sender interface {
	send(ctx context.Context, r record) error
}

const (
	retryDelay      = 20 * time.Millisecond
	giveUpAfter     = 30 * time.Second
	loggedErrorsMax = 5
)

// deliverer retries a record until it is acknowledged or its give-up deadline
// passes, counting every failed attempt. Safe for concurrent use.
type deliverer struct {
	sender     sender
	label      string // the size, for error lines
	retryDelay time.Duration
	giveUp     time.Duration
	log        io.Writer // the first loggedErrorsMax errors go here
	now        func() time.Time
	sleep      func(time.Duration)
	errors     atomic.Int64
}

func newDeliverer(s sender, label string, log io.Writer) *deliverer {
	return &deliverer{sender: s, label: label, retryDelay: retryDelay, giveUp: giveUpAfter,
		log: log, now: time.Now, sleep: time.Sleep}
}

// deliver sends message `index` until acknowledged: after a failure it waits
// retryDelay and sends the same record again, until giveUp after the first
// attempt; then it returns an error naming the message and the last failure.
func (d *deliverer) deliver(index int64, r record) error {
	deadline := d.now().Add(d.giveUp)
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		err := d.sender.send(ctx, r)
		cancel()
		if err == nil {
			return nil
		}
		if n := d.errors.Add(1); n <= loggedErrorsMax {
			fmt.Fprintf(d.log, "kafka-go %s: write error %d (message %d, attempt %d): %v\n",
				d.label, n, index, attempt, err)
		}
		if !d.now().Add(d.retryDelay).Before(deadline) {
			return fmt.Errorf("%s message %d (key %q) gave up: not acknowledged within %v "+
				"(%d attempts); last error: %v", d.label, index, r.key, d.giveUp, attempt, err)
		}
		d.sleep(d.retryDelay)
	}
}

// firstFailure keeps the first error of a phase; failed() closes when it is set.
type firstFailure struct {
	once sync.Once
	err  error
	done chan struct{}
}

func newFirstFailure() *firstFailure { return &firstFailure{done: make(chan struct{})} }

func (f *firstFailure) set(err error) {
	f.once.Do(func() { f.err = err; close(f.done) })
}

func (f *firstFailure) isSet() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// waitUntil sleeps until t; false if the phase failed first.
func (f *firstFailure) waitUntil(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return !f.isSet()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-f.done:
		return false
	}
}

// phase is what both loops of one size share.
type phase struct {
	deliverer *deliverer
	pool      []record
	lanes     int
	kafkaPid  int // 0: broker CPU not measured
	progress  *progress
}

// throughputResult is the closed loop's count inside its window.
type throughputResult struct {
	acked       int64 // acknowledgements that arrived inside the window
	ackedBytes  int64 // their key + value bytes
	window      time.Duration
	clientCores float64
	clientOK    bool
	kafkaCores  float64
	kafkaOK     bool
}

func (r throughputResult) msgsPerSecond() float64 {
	return float64(r.acked) / r.window.Seconds()
}

// runThroughput is the closed loop: every lane writes the pool's next record,
// waits for its acknowledgement and writes the next, until the window ends.
// Acknowledgements count by the time they arrive, so warm-up writes finishing
// inside the window count and writes still out when it ends do not.
func runThroughput(p phase, title string, warmup, window time.Duration) (throughputResult, error) {
	start := time.Now()
	windowStart := start.Add(warmup)
	windowEnd := windowStart.Add(window)
	failure := newFirstFailure()
	var next, total, inWindow, inWindowBytes atomic.Int64
	stop := p.progress.track(title, warmup+window, start, &total)
	defer stop()

	var wg sync.WaitGroup
	for lane := 0; lane < p.lanes; lane++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failure.isSet() && time.Now().Before(windowEnd) {
				i := next.Add(1) - 1
				r := p.pool[i%int64(len(p.pool))]
				if err := p.deliverer.deliver(i, r); err != nil {
					failure.set(err)
					return
				}
				t := time.Now()
				total.Add(1)
				if !t.Before(windowStart) && t.Before(windowEnd) {
					inWindow.Add(1)
					inWindowBytes.Add(r.bytes())
				}
			}
		}()
	}

	result := throughputResult{window: window}
	if failure.waitUntil(windowStart) {
		client0, kafka0 := readCPU(selfCPU), p.readKafkaCPU()
		if failure.waitUntil(windowEnd) {
			client1, kafka1 := readCPU(selfCPU), p.readKafkaCPU()
			result.clientCores, result.clientOK = coresBetween(client0, client1, window)
			result.kafkaCores, result.kafkaOK = coresBetween(kafka0, kafka1, window)
		}
	}
	wg.Wait()
	if failure.isSet() {
		return result, failure.err
	}
	result.acked, result.ackedBytes = inWindow.Load(), inWindowBytes.Load()
	return result, nil
}

func (p phase) readKafkaCPU() cpuReading {
	if p.kafkaPid == 0 {
		return cpuReading{}
	}
	return readCPU(func() (time.Duration, error) { return processCPU(p.kafkaPid) })
}

// latencyResult is the open loop's measured messages.
type latencyResult struct {
	rate    float64
	latency latencySummary
}

// runLatency is the open loop: message i is due at start + i/rate and goes to
// lane i % lanes, which writes it at its due time or, if still busy with its
// previous message, as soon as that is acknowledged. Latency is
// acknowledgement - due time; messages due in the warm-up are not measured.
func runLatency(p phase, title string, rate float64, warmup, window time.Duration) (latencyResult, error) {
	sched := schedule{start: time.Now(), perSecond: rate}
	n := sched.countWithin(warmup + window)
	first := sched.firstDueAtOrAfter(warmup)
	failure := newFirstFailure()
	var acked atomic.Int64
	stop := p.progress.track(title, warmup+window, sched.start, &acked)
	defer stop()

	samples := make([][]time.Duration, p.lanes)
	var wg sync.WaitGroup
	for lane := 0; lane < p.lanes; lane++ {
		wg.Add(1)
		go func(lane int) {
			defer wg.Done()
			for i := int64(lane); i < n; i += int64(p.lanes) {
				due := sched.due(i)
				if !failure.waitUntil(due) {
					return
				}
				if err := p.deliverer.deliver(i, p.pool[i%int64(len(p.pool))]); err != nil {
					failure.set(err)
					return
				}
				latency := time.Since(due)
				acked.Add(1)
				if i >= first {
					samples[lane] = append(samples[lane], latency)
				}
			}
		}(lane)
	}
	wg.Wait()
	if failure.isSet() {
		return latencyResult{}, failure.err
	}
	var all []time.Duration
	for _, s := range samples {
		all = append(all, s...)
	}
	return latencyResult{rate: rate, latency: summarize(all)}, nil
}

// progress prints "kafka-go 100KB throughput: 12.0/13.0 s, 45123 acked" to
// out every interval while a phase runs; a nil *progress prints nothing.
type progress struct {
	out      io.Writer
	interval time.Duration
}

// track starts the lines of one phase; the returned function stops them.
func (p *progress) track(title string, planned time.Duration, start time.Time, acked *atomic.Int64) func() {
	if p == nil {
		return func() {}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		ticker := time.NewTicker(p.interval)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				fmt.Fprintf(p.out, "%s\n", progressLine(title, time.Since(start), planned, acked.Load()))
			}
		}
	}()
	return func() { close(done); <-stopped }
}

func progressLine(title string, elapsed, planned time.Duration, acked int64) string {
	return fmt.Sprintf("%s: %.1f/%.1f s, %d acked", title, elapsed.Seconds(), planned.Seconds(), acked)
}
