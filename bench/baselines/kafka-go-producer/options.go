package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// options is everything the flags say, validated.
type options struct {
	bootstrap     string
	topic         string
	pools         []sizeEntry // size -> pool file, in the order run
	lanes         map[int64]int
	batchSize     int
	warmup        time.Duration
	window        time.Duration
	latencyRates  map[int64]float64 // absent: half the measured maximum
	latencyWarmup time.Duration
	latencyWindow time.Duration
	kafkaPid      int
	results       string
	quick         bool
	progress      bool
}

// lanesFor is the lanes of size: --lanes, else gateway_bench's rule.
func (o options) lanesFor(size int64) int {
	if n, ok := o.lanes[size]; ok {
		return n
	}
	return defaultLanes(size)
}

const usageText = `kafka-go-producer: the blog's producer path as an external baseline for
./dev bench gateway. segmentio/kafka-go's Writer with the blog's settings
(hash balancer on the session key, synchronous writes, RequiredAcks one, zstd,
one message per write) sends the records of task_pool_dump files from
concurrent lanes: maximum throughput (closed loop), then latency at a fixed
rate (open loop). See README.md.

Usage: kafka-go-producer --bootstrap=HOST:PORT --topic=T --pools=10KB=FILE,100KB=FILE,1MB=FILE [flags]
       kafka-go-producer --bootstrap=HOST:PORT --topic=T --pool=FILE --size=100KB [flags]
Exit status: 0 measured, 1 error (e.g. a message given up), 2 usage.

Flags:
`

// parseOptions parses args (without the program name). --help prints the
// usage to out and returns flag.ErrHelp.
func parseOptions(args []string, out io.Writer) (options, error) {
	fs := flag.NewFlagSet("kafka-go-producer", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(out, usageText)
		fs.PrintDefaults()
	}
	var o options
	fs.StringVar(&o.bootstrap, "bootstrap", "", "Kafka bootstrap HOST:PORT[,HOST:PORT]. Required.")
	fs.StringVar(&o.topic, "topic", "ingest.tasks", "Topic to write (the gateway's).")
	pool := fs.String("pool", "", "One task_pool_dump file; needs --size. Or use --pools.")
	size := fs.String("size", "", "The size of --pool's records (10KB, 100KB, 1MB, ...).")
	pools := fs.String("pools", "", "Pool file per size, run in this order: 10KB=FILE,100KB=FILE,1MB=FILE.")
	lanes := fs.String("lanes", "10KB=256,100KB=256,1MB=64",
		"Concurrent synchronous writers per size; a size not listed gets 64 MB worth in [32, 256].")
	fs.IntVar(&o.batchSize, "batch_size", 1, "Writer.BatchSize: messages per produce request and partition.")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "Throughput phase: warm-up before the window.")
	fs.DurationVar(&o.window, "window", 10*time.Second, "Throughput phase: measured window.")
	rates := fs.String("latency_rates", "",
		"Latency phase rate per size in msgs/s, e.g. 10KB=8000,100KB=1500; absent: half the throughput phase's.")
	fs.DurationVar(&o.latencyWarmup, "latency_warmup", 2*time.Second,
		"Latency phase: messages due in this first span are not measured.")
	fs.DurationVar(&o.latencyWindow, "latency_window", 10*time.Second, "Latency phase: measured window.")
	fs.IntVar(&o.kafkaPid, "kafka_pid", 0, "Pid of the broker, for its CPU use in the throughput window; 0 = not measured.")
	fs.StringVar(&o.results, "results", "", "Append the results as JSON lines to this file.")
	fs.BoolVar(&o.quick, "quick", false,
		"0.5 s warm-ups and 1.5 s windows (overrides the duration flags): keeps the harness alive, numbers mean little.")
	fs.BoolVar(&o.progress, "progress", false, "A progress line on stderr every 5 s.")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}

	var err error
	switch {
	case *pool != "" && *pools != "":
		return options{}, errors.New("give --pool (with --size) or --pools, not both")
	case *pool != "":
		if *size == "" {
			return options{}, errors.New("--pool needs --size (the size its records were dumped for)")
		}
		n, err := parseSize(*size)
		if err != nil {
			return options{}, fmt.Errorf("--size: %w", err)
		}
		o.pools = []sizeEntry{{size: n, value: *pool}}
	case *pools != "":
		if *size != "" {
			return options{}, errors.New("--size goes with --pool; --pools names each size")
		}
		if o.pools, err = parseSizeMap(*pools); err != nil {
			return options{}, fmt.Errorf("--pools: %w", err)
		}
	default:
		return options{}, errors.New("--pool=FILE --size=SIZE or --pools=SIZE=FILE,... is required")
	}
	if o.lanes, err = parseSizeInts(*lanes); err != nil {
		return options{}, fmt.Errorf("--lanes: %w", err)
	}
	if o.latencyRates, err = parseSizeRates(*rates); err != nil {
		return options{}, fmt.Errorf("--latency_rates: %w", err)
	}
	if o.quick {
		o.warmup, o.window = 500*time.Millisecond, 1500*time.Millisecond
		o.latencyWarmup, o.latencyWindow = 500*time.Millisecond, 1500*time.Millisecond
	}
	return o, validate(o)
}

func validate(o options) error {
	switch {
	case o.bootstrap == "":
		return errors.New("--bootstrap is required")
	case o.topic == "":
		return errors.New("--topic must not be empty")
	case o.batchSize < 1:
		return errors.New("--batch_size must be >= 1")
	case o.window <= 0 || o.latencyWindow <= 0:
		return errors.New("--window and --latency_window must be positive")
	case o.warmup < 0 || o.latencyWarmup < 0:
		return errors.New("warm-ups must not be negative")
	case o.kafkaPid < 0:
		return errors.New("--kafka_pid must be >= 0")
	}
	return nil
}
