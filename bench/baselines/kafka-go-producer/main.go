// kafka-go-producer: the blog's producer path (segmentio/kafka-go with the
// blog team's Writer settings) as an external baseline for ./dev bench
// gateway. See README.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"
)

const (
	exitError = 1
	exitUsage = 2
)

func main() {
	opts, err := parseOptions(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "kafka-go-producer: %v\nRun kafka-go-producer --help for the flags.\n", err)
		os.Exit(exitUsage)
	}
	if err := run(opts); err != nil {
		fmt.Fprintf(os.Stderr, "kafka-go-producer: %v\n", err)
		os.Exit(exitError)
	}
}

// run measures every size in order: throughput, then latency.
func run(o options) error {
	started := time.Now()
	pools := make([][]record, len(o.pools))
	for i, p := range o.pools {
		var err error
		if pools[i], err = readPool(p.value); err != nil {
			return fmt.Errorf("pool %s: %w", sizeLabel(p.size), err)
		}
	}
	results, err := openResults(o.results)
	if err != nil {
		return err
	}
	defer results.close()

	writer := newWriter(o.bootstrap, o.topic, o.batchSize)
	defer writer.Close()
	if err := results.write(newRunLine(settingsOf(writer), started)); err != nil {
		return err
	}
	var tracker *progress
	if o.progress {
		tracker = &progress{out: os.Stderr, interval: 5 * time.Second}
	}

	for i, p := range o.pools {
		label := sizeLabel(p.size)
		lanes := o.lanesFor(p.size)
		ph := phase{
			deliverer: newDeliverer(writerSender{w: writer}, label, os.Stderr),
			pool:      pools[i],
			lanes:     lanes,
			kafkaPid:  o.kafkaPid,
			progress:  tracker,
		}
		throughput, err := runThroughput(ph, "kafka-go "+label+" throughput", o.warmup, o.window)
		if err != nil {
			return err
		}
		rate, ok := o.latencyRates[p.size]
		if !ok {
			if throughput.acked == 0 {
				return fmt.Errorf("%s: nothing acknowledged in the throughput window; no latency rate to derive (give --latency_rates)", label)
			}
			rate = throughput.msgsPerSecond() / 2
		}
		if tracker != nil {
			fmt.Fprintf(os.Stderr, "kafka-go %s throughput: %s msg/s (%d acked in %.1f s); latency at %s msg/s\n",
				label, formatSignificant(throughput.msgsPerSecond(), 3), throughput.acked,
				o.window.Seconds(), formatSignificant(rate, 3))
		}
		latency, err := runLatency(ph, "kafka-go "+label+" latency", rate, o.latencyWarmup, o.latencyWindow)
		if err != nil {
			return err
		}
		line := newSizeLine(p.size, lanes, o.batchSize, throughput, latency, ph.deliverer.errors.Load())
		if err := results.write(line); err != nil {
			return err
		}
		fmt.Println(stdoutLine(line))
	}
	return writer.Close()
}
